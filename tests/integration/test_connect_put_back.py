"""`xero connect` puts the earlier sign-in back when listing the organisations fails (network or API error)."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest
from test_xero_connect import App, _fetch

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox


def test_a_failed_connections_call_puts_the_earlier_sign_in_back(
    sandbox: RunningSandbox, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: bool(_fetch(url)) or True)
    app = App(sandbox, data_dir, capsys)
    code, _, err = app.connect("--tenant", seed.DEMO_TENANT_ID)
    assert code == 0, err
    earlier = app.refresh_token()

    sandbox.faults.offline(None, path="/connections")  # GET /connections: 503
    code, _, err = app.connect("--tenant", seed.DEMO_TENANT_ID)

    assert code != 0
    assert app.refresh_token() == earlier  # the earlier sign-in, not the new one that never got an organisation
