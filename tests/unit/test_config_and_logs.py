"""Data-dir resolution, endpoint derivation and token scrubbing in logs."""

from __future__ import annotations

import logging
from pathlib import Path

from invoice_desktop.config import XeroEndpoints, resolve_data_dir, resolve_endpoints
from invoice_desktop.logs import redact, setup_logging


def test_data_dir_from_flag_beats_environment(tmp_path: Path):
    env = {"INVOICE_DESKTOP_DATA_DIR": str(tmp_path / "env")}
    assert resolve_data_dir(str(tmp_path / "flag"), env) == (tmp_path / "flag").resolve()
    assert resolve_data_dir(None, env) == (tmp_path / "env").resolve()
    assert resolve_data_dir(None, {}).name == "InvoiceDesktop"


def test_team_mode_s_shared_sign_in_folder_from_flag_or_environment(tmp_path: Path, monkeypatch):
    from invoice_desktop.config import ENV_TOKEN_DIR, resolve_app_paths

    monkeypatch.delenv(ENV_TOKEN_DIR, raising=False)
    one_desk = resolve_app_paths(str(tmp_path / "desk"))
    assert one_desk.shared_token_dir is None and one_desk.token_file == tmp_path / "desk" / "xero-token.json"
    monkeypatch.setenv(ENV_TOKEN_DIR, str(tmp_path / "env-share"))
    assert resolve_app_paths(str(tmp_path / "desk")).token_file == tmp_path / "env-share" / "xero-token.json"
    team = resolve_app_paths(str(tmp_path / "desk"), token_dir=str(tmp_path / "share"))
    assert team.token_file == tmp_path / "share" / "xero-token.json"
    assert team.database == tmp_path / "desk" / "company.sqlite3"  # the rest stays the desk's


def test_one_base_url_serves_every_xero_path():
    e = XeroEndpoints.under("http://127.0.0.1:5000/")
    assert e.authorize == "http://127.0.0.1:5000/identity/connect/authorize"
    assert e.token == "http://127.0.0.1:5000/connect/token"
    assert e.revocation == "http://127.0.0.1:5000/connect/revocation"
    assert e.accounting == "http://127.0.0.1:5000/api.xro/2.0"
    assert not e.is_real_xero
    real = resolve_endpoints(None)
    assert real.is_real_xero and real.token == "https://identity.xero.com/connect/token"


def test_redact_scrubs_tokens_but_keeps_xero_messages():
    assert "abc.def" not in redact("Authorization: Bearer abc.def")
    assert "RT-123" not in redact('{"refresh_token": "RT-123", "expires_in": 1800}')
    assert "RT-9" not in redact("grant_type=refresh_token&refresh_token=RT-9&client_id=x")
    assert "CODE1" not in redact("GET /callback?code=CODE1&state=s")
    message = "Account code '200' is not a valid code for this document."
    assert redact(message) == message


def test_log_file_never_holds_a_token(tmp_path: Path):
    path = setup_logging(tmp_path / "logs")
    logging.getLogger("invoice_desktop.test").warning("refresh failed for refresh_token=SECRET-RT body %s", "x")
    try:
        raise ValueError("Bearer SECRET-AT rejected")
    except ValueError:
        logging.getLogger("invoice_desktop.test").exception("call failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "SECRET-RT" not in text and "SECRET-AT" not in text
    assert "call failed" in text


def test_the_sandbox_demo_never_uses_the_real_company_file(monkeypatch, tmp_path) -> None:
    from invoice_desktop.config import DEMO_FOLDER, demo_app_paths, resolve_app_paths

    monkeypatch.setenv("INVOICE_DESKTOP_DATA_DIR", str(tmp_path / "real"))
    assert demo_app_paths(None).data_dir != resolve_app_paths(None).data_dir
    assert demo_app_paths(None).data_dir.name == DEMO_FOLDER
    assert demo_app_paths(str(tmp_path / "d")).data_dir == (tmp_path / "d").resolve()


def test_commands_do_not_load_the_sandbox() -> None:
    import subprocess
    import sys

    code = (
        "import sys, invoice_desktop.__main__\nprint(any(m.startswith('invoice_desktop.sandbox') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
