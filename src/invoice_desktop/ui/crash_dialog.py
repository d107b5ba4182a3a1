"""What the window does with an exception nobody caught, in a slot (PySide hands those to sys.excepthook) or in a
worker thread (sys.excepthook for a QThread's run, threading.excepthook for a Python thread): the traceback goes to
the log, and a short dialog, not modal, says what happened and where the log is. The window keeps running.

A CompanyFileError (the company file busy, the disk full, …) is no bug: the dialog shows its message as it is. Ctrl+C
in the terminal that started the window closes it. The dialog's text is plain text (nothing in it is markup).
Hooks that were there before (pytest-qt's exception capture in the tests) are still called; Python's default ones,
which print the traceback on a stderr the windowed app does not have, are not.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from invoice_desktop.logs import unexpected, where_the_log_is
from invoice_desktop.store.errors import CompanyFileError

log = logging.getLogger(__name__)

TITLE = "Invoice Desktop"


def message_for(exc: BaseException) -> str:
    """The dialog's words for an uncaught exception."""
    if isinstance(exc, CompanyFileError):
        return str(exc)
    return (
        f"Something went wrong: {unexpected(exc)}. Invoice Desktop keeps running, but what you were doing may not "
        f"have finished; {where_the_log_is()}."
    )


class CrashReporter(QObject):
    """Logs an uncaught exception (from any thread) and shows it in one dialog on the GUI thread. Several in a row
    (a paint that fails each time) update the same dialog instead of opening one each."""

    reported = Signal(str)  # the dialog's text; emitted from any thread, shown on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: QMessageBox | None = None
        self.unseen = 0  # reports since the dialog was last opened
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)  # never inside the failing code

    def report(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, where: str) -> None:
        if isinstance(exc, CompanyFileError):
            log.warning("%s: %s", where, exc, exc_info=(exc_type, exc, tb))
        else:
            log.error("uncaught exception in %s", where, exc_info=(exc_type, exc, tb))
        self.reported.emit(message_for(exc))

    @Slot(str)
    def _show(self, text: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.unseen += 1
            text = f"{text}\n\n({self.unseen} more problem{'s' if self.unseen > 1 else ''} since this window opened.)"
        else:
            self.unseen = 0
            self.dialog = self._new_dialog()
        self.dialog.setText(text)
        self.dialog.show()
        self.dialog.raise_()

    def _new_dialog(self) -> QMessageBox:
        if self.dialog is not None:
            self.dialog.deleteLater()
        parent = QApplication.activeWindow()
        box = QMessageBox(QMessageBox.Icon.Warning, TITLE, "", QMessageBox.StandardButton.Ok, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowModality(Qt.WindowModality.NonModal)
        return box


@contextlib.contextmanager
def reporting_uncaught_exceptions(reporter: CrashReporter) -> Iterator[CrashReporter]:
    """sys.excepthook and threading.excepthook report to `reporter` while the block runs; then the previous hooks
    are back."""
    previous, previous_thread = sys.excepthook, threading.excepthook

    def on_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        reporter.report(exc_type, exc, tb, f"thread {threading.current_thread().name}")
        if previous is not sys.__excepthook__:
            previous(exc_type, exc, tb)

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return  # as Python's own hook: a thread that called sys.exit() is no error
        name = args.thread.name if args.thread is not None else "a thread"
        reporter.report(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")
        if previous_thread is not threading.__excepthook__:
            previous_thread(args)

    sys.excepthook, threading.excepthook = on_exception, on_thread_exception
    try:
        yield reporter
    finally:
        if sys.excepthook is on_exception:
            sys.excepthook = previous
        if threading.excepthook is on_thread_exception:
            threading.excepthook = previous_thread


def show_startup_problem(message: str) -> None:
    """Why the window cannot open, in a dialog (modal: the app ends when it is closed)."""
    if QApplication.instance() is None:
        QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Critical, TITLE, message, QMessageBox.StandardButton.Ok)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()
