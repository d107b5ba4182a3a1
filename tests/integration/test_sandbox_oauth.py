"""OAuth2 against the sandbox: PKCE connect, consent, connections, refresh rotation and grace, revocation."""

from __future__ import annotations

import base64
import json
import shutil
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sandbox_helpers import CLIENT_ID, DEMO, SECOND, Connected, connect
from xero_python.exceptions import NotFoundException

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.xero import auth
from invoice_desktop.xero.client import ConnectionDropped, PkceTokenApi, TokenEndpointError, plain_api_client


def test_pkce_connect_lists_both_organisations(sandbox: RunningSandbox, connected: Connected) -> None:
    connections = connected.identity().get_connections()
    assert {c.tenant_name for c in connections} == set(seed.ORGANISATION_NAMES)
    assert {c.tenant_id for c in connections} == {DEMO, SECOND}
    tokens = connected.session.tokens
    assert tokens is not None and tokens.expires_in == 1800
    _header, payload, _signature = tokens.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["exp"] - claims["nbf"] == 1800 and claims["client_id"] == CLIENT_ID
    assert "offline_access" in tokens.scope


def _authorize_url(sandbox: RunningSandbox, redirect_uri: str = "http://localhost:9/callback") -> tuple[str, str]:
    request = auth.authorization_request(sandbox.endpoints, CLIENT_ID, redirect_uri)
    return request.url, request.state


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _open(url: str, data: bytes | None = None) -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, data=data, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_consent_page_lists_organisations_and_allow_redirects_with_code(sandbox: RunningSandbox) -> None:
    sandbox.control.set_auto_approve(False)
    url, state = _authorize_url(sandbox)
    status, _headers, page = _open(url)
    assert status == 200
    assert all(name in page for name in seed.ORGANISATION_NAMES)
    assert page.count('type="checkbox" name="tenant"') == 2 and "Allow access" in page
    query = dict(parse_qsl(urlsplit(url).query))
    form = urlencode({**query, "tenant": SECOND, "decision": "allow"}).encode()
    status, headers, _ = _open(sandbox.endpoints.authorize, form)
    assert status == 302
    location = urlsplit(headers["Location"])
    reply = dict(parse_qsl(location.query))
    assert location.netloc == "localhost:9" and reply["state"] == state and reply["code"]
    assert [c.tenant_id for c in sandbox.state.connections] == [SECOND]


def test_consent_cancel_redirects_with_access_denied(sandbox: RunningSandbox) -> None:
    sandbox.control.set_auto_approve(False)
    url, state = _authorize_url(sandbox)
    form = urlencode({**dict(parse_qsl(urlsplit(url).query)), "decision": "deny"}).encode()
    status, headers, _ = _open(sandbox.endpoints.authorize, form)
    reply = dict(parse_qsl(urlsplit(headers["Location"]).query))
    assert status == 302 and reply == {"error": "access_denied", "state": state}
    assert sandbox.state.connections == []


def test_authorize_refuses_http_redirect_other_than_localhost(sandbox: RunningSandbox) -> None:
    url, _ = _authorize_url(sandbox, "http://127.0.0.1:9/callback")
    status, _headers, page = _open(url)
    assert status == 400 and "redirect_uri" in page


def _token_post(sandbox: RunningSandbox, form: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(sandbox.endpoints.token, data=urlencode(form).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_code_needs_the_right_verifier_and_is_single_use(sandbox: RunningSandbox) -> None:
    request = auth.authorization_request(sandbox.endpoints, CLIENT_ID, "http://localhost:9/callback")
    _status, headers, _ = _open(request.url)
    code = dict(parse_qsl(urlsplit(headers["Location"]).query))["code"]
    form = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
            "redirect_uri": request.redirect_uri}  # fmt: skip
    assert _token_post(sandbox, {**form, "code_verifier": auth.new_code_verifier()}) == (
        400,
        b'{"error":"invalid_grant"}',
    )
    # the code was burnt by the failed attempt: even the right verifier is refused now
    assert _token_post(sandbox, {**form, "code_verifier": request.code_verifier})[0] == 400

    request = auth.authorization_request(sandbox.endpoints, CLIENT_ID, "http://localhost:9/callback")
    code = dict(parse_qsl(urlsplit(_open(request.url)[1]["Location"]).query))["code"]
    tokens = auth.exchange_code(plain_api_client(), sandbox.endpoints, CLIENT_ID, request, code)
    assert tokens.access_token and tokens.refresh_token
    with pytest.raises(auth.AuthError, match="invalid_grant"):
        auth.exchange_code(plain_api_client(), sandbox.endpoints, CLIENT_ID, request, code)
    assert _token_post(sandbox, {"grant_type": "password", "client_id": CLIENT_ID}) == (
        400,
        b'{"error":"unsupported_grant_type"}',
    )


def _refresh(sandbox: RunningSandbox, refresh_token: str) -> dict[str, object]:
    return PkceTokenApi(plain_api_client(), CLIENT_ID, sandbox.endpoints).refresh_token(refresh_token)


def test_refresh_rotates_and_the_previous_token_has_30_minutes_grace(
    sandbox: RunningSandbox, connected: Connected
) -> None:
    first = connected.refresh_token
    rotated = _refresh(sandbox, first)
    assert rotated["refresh_token"] != first and rotated["expires_in"] == 1800
    assert isinstance(rotated["scope"], str) and "offline_access" in str(rotated["scope"]).split()
    sandbox.control.advance_clock(29 * 60)
    again = _refresh(sandbox, first)  # the response was lost: the old token still works within the grace
    assert again["refresh_token"] not in (first, rotated["refresh_token"])
    sandbox.control.advance_clock(2 * 60)
    with pytest.raises(TokenEndpointError) as dead:
        _refresh(sandbox, first)
    assert dead.value.error == "invalid_grant" and dead.value.status == 400
    assert _refresh(sandbox, str(rotated["refresh_token"]))["access_token"]


def test_refresh_token_expires_after_60_days(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.advance_clock(60 * 86_400)
    with pytest.raises(TokenEndpointError, match="invalid_grant"):
        _refresh(sandbox, connected.refresh_token)


def test_expired_access_token_is_refreshed_by_the_app_client(sandbox: RunningSandbox, connected: Connected) -> None:
    first = connected.refresh_token
    sandbox.control.advance_clock(31 * 60)  # the sandbox says the access token expired; the SDK does not know
    organisations = connected.accounting().get_organisations(DEMO).organisations
    assert organisations[0].name == seed.DEMO_ORG_NAME
    assert connected.session.refresh_count == 1 and connected.refresh_token != first


def test_revoked_app_drops_the_connection(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.revoke_app()
    with pytest.raises(ConnectionDropped, match="invalid_grant"):
        connected.accounting().get_organisations(DEMO)
    with pytest.raises(TokenEndpointError, match="invalid_grant"):
        _refresh(sandbox, connected.refresh_token)


def test_revocation_endpoint_removes_tokens_and_connections(sandbox: RunningSandbox, connected: Connected) -> None:
    api = PkceTokenApi(plain_api_client(), CLIENT_ID, sandbox.endpoints)
    assert api.revoke_token(connected.refresh_token) == 200
    assert sandbox.state.connections == []
    with pytest.raises(TokenEndpointError, match="invalid_grant"):
        _refresh(sandbox, connected.refresh_token)


def test_delete_connection_and_lower_case_path(sandbox: RunningSandbox, connected: Connected) -> None:
    identity = connected.identity()
    second = next(c for c in identity.get_connections() if c.tenant_id == SECOND)
    identity.delete_connection(second.id)
    request = urllib.request.Request(
        f"{sandbox.base_url}/connections",
        headers={"Authorization": f"Bearer {connected.session.tokens.access_token}"},  # type: ignore[union-attr]
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        listed = json.loads(reply.read())
        assert reply.headers["X-AppMinLimit-Remaining"] and "X-MinLimit-Remaining" not in reply.headers
    assert [c["tenantId"] for c in listed] == [DEMO]
    with pytest.raises(NotFoundException):
        identity.delete_connection(second.id)
    with pytest.raises(ConnectionDropped, match="403"):
        connected.accounting(SECOND).get_organisations(SECOND)


def test_headless_connect_with_a_browser_command_that_follows_redirects(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    monkeypatch.setenv("BROWSER", "curl -sL -o /dev/null %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    connected = connect(sandbox, tmp_path / "company", browser=webbrowser.open)
    assert {c.tenant_id for c in connected.identity().get_connections()} == {DEMO, SECOND}
