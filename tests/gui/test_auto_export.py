"""Automatic export from the window (ui.auto_export), on real widgets against the in-process sandbox and the demo
company file (sandbox_demo): approving exports without another click, the timer's retries and the day limit's
parking, nothing while disabled or dropped, one run at a time with Resync, and closing the window mid-run.

Runs go through the real QueueExportWorker thread and the real export engine; nothing is mocked. The timer's slot
is called directly instead of waiting a minute; nothing here asserts how long anything takes."""

from __future__ import annotations

import threading
import time
import urllib.request
import webbrowser
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from invoice_desktop.jobs.failure import FailureKind, JobFailure
from invoice_desktop.ledger.invoices import draft_ids, get_invoice_detail
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.sandbox import seed
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import ExportState, XeroExport
from invoice_desktop.store.settings import set_setting
from invoice_desktop.ui.auto_export import RunReport, auto_note
from invoice_desktop.ui.draft_page import DraftListPage
from invoice_desktop.ui.xero_exports_failed import WAIT_TIP
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.ui.xero_run_status import EXPORTING, RECONNECT, AutoExportLabel
from invoice_desktop.ui.xero_status import XeroConnection
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.connect import ConnectOptions
from invoice_desktop.xero.export_park import KEY_PARKED_UNTIL, RunStop
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.settings import KEY_ENABLED, KEY_EXPORT_ON_APPROVAL

RUN_TIMEOUT = 60_000


# --- helpers ------------------------------------------------------------------------------------------------------


def draft_page(window) -> DraftListPage:
    page = window.invoice_manager.pages[Tab.DRAFT]
    assert isinstance(page, DraftListPage)
    window.invoice_manager.show_tab(Tab.DRAFT)
    return page


def approve_in_draft_tab(qtbot, window, invoice_ids: list[int]) -> None:
    """Tick the drafts' checkboxes with the mouse and click Approve."""
    page = draft_page(window)
    for invoice_id in invoice_ids:
        row = page.model.row_of(invoice_id)
        assert row is not None
        rect = page.view.visualRect(page.model.index(row, 0))
        qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sorted(page.model.checks.ids()) == sorted(invoice_ids)
    qtbot.mouseClick(page.approve_bar.button, Qt.MouseButton.LeftButton)


def export_row(invoice_id: int) -> XeroExport:
    return XeroExport.get(XeroExport.invoice == invoice_id)


def state_of(invoice_id: int) -> str:
    return export_row(invoice_id).state


def sending_rows() -> list[int]:
    return [r.invoice_id for r in XeroExport.select().where(XeroExport.state == ExportState.SENDING.value)]


def sandbox_numbers(demo) -> Counter[str]:
    org = demo.sandbox.control.organisation()
    with demo.sandbox.state.lock:
        return Counter(i.invoice_number for i in org.invoices.values())


def tile_text(window, tile: Tile) -> str:
    page = window.xero_exports.page
    assert page is not None
    return page.tiles.buttons[tile].text()


def tab_text(window, tab: Tab) -> str:
    tabs = window.invoice_manager.tabs
    return tabs.tabText(tabs.indexOf(window.invoice_manager.pages[tab]))


def approve_while_disabled(window, invoice_ids: list[int]) -> None:
    """Approve with the interface switched off (the invoices stay not_sent), then switch it on again."""
    from invoice_desktop.ledger.invoices import approve_invoices

    set_setting(KEY_ENABLED, False)
    approve_invoices(invoice_ids)
    set_setting(KEY_ENABLED, True)
    window.update_xero_status()


class Hold:
    """Holds the engine's run after its first batch until the run is cancelled or the test lets it go."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go = threading.Event()

    def engine(self, client) -> Exporter:
        exporter = Exporter(client, batch_size=1, in_flight=1)  # one at a time: what is claimed is what is sent
        run = exporter.run

        def held_run(invoice_ids=None, *, progress=None, on_outcome=None, cancel=None) -> ExportSummary:
            def report(done: int, total: int) -> None:
                if progress is not None:
                    progress(done, total)
                if done and not self.reached.is_set():
                    self.reached.set()
                    self._wait(cancel)

            return run(invoice_ids, progress=report, on_outcome=on_outcome, cancel=cancel)

        exporter.run = held_run  # type: ignore[method-assign]
        return exporter

    def _wait(self, cancel: Callable[[], bool] | None) -> None:
        deadline = time.monotonic() + 30  # a safety net against a hung test, not a timing assertion
        while not self.go.is_set() and not (cancel is not None and cancel()) and time.monotonic() < deadline:
            self.go.wait(0.01)


# --- approving exports --------------------------------------------------------------------------------------------


def test_approving_two_drafts_exports_them_without_another_click(qtbot, demo, window):
    auto = window.auto_export
    first, second, third = draft_ids()
    synced_before = int(tile_text(window, Tile.SYNCED).split("(")[1].rstrip(")"))
    assert window.statusBar().findChild(AutoExportLabel) is auto.progress_label

    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        approve_in_draft_tab(qtbot, window, [first, second])
        assert auto.running and auto.progress_label.isVisible()  # started by the approval itself
        assert auto.progress_label.text().startswith(EXPORTING)

    assert state_of(first) == state_of(second) == ExportState.SYNCED.value
    assert get_invoice_detail(third).export is None  # still a draft: not exported
    numbers = [get_invoice_detail(i).number for i in (first, second)]
    assert all(sandbox_numbers(demo)[n] == 1 for n in numbers)
    assert auto.runs_started == 1 and not auto.running and not auto.progress_label.isVisible()
    assert window.statusBar().currentMessage() == "2 invoices exported to Xero"
    assert tile_text(window, Tile.SYNCED) == f"Synced ({synced_before + 2})"
    assert tab_text(window, Tab.DRAFT) == "Draft (1)"
    assert window.xero_status.state is XeroConnection.CONNECTED and "last sync" in window.xero_status.text()
    assert not window.export_gate.busy


def test_save_and_approve_in_the_editor_exports(qtbot, window):
    auto = window.auto_export
    draft = draft_ids()[0]
    editor = window.invoice_windows.open_invoice(draft)
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(editor.approve_button, Qt.MouseButton.LeftButton)
    assert state_of(draft) == ExportState.SYNCED.value
    assert window.statusBar().currentMessage() == "1 invoice exported to Xero"


@pytest.mark.parametrize("switch", [KEY_ENABLED, KEY_EXPORT_ON_APPROVAL])
def test_nothing_runs_while_disabled_or_export_on_approval_is_off(qtbot, window, switch):
    auto = window.auto_export
    set_setting(switch, False)
    window.update_xero_status()
    first, second, _ = draft_ids()
    approve_in_draft_tab(qtbot, window, [first])
    assert state_of(first) == ExportState.NOT_SENT.value

    approve_in_draft_tab(qtbot, window, [second])
    XeroExport.update(state=ExportState.QUEUED.value).where(XeroExport.invoice == second).execute()  # queued by
    auto.tick()  # another process, say: the timer leaves it too
    auto.request_run()
    assert auto.runs_started == 0 and not auto.running
    assert state_of(first) == ExportState.NOT_SENT.value and state_of(second) == ExportState.QUEUED.value


# --- the timer ----------------------------------------------------------------------------------------------------


def test_the_timer_retries_a_failure_whose_retry_is_due_and_leaves_the_others(qtbot, demo, window):
    auto = window.auto_export
    assert auto.timer.isActive()
    due, later = draft_ids()[:2]
    approve_while_disabled(window, [due, later])
    now = utcnow()
    for invoice_id, retry_at in ((due, now - timedelta(minutes=1)), (later, now + timedelta(hours=1))):
        XeroExport.update(
            state=ExportState.FAILED.value, category="xero_unavailable", attempts=5, next_retry_at=retry_at
        ).where(XeroExport.invoice == invoice_id).execute()
    untouched = {r.invoice_id: r.attempts for r in XeroExport.select().where(XeroExport.state == "failed")}

    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        auto.tick()  # what the timer's timeout calls

    assert state_of(due) == ExportState.SYNCED.value
    assert sandbox_numbers(demo)[get_invoice_detail(due).number] == 1
    assert state_of(later) == ExportState.FAILED.value
    for invoice_id, attempts in untouched.items():
        if invoice_id != due:
            assert export_row(invoice_id).attempts == attempts and state_of(invoice_id) == "failed"
    assert window.statusBar().currentMessage() == "1 invoice exported to Xero"

    auto.tick()  # nothing due now: no run
    assert auto.runs_started == 1 and not auto.running


def test_the_day_limit_parks_the_queue_until_it_resets(qtbot, window):
    auto = window.auto_export
    draft = draft_ids()[0]
    set_setting(KEY_PARKED_UNTIL, (utcnow() + timedelta(hours=1)).isoformat())
    approve_in_draft_tab(qtbot, window, [draft])
    auto.tick()
    assert state_of(draft) == ExportState.QUEUED.value and auto.runs_started == 0

    set_setting(KEY_PARKED_UNTIL, (utcnow() - timedelta(seconds=1)).isoformat())  # the limit has reset
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        auto.tick()
    assert state_of(draft) == ExportState.SYNCED.value


# --- a dead connection --------------------------------------------------------------------------------------------


def test_a_dropped_connection_turns_the_status_red_and_stops_auto_runs(qtbot, demo, window):
    auto = window.auto_export
    first, second, _ = draft_ids()
    demo.sandbox.control.revoke_app()
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        approve_in_draft_tab(qtbot, window, [first])
    assert window.xero_status.state is XeroConnection.DROPPED
    assert window.statusBar().currentMessage() == RECONNECT
    assert state_of(first) in (ExportState.FAILED.value, ExportState.QUEUED.value)
    assert auto.runs_started == 1

    approve_in_draft_tab(qtbot, window, [second])
    auto.tick()
    assert auto.runs_started == 1 and not auto.running
    assert state_of(second) == ExportState.QUEUED.value  # waits for the reconnect
    assert not sending_rows()


def test_reconnecting_in_settings_resends_the_connection_failures_at_once(qtbot, demo, window, monkeypatch):
    auto = window.auto_export
    first = draft_ids()[0]
    demo.sandbox.control.revoke_app()
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        approve_in_draft_tab(qtbot, window, [first])
    assert window.xero_status.state is XeroConnection.DROPPED and auto.resume_at is not None

    def browser(url: str, *args: object, **kwargs: object) -> bool:  # the consent page approves by itself
        with urllib.request.urlopen(url, timeout=10) as reply:
            reply.read()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    window.show_xero_settings()
    dialog = window.xero_settings_dialog
    dialog.connect_options = ConnectOptions(tenant=seed.DEMO_ORG_NAME, port=0, timeout=20)
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):  # no waiting for the pause or a timer
        qtbot.mouseClick(dialog.connection.connect_button, Qt.MouseButton.LeftButton)
    assert auto.runs_started == 2
    assert state_of(first) == ExportState.SYNCED.value
    assert window.xero_status.state is XeroConnection.CONNECTED
    dialog.close()


# --- one run at a time --------------------------------------------------------------------------------------------


def test_resync_and_the_automatic_export_take_turns(qtbot, window):
    auto, page = window.auto_export, window.xero_exports.page
    assert page is not None
    first, second, _ = draft_ids()

    # a Resync is running: an approval waits for it, then runs
    resync_hold = Hold()
    page.failed.exporter_factory = resync_hold.engine
    window.invoice_manager.tabs.setCurrentWidget(page)
    failed_id = page.failed_model.loaded_ids()[0]
    page.failed_model.checks.set_checked([failed_id], True)
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(page.failed.resync_bar.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(resync_hold.reached.is_set)
        approve_in_draft_tab(qtbot, window, [first])
        assert not auto.running and auto.runs_started == 0 and state_of(first) == ExportState.QUEUED.value
        with qtbot.waitSignal(auto.run_started, timeout=RUN_TIMEOUT):
            resync_hold.go.set()
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        pass
    assert state_of(first) == ExportState.SYNCED.value

    # an automatic run is going: Resync waits for it (disabled, and says why)
    auto_hold = Hold()
    auto.exporter_factory = auto_hold.engine
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        approve_in_draft_tab(qtbot, window, [second])
        qtbot.waitUntil(auto_hold.reached.is_set)
        window.invoice_manager.tabs.setCurrentWidget(page)
        page.failed_model.checks.set_checked([failed_id], True)
        button = page.failed.resync_bar.button
        assert not button.isEnabled() and button.toolTip() == WAIT_TIP
        page.failed.resync([failed_id])  # even when asked directly
        assert not page.failed.busy
        auto_hold.go.set()
    assert button.isEnabled() and state_of(second) == ExportState.SYNCED.value


# --- closing the window -------------------------------------------------------------------------------------------


def test_closing_the_window_during_a_run_stops_it_between_batches(qtbot, demo, window):
    auto = window.auto_export
    drafts = draft_ids()
    numbers = [get_invoice_detail(i).number for i in drafts]
    hold = Hold()
    auto.exporter_factory = hold.engine  # batches of one, held after the first until the run is cancelled
    workers = []
    auto.run_started.connect(lambda: workers.append(auto.worker))

    approve_in_draft_tab(qtbot, window, drafts)
    qtbot.waitUntil(hold.reached.is_set, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: auto.progress_label.text() == f"{EXPORTING} 1 of 3")  # the status bar follows
    window.close()

    (worker,) = workers
    assert worker.isFinished() and not auto.running and not window.export_gate.busy
    assert not sending_rows()
    states = Counter(state_of(i) for i in drafts)
    assert states == Counter({ExportState.SYNCED.value: 1, ExportState.QUEUED.value: 2})

    summary = Exporter(open_client(window.ctx.paths, window.ctx.endpoints)).run()  # a later run finishes the queue
    assert not sending_rows() and len(summary.synced) == 2
    assert all(state_of(i) == ExportState.SYNCED.value for i in drafts)
    assert all(sandbox_numbers(demo)[n] == 1 for n in numbers)


# --- the words ----------------------------------------------------------------------------------------------------


def outcome(invoice_id: int, state: ExportState) -> ExportOutcome:
    return ExportOutcome(invoice_id, f"INV-{invoice_id}", state)


def test_notes_and_progress_text(qtbot):
    synced, failed = ExportState.SYNCED, ExportState.FAILED
    assert auto_note(ExportSummary(outcomes=[outcome(1, synced)] * 3)) == "3 invoices exported to Xero"
    two_one = ExportSummary(outcomes=[outcome(1, synced), outcome(2, synced), outcome(3, failed)])
    assert auto_note(two_one) == "2 exported, 1 failed: see Xero Exports"
    assert auto_note(ExportSummary()) == ""
    unreachable = FailureCategory.XERO_UNAVAILABLE
    stopped = ExportSummary(stop=RunStop(unreachable, "Xero could not be reached (timeout)"))
    assert auto_note(stopped) == "Export to Xero stopped: Xero could not be reached (timeout)"
    boom = JobFailure(FailureKind.BUG, "Something went wrong (RuntimeError); the details are in the log.")
    assert auto_note(None, boom) == f"Export to Xero failed: {boom.message}"
    dropped = RunStop(FailureCategory.CONNECTION, "Xero no longer accepts the saved sign-in.")
    assert RunReport(True, replace(two_one, stop=dropped)).note() == RECONNECT

    label = AutoExportLabel()
    qtbot.addWidget(label)
    label.start()
    assert label.text() == EXPORTING
    label.set_progress(12, 50)
    assert label.text() == "Exporting to Xero… 12 of 50"


def test_what_is_queued_at_start_up_is_exported(qtbot, demo, app_context, qsettings):
    from invoice_desktop.ledger.invoices import approve_invoices
    from invoice_desktop.ui.main_window import MainWindow

    draft = draft_ids()[0]
    approve_invoices([draft])  # approved while the window was closed (the command line, say): queued
    assert state_of(draft) == ExportState.QUEUED.value
    ctx = replace(app_context, endpoints=demo.sandbox.endpoints)
    main = MainWindow(ctx, settings=qsettings)
    qtbot.addWidget(main)
    try:
        with qtbot.waitSignal(main.auto_export.run_finished, timeout=RUN_TIMEOUT):
            main.show()
        assert state_of(draft) == ExportState.SYNCED.value
    finally:
        main.auto_export.shutdown()
