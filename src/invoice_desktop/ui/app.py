"""Starting the window: the QApplication, the main window, and the --sandbox demo."""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.worker import running_jobs
from invoice_desktop.paths import resource_path
from invoice_desktop.store.faults import mark_interactive_thread
from invoice_desktop.ui.colour_scheme import follow_colour_scheme
from invoice_desktop.ui.crash_dialog import CrashReporter, reporting_uncaught_exceptions

log = logging.getLogger(__name__)


def _application() -> QApplication:
    from invoice_desktop import APP_ID, APP_NAME

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # the window's (a bare QCoreApplication cannot show one)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    # The SVG is drawn by Qt's svg icon engine plugin, which the bundle carries too (build.spec).
    app.setWindowIcon(QIcon(str(resource_path("icons/app.svg"))))
    follow_colour_scheme(app)
    return app


def settle_garbage_collector() -> None:
    """Once the window is up: move everything alive now (modules, Qt wrappers, the window, the first page's rows)
    into the collector's permanent generation, so later full collections only walk what was made since.

    Why: a full collection holds the GIL for as long as it walks every object (40-60 ms with a big company file
    open), and stops every thread, the GUI thread with it. During a Resync the export worker (and the --sandbox
    demo's server) make a lot of short-lived objects, which set off full collections; each was a visible stall of
    the window (issue 6: at most 50 ms). What start-up leaves alive lives as long as the window does anyway."""
    gc.collect()
    gc.freeze()


# Seconds a thread may run Python before another thread waiting for the GIL gets it (CPython's default: 0.005).
SWITCH_INTERVAL = 0.001


def share_the_gil_briskly() -> None:
    """At start-up: hand the GIL between threads every SWITCH_INTERVAL instead of every 5 ms.

    Why: the GUI thread needs the GIL for every call from Qt into Python (a table's paint makes hundreds, the model's
    data and the item delegates), and while a worker thread runs Python (the export engine during a Resync, the
    --sandbox demo's server) each time it asks for the GIL back it waits out the other thread's whole interval.
    A 10 ms paint of the Failed table took 44 ms (median; 60 at worst) next to one thread busy in Python and 92
    (184) next to two; at 1 ms, 19 (26) and 40 (57) (issue 6: no stall over 50 ms during a 5,000-invoice Resync).
    The workers lose a little to the extra switches, not seen next to their waits for Xero and the database."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def run_window(ctx: AppContext) -> int:
    """The window until it is closed. Its GUI thread waits only briefly for a busy company file (store.faults), and
    an exception no code caught, in a slot or a worker thread, is logged and shown (ui.crash_dialog)."""
    from invoice_desktop.ui.main_window import MainWindow

    share_the_gil_briskly()
    app = _application()
    mark_interactive_thread()
    with reporting_uncaught_exceptions(CrashReporter(app)):
        window = MainWindow(replace(ctx, engine_in_child=True))
        window.show()
        QTimer.singleShot(0, settle_garbage_collector)  # once the first page is shown
        with _quit_on_terminate(app):
            return leave(app.exec())


def leave(code: int) -> int:
    """The window has closed with `code`. A job still running then (quitting waited for it a bounded time and let it
    go on: ui.main_window) must not be destroyed while its thread runs, which aborts the process, at the
    interpreter's exit: the process ends at once with `code` instead, once every caller's cleanup has run (the
    company file closed, the --sandbox demo's Xero stopped), unless the job has ended by then."""
    still = [type(job).__name__ for job in running_jobs() if job.isRunning()]
    if still:
        log.warning("the window closed with %s still running; the process will not wait for it", ", ".join(still))
        atexit.register(_exit_now, code)
    return code


def _exit_now(code: int) -> None:
    still = [type(job).__name__ for job in running_jobs() if job.isRunning()]
    if not still:
        return
    log.warning("exiting with %s still running", ", ".join(still))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@contextlib.contextmanager
def _quit_on_terminate(app: QApplication) -> Iterator[None]:
    """SIGTERM (a logout, a service manager, `kill`) closes the window the normal way: settings saved, threads
    stopped, the company file closed. Python only runs signal handlers between bytecodes, so a timer wakes it."""
    previous = signal.signal(signal.SIGTERM, lambda *_: app.quit())
    waker = QTimer()
    waker.timeout.connect(lambda: None)
    waker.start(250)
    try:
        yield
    finally:
        waker.stop()
        signal.signal(signal.SIGTERM, previous)
