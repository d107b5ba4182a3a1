"""Jobs no widget owns outlive the window that started them: closing Settings > Xero while its job runs, or quitting
while an Invoice Information Xero action runs, must never destroy a running thread ("QThread: Destroyed while
thread is still running" aborts the process). Each scenario runs in its own pytest subprocess, so an abort fails
the test instead of killing the test run."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from company_file_faults import make_company_file
from invoice_desktop.jobs import worker
from invoice_desktop.jobs.worker import Job, running_jobs
from invoice_desktop.logs import LOG_FILE_NAME
from invoice_desktop.ui import main_window as main_window_module
from invoice_desktop.ui import xero_settings_dialog
from invoice_desktop.ui.xero_actions import XeroActionResult

INNER = "INVOICE_DESKTOP_JOB_LIFETIME_INNER"
WAIT_MS = 30_000  # an upper bound for a hung test, not a timing assertion

inner_only = pytest.mark.skipif(not os.environ.get(INNER), reason="run in a subprocess by the tests below")


def run_inner(test_name: str) -> None:
    env = {**os.environ, INNER: "1", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        # --no-cov: no pytest-cov of its own (it would erase and combine the data files of the run around it); the
        # process is measured like any a test starts (coverage's patch = subprocess), its QThreads by conftest.py.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", f"{Path(__file__)}::{test_name}"],
        cwd=Path(__file__).parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "1 passed" in output, output
    assert "Destroyed while thread" not in output, output


class BlockedJob(Job):
    """A job that runs until `release` is set (cancel does not stop it, like a Xero call in flight)."""

    def __init__(self, *_args: object) -> None:
        super().__init__()
        self.release = threading.Event()

    def work(self) -> None:
        self.release.wait(WAIT_MS / 1000)


class BlockingXeroActions:
    """XeroActions whose export blocks on an event; records whether it finished."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.finished = False

    def export_now(self, invoice_id: int) -> XeroActionResult:
        self.started.set()
        self.release.wait(WAIT_MS / 1000)
        self.finished = True
        return XeroActionResult(True, "exported")

    def mark_in_xero(self, invoice_id: int, xero_number_or_id: str | None) -> XeroActionResult:
        return XeroActionResult(True, "marked")

    def dont_send(self, invoice_id: int) -> XeroActionResult:
        return XeroActionResult(True, "kept out")


@inner_only
def test_inner_settings_dialog_closed_while_its_job_runs(qtbot, main_window, monkeypatch):
    jobs: list[BlockedJob] = []

    def blocked_worker(*args: object) -> BlockedJob:
        jobs.append(BlockedJob(*args))
        return jobs[-1]

    monkeypatch.setattr(xero_settings_dialog, "RefreshWorker", blocked_worker)
    monkeypatch.setattr(xero_settings_dialog, "JOB_STOP_WAIT_MS", 50)
    main_window.show_xero_settings()
    dialog = main_window.xero_settings_dialog
    dialog.start_refresh()
    [job] = jobs
    assert job.isRunning() and running_jobs() == (job,)

    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT_MS):
        dialog.close()  # main_window deletes it (deleteLater) once it is closed
    assert main_window.xero_settings_dialog is None
    assert job.isRunning() and running_jobs() == (job,)  # held by jobs.worker, not destroyed

    with qtbot.waitSignal(job.destroyed, timeout=WAIT_MS):
        job.release.set()
    assert running_jobs() == ()


def test_closing_settings_while_a_job_runs_keeps_the_job_until_it_ends():
    run_inner("test_inner_settings_dialog_closed_while_its_job_runs")


@inner_only
def test_inner_quit_waits_for_an_invoice_information_xero_action(qtbot, main_window, books):
    actions = BlockingXeroActions()
    main_window.invoice_windows.set_xero_actions(actions)
    window = main_window.invoice_windows.open_invoice(books["INV-0089"])
    window.export_now()
    assert actions.started.wait(WAIT_MS / 1000)
    [job] = running_jobs()
    wait, running_when_waited_for = job.wait, []

    def release_when_waited_for(*args: object) -> bool:
        running_when_waited_for.append(job.isRunning())
        actions.release.set()  # the call ends once the quit is waiting for it
        return wait(*args)

    job.wait = release_when_waited_for

    main_window.close()  # quitting: the window waits for the running call

    assert running_when_waited_for[:1] == [True]
    assert actions.finished
    assert not job.isRunning()
    qtbot.waitUntil(lambda: running_jobs() == (), timeout=WAIT_MS)
    QApplication.processEvents()


def test_quitting_waits_for_an_invoice_information_xero_action():
    run_inner("test_inner_quit_waits_for_an_invoice_information_xero_action")


@inner_only
def test_inner_quit_with_a_resync_hung_in_a_xero_call(qtbot, demo, window, monkeypatch):
    monkeypatch.setattr(main_window_module, "QUIT_WAIT_MS", 100)  # the test's patience, not a timing assertion
    page = window.xero_exports.page
    assert page is not None
    window.invoice_manager.tabs.setCurrentWidget(page)
    demo.sandbox.faults.hang()  # Xero never answers the Resync's first call
    page.failed_model.checks.set_checked([page.failed_model.loaded_ids()[0]], True)
    qtbot.mouseClick(page.failed.resync_bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(demo.sandbox.faults.fired), timeout=WAIT_MS)
    job = page.failed.worker
    assert job is not None and job.isRunning()

    window.close()  # quitting: the Resync is asked to stop, waited for a moment, then let go

    assert not window.isVisible()
    assert job.isRunning() and running_jobs() == (job,) and job.parent() is None  # kept alive, not destroyed
    with qtbot.waitSignal(job.destroyed, timeout=WAIT_MS):
        demo.stop()  # the sandbox closes the hung call: the job ends on its own, then is deleted
    assert running_jobs() == ()


def test_quitting_with_a_resync_hung_in_a_xero_call_closes_the_window():
    run_inner("test_inner_quit_with_a_resync_hung_in_a_xero_call")


_APP_WITH_A_STUCK_JOB = """
import sys, threading
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from invoice_desktop import __main__ as entry
from invoice_desktop.jobs.worker import Job, start_kept_alive
from invoice_desktop.ui import main_window
from invoice_desktop.ui.main_window import MainWindow

main_window.QUIT_WAIT_MS = 100
never = threading.Event()

class Stuck(Job):  # a call that ignores Cancel, like a Xero call in flight
    def work(self):
        never.wait(120)

def quit_with_the_job_running():
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    start_kept_alive(Stuck())
    print("CLOSED", windows[0].close(), flush=True)

QTimer.singleShot(0, quit_with_the_job_running)
sys.exit(entry.main(["--data-dir", sys.argv[1]]))
"""


def test_the_app_exits_when_a_job_is_still_running_at_quit(tmp_path: Path, data_dir: Path):
    make_company_file(data_dir)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", _APP_WITH_A_STUCK_JOB, str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # the job would hold it for longer
    )
    assert run.returncode == 0, run.stderr
    assert "CLOSED True" in run.stdout
    assert "Destroyed while thread" not in run.stderr
    log = (data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Stuck still running at quit" in log and "exiting with Stuck still running" in log


def test_wait_for_running_jobs_cancels_and_waits(qtbot, db):
    job = BlockedJob()
    cancelled = []
    job.cancelled.connect(lambda: cancelled.append(True))
    worker.start_kept_alive(job)
    assert running_jobs() == (job,)
    assert not worker.wait_for_running_jobs(10)  # still blocked: reported, not destroyed
    assert job.is_cancelled
    job.release.set()
    assert worker.wait_for_running_jobs(WAIT_MS)
    qtbot.waitUntil(lambda: running_jobs() == (), timeout=WAIT_MS)
