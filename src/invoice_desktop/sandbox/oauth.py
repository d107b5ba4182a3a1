"""Xero's identity side (docs/xero-facts.md §4): authorize with consent, token endpoint (PKCE S256, single-use codes,
refresh rotation with a 30-minute grace and 60-day expiry), revocation, /connections, and bearer-token checks.

Every login of the sandbox is the same user, who can see every organisation of the state. Access tokens are
JWT-shaped (header.payload.signature) and looked up in the state; they live 30 minutes of sandbox clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from invoice_desktop.sandbox import consent, http_messages
from invoice_desktop.sandbox.context import SandboxContext, new_correlation_id
from invoice_desktop.sandbox.http_messages import Request, Response
from invoice_desktop.sandbox.state import (
    AccessTokenRecord,
    AuthorizationCode,
    Connection,
    RefreshTokenRecord,
    Revocation,
    new_id,
)
from invoice_desktop.sandbox.xero_json import connection_json

ACCESS_TOKEN_SECONDS = 1800
CODE_SECONDS = 300
REFRESH_GRACE_SECONDS = 1800  # the default of SandboxOptions.refresh_grace_seconds
REFRESH_LIFETIME_SECONDS = 60 * 86_400
ISSUER = "https://identity.xero.com"
SANDBOX_USER_ID = "b4c5d6e7-f809-4a1b-8c2d-3e4f5a6b7c8d"
_SCOPE_RE = re.compile(r"^[a-z][a-z0-9_.]*$")


# -- helpers ------------------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt(payload: dict[str, Any]) -> str:
    header = {"alg": "RS256", "kid": "sandbox", "typ": "JWT"}
    parts = [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), _b64(secrets.token_bytes(64))]
    return ".".join(parts)


def s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


def _redirect_allowed(uri: str) -> bool:
    """https anywhere; http only for localhost (Xero refuses http://127.0.0.1)."""
    parts = urlsplit(uri)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname == "localhost"


def _with_query(uri: str, params: dict[str, str]) -> str:
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}"


# -- authorize ----------------------------------------------------------------------------------------------------


AUTHORIZE_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                    "code_challenge_method", "nonce")  # fmt: skip


def authorize(ctx: SandboxContext, request: Request) -> Response:
    params = request.form() if request.method == "POST" else {k: v for k, v in request.query_items()}
    params = {k: v for k, v in params.items() if k in AUTHORIZE_FIELDS or k in ("tenant", "decision")}
    problem = _authorize_problem(params)
    if problem:
        return Response.html(400, consent.error_page(problem))
    scopes = params["scope"].split()
    carried = {k: params[k] for k in AUTHORIZE_FIELDS if k in params}
    with ctx.state.lock:
        organisations = list(ctx.state.organisations.values())
    if request.method == "GET" and not ctx.options.auto_approve:
        return Response.html(200, consent.consent_page(request.path, carried, organisations, scopes))
    if request.method == "POST" and request.form_lists().get("decision", [""])[-1] != "allow":
        return Response.redirect(_with_query(params["redirect_uri"], _with_state({"error": "access_denied"}, params)))
    if request.method == "POST":
        chosen = [t.lower() for t in request.form_lists().get("tenant", [])]
        tenants = [org for org in organisations if org.tenant_id in chosen]
        if not tenants:
            page = consent.consent_page(request.path, carried, organisations, scopes, "Choose at least one.")
            return Response.html(200, page)
    else:
        tenants = organisations
    code = _grant(ctx, params, scopes, [org.tenant_id for org in tenants])
    reply = _with_state({"code": code, "scope": " ".join(scopes), "session_state": secrets.token_urlsafe(16)}, params)
    return Response.redirect(_with_query(params["redirect_uri"], reply))


def _with_state(reply: dict[str, str], params: dict[str, str]) -> dict[str, str]:
    if "state" in params:
        reply["state"] = params["state"]
    return reply


def _authorize_problem(params: dict[str, str]) -> str | None:
    if not params.get("client_id"):
        return "unauthorized_client: Unknown client or client not enabled (client_id is missing)."
    if params.get("response_type") != "code":
        return "unsupported_response_type: response_type must be code."
    redirect = params.get("redirect_uri", "")
    if not redirect or not _redirect_allowed(redirect):
        return "Invalid redirect_uri: it must be https, or http://localhost."
    scopes = params.get("scope", "").split()
    if not scopes or not all(_SCOPE_RE.match(s) for s in scopes):
        return "invalid_scope: Invalid scope for client."
    if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
        return "invalid_request: code_challenge with code_challenge_method=S256 is required for PKCE clients."
    return None


def _grant(ctx: SandboxContext, params: dict[str, str], scopes: list[str], tenant_ids: list[str]) -> str:
    now = ctx.clock.now()
    auth_event_id = new_id()
    code = secrets.token_urlsafe(32)
    with ctx.state.lock:
        ctx.state.codes[code] = AuthorizationCode(
            code=code,
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            scopes=scopes,
            code_challenge=params["code_challenge"],
            auth_event_id=auth_event_id,
            expires_at=now + CODE_SECONDS,
            nonce=params.get("nonce", ""),
        )
        for tenant_id in tenant_ids:
            connect_tenant(ctx, tenant_id, auth_event_id)
    return code


def connect_tenant(ctx: SandboxContext, tenant_id: str, auth_event_id: str | None = None) -> Connection:
    """Connect an organisation (consent, or the admin page's 'reconnect'); an existing connection is refreshed."""
    now = ctx.clock.now()
    with ctx.state.lock:
        org = ctx.state.organisation(tenant_id)
        if org is None:
            raise KeyError(f"no organisation {tenant_id!r}")
        existing = ctx.state.connection_for(org.tenant_id)
        if existing is not None:
            existing.auth_event_id = auth_event_id or existing.auth_event_id
            existing.updated = now
            return existing
        connection = Connection(new_id(), org.tenant_id, org.name, auth_event_id or new_id(), now, now)
        ctx.state.connections.append(connection)
        return connection


# -- token endpoint -----------------------------------------------------------------------------------------------


def token(ctx: SandboxContext, request: Request) -> Response:
    if request.method != "POST":
        return http_messages.token_error("invalid_request")
    form = request.form()
    grant_type = form.get("grant_type", "")
    if grant_type not in ("authorization_code", "refresh_token"):
        return http_messages.token_error("unsupported_grant_type")
    client_id = form.get("client_id", "")
    if not client_id:
        return http_messages.token_error("invalid_client")
    latency = ctx.faults.latency_for(request.path)  # set_latency(path="/connect/token")
    if latency:
        ctx.stopping.wait(latency)
    with ctx.state.lock:
        if grant_type == "authorization_code":
            issued = _exchange_code(ctx, form, client_id)
        else:
            issued = _refresh(ctx, form, client_id)
    if issued is None:
        return http_messages.token_error("invalid_grant")
    return Response(200, json.dumps(issued).encode("utf-8"), {"Content-Type": "application/json; charset=UTF-8"})


def _exchange_code(ctx: SandboxContext, form: dict[str, str], client_id: str) -> dict[str, Any] | None:
    now = ctx.clock.now()
    grant = ctx.state.codes.get(form.get("code", ""))
    if grant is None or grant.used or grant.expires_at <= now or grant.client_id != client_id:
        return None
    grant.used = True  # single use, even when the rest of the request is wrong
    if form.get("redirect_uri") != grant.redirect_uri:
        return None
    verifier = form.get("code_verifier", "")
    if not re.match(r"^[A-Za-z0-9\-._~]{43,128}$", verifier) or s256(verifier) != grant.code_challenge:
        return None
    _prune(ctx, now)
    return _issue(ctx, client_id, grant.scopes, grant.auth_event_id, grant.nonce)


def _refresh(ctx: SandboxContext, form: dict[str, str], client_id: str) -> dict[str, Any] | None:
    now = ctx.clock.now()
    record = ctx.state.refresh_tokens.get(form.get("refresh_token", ""))
    if record is None or record.client_id != client_id or record.revoked_at is not None:
        return None
    if now >= record.issued_at + REFRESH_LIFETIME_SECONDS:
        return None
    if record.rotated_at is None:
        record.rotated_at = now
    elif now > record.rotated_at + ctx.options.refresh_grace_seconds:
        return None
    return _issue(ctx, client_id, record.scopes, record.auth_event_id, "")


def _issue(ctx: SandboxContext, client_id: str, scopes: list[str], auth_event_id: str, nonce: str) -> dict[str, Any]:
    now = ctx.clock.now()
    claims = {
        "nbf": int(now),
        "exp": int(now) + ACCESS_TOKEN_SECONDS,
        "iss": ISSUER,
        "aud": f"{ISSUER}/resources",
        "client_id": client_id,
        "sub": SANDBOX_USER_ID.replace("-", ""),
        "auth_time": int(now),
        "xero_userid": SANDBOX_USER_ID,
        "global_session_id": new_id().replace("-", ""),
        "jti": new_id().replace("-", ""),
        "authentication_event_id": auth_event_id,
        "scope": scopes,
    }
    access = _jwt(claims)
    ctx.state.access_tokens[access] = AccessTokenRecord(
        access, client_id, list(scopes), auth_event_id, now, now + ACCESS_TOKEN_SECONDS
    )
    body: dict[str, Any] = {}
    if "openid" in scopes:
        body["id_token"] = _jwt(
            {"nbf": int(now), "exp": int(now) + 300, "iss": ISSUER, "aud": client_id, "sub": claims["sub"],
             "auth_time": int(now), "xero_userid": SANDBOX_USER_ID, "email": "sandbox@example.com",
             "given_name": "Sandbox", "family_name": "User", **({"nonce": nonce} if nonce else {})}
        )  # fmt: skip
    body.update({"access_token": access, "expires_in": ACCESS_TOKEN_SECONDS, "token_type": "Bearer"})
    if "offline_access" in scopes:
        refresh = secrets.token_hex(32)
        ctx.state.refresh_tokens[refresh] = RefreshTokenRecord(refresh, client_id, list(scopes), auth_event_id, now)
        body["refresh_token"] = refresh
    body["scope"] = " ".join(scopes)
    return body


def _prune(ctx: SandboxContext, now: float) -> None:
    """Forget what can never be used again (keeps a long-running demo's state small)."""
    state = ctx.state
    for key in [k for k, v in state.access_tokens.items() if v.expires_at < now - 86_400]:
        del state.access_tokens[key]
    for key in [k for k, v in state.codes.items() if v.expires_at < now - 86_400]:
        del state.codes[key]
    for key in [k for k, v in state.refresh_tokens.items() if v.issued_at + REFRESH_LIFETIME_SECONDS < now]:
        del state.refresh_tokens[key]


# -- revocation ---------------------------------------------------------------------------------------------------


def revocation(ctx: SandboxContext, request: Request) -> Response:
    form = request.form()
    if not form.get("client_id"):
        return http_messages.token_error("invalid_client")
    with ctx.state.lock:
        record = ctx.state.refresh_tokens.get(form.get("token", ""))
        if record is not None and record.client_id == form["client_id"]:
            revoke_all(ctx, "refresh_token", f"revoked by client {record.client_id}")
    return Response(200)


def revoke_all(ctx: SandboxContext, what: str, detail: str) -> None:
    """The app loses everything: every token answers invalid_grant / 401, every connection is removed."""
    now = ctx.clock.now()
    with ctx.state.lock:
        for refresh in ctx.state.refresh_tokens.values():
            refresh.revoked_at = refresh.revoked_at or now
        for access in ctx.state.access_tokens.values():
            access.revoked_at = access.revoked_at or now
        ctx.state.connections.clear()
        ctx.state.revocations.append(Revocation(now, what, detail))


# -- bearer tokens and /connections -------------------------------------------------------------------------------


def authenticate(ctx: SandboxContext, request: Request, correlation_id: str) -> AccessTokenRecord | Response:
    header = request.header("authorization") or ""
    scheme, _, value = header.partition(" ")
    with ctx.state.lock:
        record = ctx.state.access_tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if record is None or record.revoked_at is not None:
            return http_messages.unauthorized("AuthenticationUnsuccessful", correlation_id)
        if record.expires_at <= ctx.clock.now():
            expired = datetime.fromtimestamp(record.expires_at, tz=UTC).strftime("%m/%d/%Y %H:%M:%S")
            return http_messages.unauthorized(f"TokenExpired: token expired at {expired}", correlation_id)
        return record


def connections(ctx: SandboxContext, request: Request, connection_id: str | None) -> Response:
    correlation_id = new_correlation_id()
    found = authenticate(ctx, request, correlation_id)
    if isinstance(found, Response):
        return found
    headers = {"X-AppMinLimit-Remaining": str(ctx.limiter.app_remaining()), "Xero-Correlation-Id": correlation_id}
    with ctx.state.lock:
        if request.method == "GET" and connection_id is None:
            event = request.query("authEventId")
            listed = [c for c in ctx.state.connections if not event or c.auth_event_id == event.lower()]
            return Response.json(200, [connection_json(c) for c in listed], headers)
        if request.method == "DELETE" and connection_id:
            connection = next((c for c in ctx.state.connections if c.id == connection_id.lower()), None)
            if connection is None:
                return http_messages.not_found()
            ctx.state.connections.remove(connection)
            return Response(204, b"", headers)
    return http_messages.not_found()
