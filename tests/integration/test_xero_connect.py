"""`xero connect | status | settings | disconnect` end to end: the real commands and the real xero-python SDK against
the sandbox over loopback HTTP. The browser is either `webbrowser.open` replaced by a function that does what a
browser does (follow the redirects, or fill in the consent page), or, in one test, a real BROWSER command in a
separate process."""

from __future__ import annotations

import contextlib
import getpass
import html
import json
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sandbox_helpers import browse, free_port

from invoice_desktop.__main__ import main
from invoice_desktop.config import AppPaths
from invoice_desktop.ledger import catalog
from invoice_desktop.sandbox import SANDBOX_CLIENT_ID, seed
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.settings import get_setting
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.callback_server import CallbackCancelled, CallbackServer, CallbackTimeout
from invoice_desktop.xero.client import PkceTokenApi, TokenEndpointError, plain_api_client
from invoice_desktop.xero.connect import ConnectCancel, ConnectOptions, connect
from invoice_desktop.xero.tokens import TokenStorageKind, TokenStore

DEMO_NAME = seed.DEMO_ORG_NAME
SECOND_NAME = seed.SECOND_ORG_NAME


class App:
    """One company file driven through `invoice-desktop --data-dir D --xero-endpoint SANDBOX ...`."""

    def __init__(self, sandbox: RunningSandbox, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.sandbox = sandbox
        self.data_dir = data_dir
        self.paths = AppPaths(data_dir)
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--data-dir", str(self.data_dir), "--xero-endpoint", self.sandbox.base_url, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def connect(self, *args: str) -> tuple[int, str, str]:
        return self.run("xero", "connect", "--port", "0", "--timeout", "10", *args)

    def status(self) -> dict:
        code, out, err = self.run("xero", "status", "--json")
        assert code == 0, err
        return json.loads(out)

    def in_company_file(self, action: Callable[[], object]) -> object:
        open_database(self.paths.database, self.paths.backup_dir)
        try:
            return action()
        finally:
            close_database()

    def refresh_token(self) -> str:
        grant = TokenStore(self.paths, TokenStorageKind.FILE).load()
        assert grant is not None
        return grant.refresh_token


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """webbrowser.open follows the redirects like a browser on an auto-approving consent page; URLs recorded."""
    opened: list[str] = []

    def open_url(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        _fetch(url)
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    return opened


def _fetch(url: str, data: bytes | None = None) -> str:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as reply:
            return reply.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:  # the callback's "sign-in failed" page is a 400
        return exc.read().decode("utf-8", errors="replace")


def on_consent_page(sandbox: RunningSandbox, decision: str, tenant_id: str | None = None) -> Callable[..., bool]:
    """A user on the sandbox's consent page who ticks only `tenant_id` and clicks Allow access (or Cancel)."""

    def user(url: str, *args: object, **kwargs: object) -> bool:
        page = _fetch(url)
        fields = {
            html.unescape(k): html.unescape(v)
            for k, v in re.findall(r'type="hidden" name="([^"]*)" value="([^"]*)"', page)
        }
        chosen = {"tenant": tenant_id} if tenant_id else {}
        _fetch(sandbox.endpoints.authorize, urlencode({**fields, **chosen, "decision": decision}).encode())
        return True

    return user


@pytest.fixture
def app(sandbox: RunningSandbox, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> App:
    return App(sandbox, data_dir, capsys)


# -- connect --------------------------------------------------------------------------------------------------


def test_two_organisations_need_a_choice_then_connect(app: App, browser: list[str]) -> None:
    code, out, err = app.connect()
    assert code == 2
    assert "connected 2 organisations; choose one (--tenant NAME_OR_ID)" in err
    assert f"{DEMO_NAME}  ({seed.DEMO_TENANT_ID})" in err and f"{SECOND_NAME}  ({seed.SECOND_TENANT_ID})" in err
    assert "Your browser was opened" in out and browser[0].startswith(app.sandbox.endpoints.authorize)
    assert "code_challenge_method=S256" in browser[0] and "offline_access" in browser[0]
    status = app.status()
    assert status["state"] == "not_set_up"  # nothing chosen, nothing recorded (never silently the first)
    assert status["signed_in"] is False and not app.paths.token_file.exists()

    code, out, err = app.connect("--tenant", SECOND_NAME.upper())
    assert code == 0, err
    assert f"Connected to the Xero organisation {SECOND_NAME!r} ({seed.SECOND_TENANT_ID})" in out
    status = app.status()
    assert status["state"] == "disabled" and status["organisation"] == SECOND_NAME
    assert status["tenant_id"] == seed.SECOND_TENANT_ID and status["signed_in"] is True
    assert status["token_storage"] == "file" and "owner-only file" in status["token_warning"]
    assert status["settings_fetched_at"] and status["settings_problems"] == []
    assert status["queue"]["queued"] == 0 and status["last_sync_at"] is None
    assert "owner-only file" in err  # the file fallback is a visible warning
    assert (app.paths.token_file.stat().st_mode & 0o777) == 0o600

    kept = app.refresh_token()
    code, _, err = app.connect("--tenant", "No Such Company Ltd")
    assert code == 2 and "has no organisation 'No Such Company Ltd'" in err
    assert app.status()["organisation"] == SECOND_NAME  # a failed reconnect changes nothing
    assert app.refresh_token() == kept
    assert app.run("xero", "settings", "--refresh")[0] == 0  # and the connection still works


def test_connect_by_tenant_id_with_the_broad_scopes_setting(app: App, browser: list[str]) -> None:
    assert app.run("xero", "settings", "--broad-scopes", "on")[0] == 0
    code, _, err = app.connect("--tenant", seed.DEMO_TENANT_ID.upper())
    assert code == 0, err
    assert app.status()["organisation"] == DEMO_NAME
    assert "accounting.transactions" in browser[0] and "accounting.invoices" not in browser[0]


def test_one_organisation_is_connected_without_asking(
    app: App, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.control.set_auto_approve(False)
    monkeypatch.setattr(webbrowser, "open", on_consent_page(sandbox, "allow", seed.DEMO_TENANT_ID))
    code, out, err = app.connect()
    assert code == 0, err
    assert f"Connected to the Xero organisation {DEMO_NAME!r}" in out
    assert "15 accounts (3 usable on sales invoices)" in out
    status = app.status()
    assert status["organisation"] == DEMO_NAME and status["state"] == "disabled"
    assert [c.tenant_id for c in sandbox.state.connections] == [seed.DEMO_TENANT_ID]


def test_a_real_browser_command_from_the_environment(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """`xero connect` in its own process with BROWSER set: Python's webbrowser runs the command."""
    follow = tmp_path / "follow.py"
    follow.write_text("import sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=10).read()\n")
    env = {**os.environ, "BROWSER": f"{sys.executable} {follow} %s", "INVOICE_DESKTOP_KEYRING": "file"}
    env.pop("DISPLAY", None)
    data_dir = tmp_path / "company"
    command = [sys.executable, "-m", "invoice_desktop", "--data-dir", str(data_dir),
               "--xero-endpoint", sandbox.base_url,
               "xero", "connect", "--port", "0", "--timeout", "20", "--tenant", DEMO_NAME]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"Connected to the Xero organisation {DEMO_NAME!r}" in done.stdout


@pytest.mark.parametrize("holder", ["plain socket", "socket with SO_REUSEADDR", "another sign-in listener"])
def test_port_in_use_is_reported_clearly(app: App, browser: list[str], holder: str) -> None:
    """A port another listener holds is refused, whether or not that listener allows address reuse itself (as
    Python's http.server and most web servers do): two listeners never share the sign-in's port."""
    with _listening(holder) as port:
        code, _, err = app.run("xero", "connect", "--port", str(port))
    assert code == 2
    assert f"Port {port} is already in use" in err and "--port" in err
    assert browser == []


@contextlib.contextmanager
def _listening(holder: str) -> Iterator[int]:
    """A live listener on 127.0.0.1 (its port yielded)."""
    if holder == "another sign-in listener":
        with CallbackServer("another-state", port=0) as other:
            yield other.port
        return
    with socket.socket() as taken:
        if holder == "socket with SO_REUSEADDR":
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        yield taken.getsockname()[1]


def test_connect_again_at_once_on_the_same_port(app: App, browser: list[str]) -> None:
    """The first sign-in leaves its port in TIME-WAIT for about a minute (the listener closed the browser's
    connection first); a second `xero connect` on that port right away must not be told it is in use."""
    port = str(free_port())
    for verb in ("Connected", "Reconnected"):
        code, out, err = app.run("xero", "connect", "--port", port, "--timeout", "10", "--tenant", DEMO_NAME)
        assert code == 0, err
        assert f"{verb} to the Xero organisation {DEMO_NAME!r}" in out
    assert len(browser) == 2 and all(f"localhost%3A{port}%2Fcallback" in url for url in browser)


def test_no_browser_hands_out_the_url(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_browser(url: str, *args: object, **kwargs: object) -> bool:
        raise AssertionError("--no-browser must not open a browser")

    monkeypatch.setattr(webbrowser, "open", no_browser)
    shown: list[tuple[str, bool]] = []

    def user_opens_it(url: str, opened: bool) -> None:
        shown.append((url, opened))
        threading.Thread(target=browse, args=(url,), daemon=True).start()

    result = app.in_company_file(
        lambda: connect(
            app.paths,
            app.sandbox.endpoints,
            ConnectOptions(tenant=DEMO_NAME, open_browser=False, port=0, timeout=10),
            on_url=user_opens_it,
        )
    )
    assert shown and shown[0][1] is False and f"client_id={SANDBOX_CLIENT_ID}" in shown[0][0]
    assert result.organisation.name == DEMO_NAME and result.cache is not None  # type: ignore[union-attr]


def what_to_check(redirect_uri: str, client_id: str = SANDBOX_CLIENT_ID) -> list[str]:
    """The checklist `xero connect` prints while it waits and repeats when it gives up."""
    return [
        "If Xero's page shows an error instead of coming back here, check your app at developer.xero.com:",
        f"the redirect URI registered must be exactly {redirect_uri}",
        f"the client id must be that app's: {client_id}",
        "the app type must be Auth Code with PKCE",
        "the granular scopes apps created after March 2026 must use",
    ]


def test_waiting_times_out_and_can_be_cancelled(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: True)  # a browser that never comes back
    options = ConnectOptions(port=0, timeout=0.5)
    with pytest.raises(CallbackTimeout, match="No answer from Xero's sign-in") as timed_out:
        app.in_company_file(lambda: connect(app.paths, app.sandbox.endpoints, options))
    redirect = re.search(r"exactly (http://localhost:\d+/callback)", str(timed_out.value))
    assert redirect and all(line in str(timed_out.value) for line in what_to_check(redirect.group(1)))

    cancel = ConnectCancel()
    threading.Timer(0.3, cancel.cancel).start()
    with pytest.raises(CallbackCancelled):
        app.in_company_file(
            lambda: connect(app.paths, app.sandbox.endpoints, ConnectOptions(port=0, timeout=30), cancel=cancel)
        )
    assert app.status()["state"] == "not_set_up"


def test_xero_connect_says_what_to_check_while_it_waits(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """Xero shows what is wrong with the app's registration (a redirect URI or port not registered, a wrong client id,
    a scope refused) on its own page and never comes back to the listener: `xero connect` (its own process, BROWSER
    a real command that, like that page, never comes back) prints what to check while it waits."""
    env = {**os.environ, "BROWSER": f"{sys.executable} -c pass %s", "INVOICE_DESKTOP_KEYRING": "file"}
    env.pop("DISPLAY", None)
    port = free_port()
    command = [sys.executable, "-m", "invoice_desktop", "--data-dir", str(tmp_path / "company"),
               "--xero-endpoint", sandbox.base_url,
               "xero", "connect", "--port", str(port), "--timeout", "60"]  # fmt: skip
    expected = what_to_check(f"http://localhost:{port}/callback")
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as running:
        try:
            assert running.stdout is not None
            printed = [running.stdout.readline() for _ in range(len(expected) + 3)]  # the URL lines, then the list
            assert running.poll() is None  # still waiting for Xero
        finally:
            running.terminate()
    assert all(any(line in out for out in printed) for line in expected), printed


def test_access_denied_on_the_consent_page(app: App, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.control.set_auto_approve(False)

    monkeypatch.setattr(webbrowser, "open", on_consent_page(sandbox, "deny"))
    code, _, err = app.connect()
    assert code == 2 and "Access to Xero was not allowed" in err


# -- settings against the sandbox's chart ---------------------------------------------------------------------


def _local_books() -> None:
    catalog.get_or_create_account("4000", "Sales")
    catalog.get_or_create_account("4100", "Supplies")
    catalog.create_tax_rate("GST on Income", catalog.standard_tax_rate("GST on Income"))


def test_settings_are_checked_against_the_sandbox_chart(app: App, browser: list[str]) -> None:
    assert app.connect("--tenant", DEMO_NAME)[0] == 0
    app.in_company_file(_local_books)

    code, _, err = app.run("xero", "settings", "--map", "4100=210")
    assert code == 2 and "Xero account 210 Plumbing Supplies Sales is archived" in err
    code, _, err = app.run("xero", "settings", "--map", "4100=400")
    assert code == 2 and "400 Advertising (EXPENSE) cannot be used on a sales invoice" in err
    code, _, err = app.run("xero", "settings", "--map-tax", "GST on Income=INPUT")
    assert code == 2 and "INPUT (GST on Expenses) cannot be used on revenue accounts" in err
    code, _, err = app.run("xero", "settings", "--enable")
    assert code == 2 and "Choose a default income account before enabling" in err

    code, out, err = app.run(
        "xero", "settings", "--income-account", "200", "--map", "4000=200", "--map", "4100=260",
        "--map-tax", "GST on Income=OUTPUT", "--tracking", "Region", "--destination", "awaiting-approval",
        "--enable", "--json",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["settings"]["account_map"] == {"4000": "200", "4100": "260"}
    assert document["settings"]["tax_map"] == {"GST on Income": "OUTPUT"}
    assert [a["code"] for a in document["xero"]["sales_accounts"]] == ["200", "260", "270"]
    assert {t["tax_type"] for t in document["xero"]["sales_tax_rates"]} == {"OUTPUT", "EXEMPTOUTPUT", "BASEXCLUDED"}
    assert app.status()["state"] == "connected"

    # Xero changes: the bookkeeper archives 270 there; --refresh fetches the chart again.
    app.sandbox.control.archive_account("270")
    code, _, err = app.run("xero", "settings", "--income-account", "270")
    assert code == 0, err  # the cached chart still says active
    assert app.run("xero", "settings", "--income-account", "200")[0] == 0
    code, _, err = app.run("xero", "settings", "--refresh", "--income-account", "270")
    assert code == 2 and "Interest Income is archived" in err
    assert app.in_company_file(lambda: xero_settings.load_settings().income_account) == "200"


def test_reconnect_keeps_settings_and_recovers_a_dropped_connection(app: App, browser: list[str]) -> None:
    assert app.connect("--tenant", DEMO_NAME)[0] == 0
    app.in_company_file(_local_books)
    assert app.run("xero", "settings", "--income-account", "200", "--map", "4000=200", "--enable")[0] == 0

    app.sandbox.control.revoke_app()  # the user disconnected the app in Xero
    code, _, err = app.run("xero", "settings", "--refresh")
    assert code == 2 and "invalid_grant" in err
    status = app.status()
    assert status["state"] == "connection_dropped" and "invalid_grant" in status["dropped_reason"]

    code, out, err = app.connect("--tenant", DEMO_NAME)
    assert code == 0, err
    assert "Reconnected" in out and "settings (mapping, switches) were kept" in out
    assert app.status()["state"] == "connected"
    saved = app.in_company_file(xero_settings.load_settings)
    assert saved.enabled and saved.income_account == "200" and saved.account_map == {"4000": "200"}  # type: ignore[attr-defined]
    assert app.run("xero", "settings", "--refresh")[0] == 0


# -- disconnect, and where tokens never go --------------------------------------------------------------------


def test_disconnect_revokes_removes_the_connection_and_deletes_settings(app: App, browser: list[str]) -> None:
    assert app.connect("--tenant", DEMO_NAME)[0] == 0
    app.in_company_file(_local_books)
    assert app.run("xero", "settings", "--income-account", "200", "--map", "4000=200")[0] == 0
    token_before = app.refresh_token()

    code, out, err = app.run("xero", "disconnect")
    assert code == 0, err
    assert f"Disconnected from the Xero organisation {DEMO_NAME!r}" in out
    assert [r.what for r in app.sandbox.state.revocations] == ["refresh_token"]
    assert app.sandbox.state.connections == []
    with pytest.raises(TokenEndpointError, match="invalid_grant"):
        PkceTokenApi(plain_api_client(), SANDBOX_CLIENT_ID, app.sandbox.endpoints).refresh_token(token_before)
    assert not app.paths.token_file.exists()
    status = app.status()
    assert status["state"] == "not_set_up" and status["signed_in"] is False and status["organisation"] == ""
    leftovers = app.in_company_file(
        lambda: [k for k in ("xero.tenant_id", "xero.account_map", "xero.cache") if get_setting(k) is not None]
    )
    assert leftovers == []


def test_disconnect_after_the_app_was_revoked_still_cleans_up(app: App, browser: list[str]) -> None:
    assert app.connect("--tenant", DEMO_NAME)[0] == 0
    app.sandbox.control.revoke_app()
    code, _, err = app.run("xero", "disconnect")
    assert code == 1 and "already be disconnected" in err
    assert app.status()["state"] == "not_set_up" and not app.paths.token_file.exists()


def test_no_token_in_the_database_or_the_logs(app: App, browser: list[str]) -> None:
    assert app.connect("--tenant", DEMO_NAME)[0] == 0
    app.in_company_file(_local_books)
    assert app.run("xero", "settings", "--refresh", "--income-account", "200")[0] == 0
    app.sandbox.control.advance_clock(31 * 60)  # the access token expires: the next call refreshes and rotates
    assert app.run("xero", "settings", "--refresh")[0] == 0
    assert app.run("xero", "status")[0] == 0

    state = app.sandbox.state
    secrets = [*state.refresh_tokens, *state.access_tokens, *state.codes]
    assert len(state.refresh_tokens) >= 2 and secrets
    files = [p for p in app.data_dir.glob("company.sqlite3*")] + [
        p for p in app.paths.log_dir.rglob("*") if p.is_file()
    ]
    assert any(p.name.startswith("company.sqlite3") for p in files) and any(p.suffix == ".log" for p in files)
    assert any(b"Harbour Lane" in p.read_bytes() for p in files)  # the search does see what is written
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"a token is in {path.name}"
    assert state.refresh_tokens.keys() & {app.refresh_token()}  # the file fallback holds the current one

    assert app.run("xero", "disconnect")[0] == 0
    for path in [p for p in app.data_dir.rglob("*") if p.is_file()]:
        data = path.read_bytes()
        assert not any(secret.encode() in data for secret in secrets), path.name


def test_status_says_who_made_the_last_connection_change(app: App, browser: list[str]) -> None:
    """Who did what from the command line: the desk's name (the OS user here: the CLI reads the data dir's
    desk.json, none saved) goes with the connect and the disconnect, and `xero status` says the last one."""
    assert app.connect("--tenant", DEMO_NAME)[0] == 0
    change = app.status()["last_change"]
    by = getpass.getuser()
    assert (change["action"], change["by"], change["detail"]) == ("xero_connected", by, DEMO_NAME)
    code, out, _ = app.run("xero", "status")
    assert code == 0 and f"Last change: Connected by {by} on " in out
    assert app.run("xero", "disconnect")[0] == 0
    assert app.status()["last_change"]["action"] == "xero_disconnected"
