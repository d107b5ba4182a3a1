"""The window when something goes wrong: an exception no code caught, in a slot or a worker thread, is logged with
its traceback and shown in a dialog (ui.crash_dialog) while pytest-qt's own capture still sees it; a company file
another process keeps busy is a message, not a frozen window or a lost change (its Approve and its editor's Save)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from company_file_faults import make_company_file, write_lock_held
from invoice_desktop.config import DATABASE_NAME
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.logs import LOG_FILE_NAME, LogFile, setup_logging
from invoice_desktop.store.errors import CompanyFileBusyError
from invoice_desktop.store.models import InvoiceStatus
from invoice_desktop.ui import draft_page
from invoice_desktop.ui.crash_dialog import CrashReporter, reporting_uncaught_exceptions
from invoice_desktop.ui.message_bar import Tone

WAIT_MS = 30_000  # an upper bound for a hung test, not a timing assertion


@pytest.fixture
def log_file(data_dir: Path):
    path = setup_logging(data_dir / "logs")
    yield path
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, LogFile)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def reporter():
    """A CrashReporter; its dialog closed afterwards (it has no parent when no window is active)."""
    crash_reporter = CrashReporter()
    yield crash_reporter
    if crash_reporter.dialog is not None:
        crash_reporter.dialog.close()
        crash_reporter.dialog.deleteLater()


def shown_dialog(qtbot, reporter: CrashReporter) -> QMessageBox:
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=WAIT_MS)
    assert reporter.dialog is not None
    return reporter.dialog


def test_an_exception_in_a_slot_is_logged_with_its_traceback_and_shown_and_the_window_goes_on(
    qtbot, main_window, books, log_file: Path, monkeypatch, reporter
) -> None:
    main_window.show()
    page = main_window.invoice_manager.pages[Tab.DRAFT]

    def broken_approve(invoice_ids: list[int]) -> None:
        raise ValueError("<b>no</b> approving today")

    monkeypatch.setattr(draft_page, "approve", broken_approve)
    page.model.checks.set_checked([books["INV-0101"]], True)
    with qtbot.captureExceptions() as captured, reporting_uncaught_exceptions(reporter):
        qtbot.mouseClick(page.approve_bar.button, Qt.MouseButton.LeftButton)
        dialog = shown_dialog(qtbot, reporter)

    assert dialog.text() == (
        "Something went wrong: unexpected error (ValueError: <b>no</b> approving today). Invoice Desktop keeps "
        f"running, but what you were doing may not have finished; see the log at {log_file}."
    )
    assert dialog.textFormat() == Qt.TextFormat.PlainText  # the words are shown, never read as markup
    assert dialog.windowModality() == Qt.WindowModality.NonModal
    assert [type(exc) for _, exc, _ in captured] == [ValueError]  # pytest-qt's capture still hears of it
    log = log_file.read_text(encoding="utf-8")
    assert "uncaught exception in thread MainThread" in log
    assert "Traceback (most recent call last)" in log and "in broken_approve" in log

    monkeypatch.undo()  # the window goes on: the same click now approves
    qtbot.mouseClick(page.approve_bar.button, Qt.MouseButton.LeftButton)
    assert get_invoice_detail(books["INV-0101"]).status is InvoiceStatus.AWAITING_PAYMENT


def test_repeated_exceptions_update_one_dialog(qtbot, log_file: Path, reporter) -> None:
    button = QPushButton("fails")
    qtbot.addWidget(button)
    button.clicked.connect(lambda: 1 / 0)
    with qtbot.captureExceptions() as captured, reporting_uncaught_exceptions(reporter):
        button.click()
        first = shown_dialog(qtbot, reporter)
        button.click()
        button.click()
        qtbot.waitUntil(lambda: "(2 more problems" in first.text(), timeout=WAIT_MS)
    assert reporter.dialog is first and len(captured) == 3
    assert [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()] == [first]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # pytest's hook heard it too
def test_an_exception_in_a_worker_thread_is_logged_and_shown_on_the_gui_thread(qtbot, log_file: Path, reporter) -> None:
    class Failing(QThread):
        def run(self) -> None:
            raise RuntimeError("a QThread fell over")

    with qtbot.captureExceptions() as captured, reporting_uncaught_exceptions(reporter):
        python_thread = threading.Thread(target=lambda: 1 / 0, name="payment-poller")
        python_thread.start()
        python_thread.join()
        dialog = shown_dialog(qtbot, reporter)
        assert "ZeroDivisionError" in dialog.text()
        assert dialog.thread() is QApplication.instance().thread()

        qthread = Failing()
        with qtbot.waitSignal(qthread.finished, timeout=WAIT_MS):
            qthread.start()
        qtbot.waitUntil(lambda: "a QThread fell over" in dialog.text(), timeout=WAIT_MS)
    log = log_file.read_text(encoding="utf-8")
    assert "uncaught exception in thread payment-poller" in log and "ZeroDivisionError" in log
    assert "RuntimeError: a QThread fell over" in log
    assert [type(exc) for _, exc, _ in captured] == [RuntimeError]  # sys.excepthook's chain; threads have their own


def test_the_hooks_are_put_back_afterwards() -> None:
    before = sys.excepthook, threading.excepthook
    with reporting_uncaught_exceptions(CrashReporter()):
        assert (sys.excepthook, threading.excepthook) != before
    assert (sys.excepthook, threading.excepthook) == before


# --- a busy company file ----------------------------------------------------------------------------------------


def test_approve_while_another_process_writes_says_nothing_was_approved(
    qtbot, main_window, books, data_dir: Path, gui_thread
) -> None:
    main_window.show()
    page = main_window.invoice_manager.pages[Tab.DRAFT]
    page.model.checks.set_checked([books["INV-0101"], books["INV-0102"]], True)
    with write_lock_held(data_dir / DATABASE_NAME):
        qtbot.mouseClick(page.approve_bar.button, Qt.MouseButton.LeftButton)
    message = page.approve_bar.message
    assert message.isVisible() and message.tone is Tone.PROBLEM
    assert message.text() == f"Nothing was approved: {CompanyFileBusyError.MESSAGE}"
    assert sorted(page.model.checks.ids()) == sorted([books["INV-0101"], books["INV-0102"]])  # still ticked
    assert get_invoice_detail(books["INV-0101"]).status is InvoiceStatus.DRAFT

    qtbot.mouseClick(page.approve_bar.button, Qt.MouseButton.LeftButton)  # the file is free again
    assert message.text() == "2 invoices approved (INV-0101, INV-0102)."


def test_saving_a_draft_while_another_process_writes_shows_why_and_keeps_the_edit(
    qtbot, main_window, books, data_dir: Path, log_file: Path, gui_thread, reporter
) -> None:
    main_window.show()
    editor = main_window.invoice_windows.open_invoice(books["INV-0101"])
    editor.reference_edit.setText("PO-CHANGED")
    with (
        qtbot.captureExceptions() as captured,
        reporting_uncaught_exceptions(reporter),
        write_lock_held(data_dir / DATABASE_NAME),
    ):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        dialog = shown_dialog(qtbot, reporter)
    assert dialog.text() == CompanyFileBusyError.MESSAGE
    assert [type(exc) for _, exc, _ in captured] == [CompanyFileBusyError]
    assert editor.isVisible() and editor.reference_edit.text() == "PO-CHANGED"  # nothing lost
    assert get_invoice_detail(books["INV-0101"]).reference != "PO-CHANGED"

    with qtbot.waitSignal(editor.finished, timeout=WAIT_MS):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert get_invoice_detail(books["INV-0101"]).reference == "PO-CHANGED"


# --- the real window, in a process of its own -------------------------------------------------------------------

_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from invoice_desktop import __main__ as entry
from invoice_desktop.store import faults
from invoice_desktop.ui import app as ui_app

def broken_slot():
    raise KeyError("from a slot of the running window")

def look(tries=[0]):
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    tries[0] += 1
    if not boxes and tries[0] < 1000:  # a bound for a hung test
        QTimer.singleShot(10, look)
        return
    print("DIALOG", boxes[0].text() if boxes else None, flush=True)
    print("PATIENCE", faults.patience() == faults.INTERACTIVE_PATIENCE_S, flush=True)
    QApplication.quit()

make_app = ui_app._application

def application():
    app = make_app()
    QTimer.singleShot(0, broken_slot)
    QTimer.singleShot(0, look)
    return app

ui_app._application = application
sys.exit(entry.main(["--data-dir", sys.argv[1]]))
"""


def test_the_window_reports_an_exception_in_a_slot_and_keeps_running(tmp_path: Path, data_dir: Path) -> None:
    make_company_file(data_dir)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", _WINDOW, str(data_dir)], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    log = data_dir / "logs" / LOG_FILE_NAME
    assert "DIALOG Something went wrong: unexpected error (KeyError: 'from a slot of the running window')" in run.stdout
    assert f"see the log at {log}." in run.stdout
    assert "PATIENCE True" in run.stdout
    text = log.read_text(encoding="utf-8")
    assert "uncaught exception in thread MainThread" in text and "in broken_slot" in text


def test_a_window_without_stderr_shows_why_it_cannot_start(qtbot, capsys, data_dir: Path, monkeypatch) -> None:
    """The windowed app has no stderr: a company file it cannot open is said in a dialog."""
    from invoice_desktop.__main__ import main

    (data_dir / DATABASE_NAME).mkdir()
    monkeypatch.setattr(sys, "stderr", None)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(0, answer)
    assert main(["--data-dir", str(data_dir)]) == 2
    assert len(seen) == 1 and "is a folder, not a company file" in seen[0]


def test_a_background_job_that_finds_the_company_file_busy_says_so(qtbot, db) -> None:
    from invoice_desktop.jobs.failure import FailureKind, JobFailure
    from invoice_desktop.jobs.worker import CallJob

    def busy() -> None:
        raise CompanyFileBusyError()

    job = CallJob(busy)
    with qtbot.waitSignal(job.failed, timeout=WAIT_MS) as failed:
        job.start()
    job.wait()
    [failure] = failed.args
    assert failure == JobFailure(FailureKind.COMPANY_FILE, CompanyFileBusyError.MESSAGE)
    assert not failure.connection_dropped
