"""The window decides from the typed values its jobs send (jobs.failure.JobFailure, the engine's RunStop), never by
reading the company file again or parsing words: each test feeds one value while the company file says the opposite,
so a decision made by re-reading it would show. The workers here are the real ones with their work replaced (their
signals, threads and the window's slots are real); the window is the real one on the sandbox demo."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from markup_probe import shown
from PySide6.QtCore import Qt
from xero_python.exceptions import ApiException, RateLimitException

from invoice_desktop.jobs import export_worker
from invoice_desktop.jobs.export_worker import ExportWorker, QueueExportWorker
from invoice_desktop.jobs.failure import OFFLINE, FailureKind, JobFailure, classify
from invoice_desktop.ledger.invoices import approve_invoices, draft_ids
from invoice_desktop.store.errors import CompanyFileBusyError
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.ui import auto_export, xero_exports_failed
from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.xero_exports_failed import DROPPED, NOT_RESYNCED
from invoice_desktop.ui.xero_exports_page import XeroExportsPage
from invoice_desktop.ui.xero_run_status import RECONNECT
from invoice_desktop.ui.xero_status import XeroConnection
from invoice_desktop.xero import tokens
from invoice_desktop.xero.auth import AuthError
from invoice_desktop.xero.client import ConnectionDropped, NotConnected
from invoice_desktop.xero.export_actions import ExportActionError
from invoice_desktop.xero.export_park import RunStop
from invoice_desktop.xero.export_results import ExportSummary
from invoice_desktop.xero.settings import InterfaceState, interface_state, mark_dropped

RUN_TIMEOUT = 60_000
SAID = "Xero refused the connection (401 the sandbox says so)."


def scripted(worker: type[Any], work: Callable[[], Any]) -> type[Any]:
    """The worker class with its work replaced (what it sends and how stays the real worker's)."""

    class Scripted(worker):
        def work(self) -> Any:
            return work()

    return Scripted


def raising(exc: Exception) -> Callable[[], Any]:
    def work() -> Any:
        raise exc

    return work


@pytest.fixture
def page(window) -> XeroExportsPage:
    page = window.xero_exports.page
    assert page is not None
    window.invoice_manager.tabs.setCurrentWidget(page)
    return page


def resync_first(qtbot, page: XeroExportsPage) -> None:
    """Tick the first failed invoice and click Resync; wait until the Resync is over, its after-steps too."""
    page.failed_model.checks.set_checked([page.failed_model.loaded_ids()[0]], True)
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(page.failed.resync_bar.button, Qt.MouseButton.LeftButton)


# --- Resync -------------------------------------------------------------------------------------------------------


def test_a_resync_the_engine_stopped_for_a_dead_connection_says_reconnect_whatever_is_stored(
    qtbot, window, page, monkeypatch
):
    stop = RunStop(FailureCategory.CONNECTION, SAID, FailureCategory.CONNECTION.default_hint)
    monkeypatch.setattr(xero_exports_failed, "ExportWorker", scripted(ExportWorker, lambda: ExportSummary(stop=stop)))

    resync_first(qtbot, page)

    assert interface_state() is InterfaceState.CONNECTED  # the company file says otherwise: nothing re-read it
    box = page.failed.error_box
    assert box is not None and box.isVisible()
    assert (box.text(), box.informativeText()) == (DROPPED, SAID)
    assert window.xero_status.state is XeroConnection.DROPPED
    assert shown(window.xero_status.toolTip()) == SAID


def test_a_resync_that_found_the_company_file_busy_does_not_say_dropped_whatever_is_stored(
    qtbot, window, page, monkeypatch
):
    monkeypatch.setattr(xero_exports_failed, "ExportWorker", scripted(ExportWorker, raising(CompanyFileBusyError())))
    mark_dropped("stored, not what this Resync met")

    resync_first(qtbot, page)

    box = page.failed.error_box
    assert box is not None and box.isVisible()
    assert (box.text(), box.informativeText()) == (NOT_RESYNCED, CompanyFileBusyError.MESSAGE)
    assert page.failed.resync_bar.message.text() == f"{NOT_RESYNCED} ({CompanyFileBusyError.MESSAGE})"


def test_a_resync_xero_answered_503_says_offline_in_the_message_bar_no_box(qtbot, window, page, monkeypatch):
    error = ApiException(status=503, reason="Service Unavailable")
    monkeypatch.setattr(xero_exports_failed, "ExportWorker", scripted(ExportWorker, raising(error)))

    resync_first(qtbot, page)

    assert page.failed.error_box is None  # transient: no modal box
    message = page.failed.resync_bar.message
    assert message.isVisible() and OFFLINE in message.text() and "HTTP 503" not in message.text()
    assert page.failed.retry_timer.isActive() and page.failed.retry_at is not None
    assert f"tries again by itself at {format_datetime(page.failed.retry_at)}" in message.text()
    failure = page.failed.last_failure
    assert failure is not None and failure.category is FailureCategory.XERO_UNAVAILABLE
    assert window.xero_status.state is XeroConnection.CONNECTED


# --- the automatic export -----------------------------------------------------------------------------------------


def run_automatically(qtbot, window) -> None:
    approve_invoices([draft_ids()[0]])  # something queued
    with qtbot.waitSignal(window.auto_export.run_finished, timeout=RUN_TIMEOUT):
        window.auto_export.request_run()


def test_an_automatic_run_the_engine_stopped_for_a_dead_connection_turns_the_status_red_whatever_is_stored(
    qtbot, window, monkeypatch
):
    stop = RunStop(FailureCategory.CONNECTION, SAID, FailureCategory.CONNECTION.default_hint)
    monkeypatch.setattr(auto_export, "QueueExportWorker", scripted(QueueExportWorker, lambda: ExportSummary(stop=stop)))

    run_automatically(qtbot, window)

    assert interface_state() is InterfaceState.CONNECTED
    assert window.xero_status.state is XeroConnection.DROPPED
    assert shown(window.xero_status.toolTip()) == SAID
    assert window.statusBar().currentMessage() == RECONNECT
    report = window.auto_export.last_report
    assert report is not None and report.dropped is not None and report.trouble


def test_an_automatic_run_that_found_the_company_file_busy_says_so_not_reconnect(qtbot, window, monkeypatch):
    def busy_after_the_connection_dropped() -> None:
        mark_dropped("stored meanwhile, not what this run met")  # another process, say
        raise CompanyFileBusyError()

    worker = scripted(QueueExportWorker, busy_after_the_connection_dropped)
    monkeypatch.setattr(auto_export, "QueueExportWorker", worker)

    run_automatically(qtbot, window)

    assert window.statusBar().currentMessage() == f"Export to Xero failed: {CompanyFileBusyError.MESSAGE}"
    report = window.auto_export.last_report
    assert report is not None and report.dropped is None and report.trouble


# --- the status bar and the keyring -------------------------------------------------------------------------------


def test_the_status_bar_never_reads_the_keyring_on_the_gui_thread(qtbot, window, monkeypatch):
    """The sign-in's store (keyring or its file) is opened by the workers alone: a keyring call can block."""
    opened_here: list[str] = []
    made = tokens.TokenStore.__init__

    def watched(self, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            opened_here.append("TokenStore")
        made(self, *args, **kwargs)

    monkeypatch.setattr(tokens.TokenStore, "__init__", watched)
    window.update_xero_status()
    run_automatically(qtbot, window)  # the real export run, on the sandbox

    assert window.auto_export.last_summary is not None and window.auto_export.last_summary.synced
    assert window.xero_status.state is XeroConnection.CONNECTED and "last sync" in window.xero_status.text()
    assert opened_here == []


# --- the payment import after an export ---------------------------------------------------------------------------


def test_a_busy_company_file_in_the_import_after_an_export_is_said_in_its_own_words(qtbot, window, monkeypatch):
    def busy(*_args: Any, **_kwargs: Any) -> Any:
        raise CompanyFileBusyError()

    monkeypatch.setattr(export_worker, "import_changes", busy)

    run_automatically(qtbot, window)  # the real export, then the import (on by default)

    report = window.auto_export.last_report
    assert report is not None and report.summary is not None and report.summary.synced  # the export stands
    assert report.import_failure == JobFailure(FailureKind.COMPANY_FILE, CompanyFileBusyError.MESSAGE)
    note = window.statusBar().currentMessage()
    assert note == f"1 invoice exported to Xero; Payment import from Xero failed: {CompanyFileBusyError.MESSAGE}"
    assert "something went wrong" not in note.lower()


# --- what classify makes of an exception --------------------------------------------------------------------------


def test_a_dead_connection_is_classified_as_dropped_with_its_hint():
    failure = classify(ConnectionDropped(SAID), "ExportWorker")
    assert (failure.kind, failure.category, failure.message) == (FailureKind.XERO, FailureCategory.CONNECTION, SAID)
    assert failure.connection_dropped and failure.hint == FailureCategory.CONNECTION.default_hint
    unauthorised = classify(ApiException(status=401, reason="Unauthorized"), "RefreshWorker")
    assert unauthorised.connection_dropped and unauthorised.message == "HTTP 401 Unauthorized"


def test_no_connection_and_an_unfinished_sign_in_are_not_a_dropped_connection():
    missing = classify(NotConnected("Xero is not connected."), "ExportWorker")
    assert (missing.kind, missing.message, missing.connection_dropped) == (
        FailureKind.NOT_CONNECTED,
        "Xero is not connected.",
        False,
    )
    sign_in = classify(AuthError("The sign-in was refused."), "ConnectWorker")
    assert (sign_in.kind, sign_in.connection_dropped) == (FailureKind.SIGN_IN, False)


def test_the_day_limit_says_when_to_try_again():
    headers = {"X-Rate-Limit-Problem": "day", "Retry-After": "3600"}
    reply = SimpleNamespace(status=429, reason="Too Many Requests", data=b"", text="", getheaders=lambda: headers)
    limit = RateLimitException(http_resp=reply)  # as the SDK raises it
    before = utcnow()
    failure = classify(limit, "RefreshWorker")
    assert failure.category is FailureCategory.RATE_LIMITED and not failure.connection_dropped
    assert failure.retry_at is not None and before + timedelta(hours=1) <= failure.retry_at


def test_refusals_company_file_errors_and_bugs(caplog):
    refused = classify(ExportActionError("Xero has no sales invoice numbered X-1"), "CallJob", (ExportActionError,))
    assert refused == JobFailure(FailureKind.REFUSED, "Xero has no sales invoice numbered X-1")
    assert classify(CompanyFileBusyError(), "CallJob").kind is FailureKind.COMPANY_FILE
    with caplog.at_level(logging.ERROR):
        bug = classify(RuntimeError("a bug"), "CallJob")
    assert bug == JobFailure(FailureKind.BUG, "Something went wrong (RuntimeError); the details are in the log.")
    # logged with its traceback (the log file's RedactSecrets, when an earlier test left one, swaps it for exc_text)
    assert any(record.exc_info or record.exc_text for record in caplog.records)


def test_a_stop_of_the_engine_becomes_the_same_value():
    until = utcnow() + timedelta(hours=2)
    stop = RunStop(FailureCategory.RATE_LIMITED, "Xero's daily API limit is used up.", "Wait.", until)
    failure = JobFailure.from_stop(stop)
    assert (failure.kind, failure.category, failure.message, failure.hint, failure.retry_at) == (
        FailureKind.XERO,
        FailureCategory.RATE_LIMITED,
        stop.message,
        "Wait.",
        until,
    )
    assert failure.text() == "Xero's daily API limit is used up. Wait."
