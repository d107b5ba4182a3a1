"""A sandbox state file that does not load is refused as a whole, with a message naming the file and saying how to
start over, and is left as it was: from Python (SandboxStateError), `invoice-desktop sandbox --state DIR` (one
line, exit 2) and the --sandbox demo (one line, exit 2, no window). `invoice-desktop --sandbox --reset` wipes the
demo company file and the sandbox state, and the demo starts fresh."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from invoice_desktop import sandbox_demo
from invoice_desktop.__main__ import main
from invoice_desktop.config import AppPaths
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import start_sandbox
from invoice_desktop.sandbox.state_file import STATE_FILE_NAME, SandboxStateError
from invoice_desktop.store.database import close_database, open_database


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A good state file's document (a sandbox started and stopped once)."""
    folder = tmp_path_factory.mktemp("good")
    start_sandbox(folder).stop()
    return json.loads((folder / STATE_FILE_NAME).read_text(encoding="utf-8"))


def demo_org(document: dict[str, Any]) -> dict[str, Any]:
    return document["state"]["organisations"][seed.DEMO_TENANT_ID]


def first_invoice(document: dict[str, Any]) -> dict[str, Any]:
    return next(iter(demo_org(document)["invoices"].values()))


def broken(saved: dict[str, Any], change: str) -> bytes:
    """The good document with one thing broken."""
    document = json.loads(json.dumps(saved))
    if change == "truncated":
        return json.dumps(document).encode()[:5000]
    if change == "nan-clock":
        return json.dumps(document).replace('"clock_offset": 0.0', '"clock_offset": NaN').encode()
    edits = {
        "clock-as-text": lambda: document["state"].update(clock_offset="soon"),
        "clock-1e300": lambda: document["state"].update(clock_offset=1e300),
        "total-not-a-number": lambda: first_invoice(document).update(total="lots"),
        "total-nan": lambda: first_invoice(document).update(total="NaN"),
        "date-impossible": lambda: first_invoice(document).update(date="2026-02-30"),
        "status-unknown": lambda: first_invoice(document).update(status="LOST"),
        "currency-unknown": lambda: demo_org(document).update(currencies=["XXX"]),
        "contacts-not-a-list": lambda: demo_org(document).update(contacts={"a": 1}),
        "name-missing": lambda: demo_org(document).pop("name"),
        "demo-missing": lambda: document["state"]["organisations"].pop(seed.DEMO_TENANT_ID),
        "plan-limit-bool": lambda: demo_org(document).update(plan_invoice_limit=True),
        "other-format": lambda: document.update(format=2),
    }
    edits[change]()
    return json.dumps(document).encode()


BROKEN = ["truncated", "nan-clock", "clock-as-text", "clock-1e300", "total-not-a-number", "total-nan",
          "date-impossible", "status-unknown", "currency-unknown", "contacts-not-a-list", "name-missing",
          "demo-missing", "plan-limit-bool", "other-format"]  # fmt: skip
GARBAGE = [b"", b"not json at all", b"\xff\xfe\x00binary", b"[1, 2, 3]", b"[" * 100_000]


def check_refused(folder: Path, content: bytes) -> str:
    path = folder / STATE_FILE_NAME
    path.write_bytes(content)
    with pytest.raises(SandboxStateError) as raised:
        start_sandbox(folder)
    message = str(raised.value)
    assert str(path) in message and "--sandbox --reset" in message and "delete that file" in message
    assert "\n" not in message
    assert path.read_bytes() == content  # left as it was
    return message


@pytest.mark.parametrize("change", BROKEN)
def test_a_broken_state_file_is_refused(tmp_path: Path, saved: dict[str, Any], change: str) -> None:
    check_refused(tmp_path, broken(saved, change))


@pytest.mark.parametrize("content", GARBAGE, ids=["empty", "text", "binary", "list", "deep"])
def test_garbage_is_refused(tmp_path: Path, content: bytes) -> None:
    check_refused(tmp_path, content)


def test_the_message_says_what_is_wrong(tmp_path: Path, saved: dict[str, Any]) -> None:
    assert "should be a finite number, not 'soon'" in check_refused(tmp_path, broken(saved, "clock-as-text"))
    assert "status should be one of" in check_refused(tmp_path, broken(saved, "status-unknown"))


def test_a_good_file_still_loads(tmp_path: Path, saved: dict[str, Any]) -> None:
    (tmp_path / STATE_FILE_NAME).write_text(json.dumps(saved), encoding="utf-8")
    with start_sandbox(tmp_path) as sandbox:
        assert sandbox.control.organisation().name == seed.DEMO_ORG_NAME


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env_command = [sys.executable, "-m", "invoice_desktop", *argv]
    return subprocess.run(env_command, capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={"QT_QPA_PLATFORM": "offscreen", "INVOICE_DESKTOP_KEYRING": "file",
                               "PATH": "/usr/bin:/bin", "HOME": str(cwd)})  # fmt: skip


def test_the_sandbox_command_says_one_line_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE_NAME).write_text('{"format": 1, "state": {"clock_offset": NaN}}', encoding="utf-8")
    done = run("sandbox", "--state", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot be loaded" in lines[0] and "Traceback" not in done.stderr


def test_the_demo_says_one_line_and_exits_2_before_any_window(tmp_path: Path) -> None:
    state = tmp_path / "demo" / sandbox_demo.SANDBOX_STATE_FOLDER
    state.mkdir(parents=True)
    (state / STATE_FILE_NAME).write_text("{truncated", encoding="utf-8")
    done = run("--sandbox", "--data-dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--sandbox --reset" in lines[0] and "Traceback" not in done.stderr


def start_and_stop_demo(folder: Path) -> None:
    open_database(folder / "company.sqlite3", folder / "backups")
    try:
        sandbox_demo.start_demo(AppPaths(folder)).stop()
    finally:
        close_database()


def test_reset_wipes_the_demo_and_it_starts_fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "demo"
    start_and_stop_demo(folder)
    state_file = folder / sandbox_demo.SANDBOX_STATE_FOLDER / STATE_FILE_NAME
    state_file.write_text("{broken", encoding="utf-8")
    seen: list[bool] = []

    def window(ctx: object) -> int:  # stands in for the Qt window: the demo is up and connected by now
        from invoice_desktop.xero.settings import InterfaceState, interface_state

        seen.append(interface_state() is InterfaceState.CONNECTED)
        return 0

    monkeypatch.setattr("invoice_desktop.ui.app.run_window", window)
    monkeypatch.setenv("INVOICE_DESKTOP_KEYRING", "file")
    assert main(["--sandbox", "--data-dir", str(folder)]) == 2  # refused as it is
    assert main(["--sandbox", "--reset", "--data-dir", str(folder)]) == 0
    assert seen == [True]
    assert json.loads(state_file.read_text(encoding="utf-8"))["format"] == 1  # a fresh, good state


def test_reset_only_goes_with_the_demo_and_never_wipes_a_real_company_file(tmp_path: Path) -> None:
    assert main(["--reset", "--data-dir", str(tmp_path), "invoices"]) == 2
    real = tmp_path / "real"
    open_database(real / "company.sqlite3", real / "backups")
    close_database()
    before = (real / "company.sqlite3").read_bytes()
    with pytest.raises(sandbox_demo.DemoResetError, match="not a --sandbox demo"):
        sandbox_demo.reset_demo(AppPaths(real))
    assert main(["--sandbox", "--reset", "--data-dir", str(real)]) == 2
    assert (real / "company.sqlite3").read_bytes() == before
