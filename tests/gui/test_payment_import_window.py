"""Payments and changes back from Xero in the window (ui.auto_export, issue 7), on real widgets against the
in-process sandbox and the demo company file (sandbox_demo). The sandbox's control acts as the bookkeeper who
records payments and voids invoices in Xero; its request log (SandboxApp.requests) shows what reached "Xero".

Runs go through the real worker threads, the real SDK and the real payment import; nothing is mocked. Timer slots
are called directly instead of waiting five minutes; nothing here asserts how long anything takes."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from invoice_desktop.jobs.failure import FailureKind, JobFailure
from invoice_desktop.ledger.invoices import draft_ids, get_invoice_detail
from invoice_desktop.ledger.queries import InvoiceRow, Tab, list_invoices
from invoice_desktop.sandbox.app import LoggedRequest
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, XeroExport
from invoice_desktop.store.settings import set_setting
from invoice_desktop.ui.auto_export import RunReport
from invoice_desktop.ui.invoice_information import InvoiceInformation
from invoice_desktop.ui.models.invoice_table_model import INVOICE_COLUMNS
from invoice_desktop.ui.payment_refresh import import_note
from invoice_desktop.ui.xero_run_status import CHECKING, RECONNECT
from invoice_desktop.ui.xero_status import XeroConnection
from invoice_desktop.xero.export_park import RunStop
from invoice_desktop.xero.export_results import ExportSummary
from invoice_desktop.xero.payment_import import ImportSummary, load_mark
from invoice_desktop.xero.payment_import_apply import AppliedChange
from invoice_desktop.xero.settings import KEY_IMPORT_PAYMENTS

RUN_TIMEOUT = 60_000
XERO_COLUMN = [c.title for c in INVOICE_COLUMNS].index("Xero")
AMOUNT_DUE_COLUMN = [c.title for c in INVOICE_COLUMNS].index("Amount Due")


# --- helpers ------------------------------------------------------------------------------------------------------


def import_requests(demo) -> list[LoggedRequest]:
    """The payment import's requests: GET /Invoices with If-Modified-Since (the exporter never sends one)."""
    log = demo.sandbox.requests
    return [r for r in log.entries("GET", "/Invoices") if r.if_modified_since]


def clear_requests(demo) -> None:
    demo.sandbox.requests.clear()


def synced_awaiting(count: int) -> list[InvoiceRow]:
    """Invoices awaiting payment (not overdue) that are in Xero, unpaid."""
    rows = [
        r
        for r in list_invoices(Tab.AWAITING_PAYMENT)
        if r.xero_state == ExportState.SYNCED.value and r.amount_paid == 0 and not r.xero_flag
    ]
    assert len(rows) >= count, "the demo company file has fewer synced invoices awaiting payment than the test needs"
    return rows[:count]


def tab_text(window, tab: Tab) -> str:
    tabs = window.invoice_manager.tabs
    return tabs.tabText(tabs.indexOf(window.invoice_manager.pages[tab]))


def count_of(window, tab: Tab) -> int:
    return int(tab_text(window, tab).split("(")[1].rstrip(")").replace(",", ""))


def cell(window, tab: Tab, invoice_id: int, column: int) -> str | None:
    """The cell's text in the tab's table as shown (None when the invoice is not listed there)."""
    window.invoice_manager.show_tab(tab)
    model = window.invoice_manager.pages[tab].model
    row = model.row_of(invoice_id)
    return None if row is None else model.data(model.index(row, column))


def approve(window, draft: int) -> None:
    """Tick the draft in the Draft tab and press Approve (which starts an automatic export run)."""
    page = window.invoice_manager.pages[Tab.DRAFT]
    window.invoice_manager.show_tab(Tab.DRAFT)
    page.model.checks.set_checked([draft], True)
    page.approve_bar.button.click()


def saw_429(demo) -> bool:
    return any(r.status == 429 for r in demo.sandbox.requests.entries("GET", "/Invoices"))


def press_f5(qtbot, window) -> None:
    assert window.refresh_action.shortcuts()[0] == QKeySequence("F5")
    qtbot.keyClick(window, Qt.Key.Key_F5)


# --- F5 and the timer ---------------------------------------------------------------------------------------------


def test_f5_imports_a_full_payment_and_the_invoice_moves_to_paid(qtbot, demo, window):
    auto = window.auto_export
    (row,) = synced_awaiting(1)
    info = window.invoice_windows.open_invoice(row.id)
    assert isinstance(info, InvoiceInformation) and not info.payments.isVisible()
    awaiting, paid = count_of(window, Tab.AWAITING_PAYMENT), count_of(window, Tab.PAID)
    demo.sandbox.control.record_payment(row.number, reference="Bank transfer")
    clear_requests(demo)
    shown: list[str] = []
    auto.run_started.connect(lambda: shown.append(auto.progress_label.text()))

    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        press_f5(qtbot, window)
        assert auto.running  # started by F5, in the background

    assert shown == [CHECKING] and not auto.progress_label.isVisible()
    assert window.statusBar().currentMessage() == f"1 payment imported from Xero; {row.number} is now paid"
    assert get_invoice_detail(row.id).status.value == "paid"
    assert (count_of(window, Tab.AWAITING_PAYMENT), count_of(window, Tab.PAID)) == (awaiting - 1, paid + 1)
    assert cell(window, Tab.AWAITING_PAYMENT, row.id, 0) is None
    assert cell(window, Tab.PAID, row.id, 0) == row.number
    assert info.status_label.text().startswith("Paid")  # the open Invoice Information follows
    assert info.payments_model.rowCount() == 1 and info.totals["Amount due"].text().startswith("0.00")
    assert len(import_requests(demo)) == 1 and not window.export_gate.busy
    assert window.xero_status.state is XeroConnection.CONNECTED

    mark = load_mark()
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        auto.import_tick()  # what the import timer's timeout calls: nothing new in Xero
    assert auto.last_import is not None and auto.last_import.invoices_changed == 0
    second = import_requests(demo)[-1]
    assert len(import_requests(demo)) == 2 and second.if_modified_since  # only what changed since the mark
    assert load_mark() == mark and get_invoice_detail(row.id).status.value == "paid"


def test_the_import_timer_shows_a_partial_payment_as_the_amount_due(qtbot, demo, window):
    auto = window.auto_export
    assert auto.import_timer.isActive()
    (row,) = synced_awaiting(1)
    demo.sandbox.control.record_payment(row.number, "40.00")

    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        auto.import_tick()

    due = row.total - Decimal("40.00")
    detail = get_invoice_detail(row.id)
    assert (detail.status.value, detail.amount_paid, detail.amount_due) == ("awaiting_payment", Decimal("40.00"), due)
    assert cell(window, Tab.AWAITING_PAYMENT, row.id, AMOUNT_DUE_COLUMN) == f"{due:,.2f}"
    assert window.statusBar().currentMessage() == "1 payment imported from Xero"


def test_an_invoice_voided_in_xero_is_flagged_in_the_xero_column(qtbot, demo, window):
    auto = window.auto_export
    (row,) = synced_awaiting(1)
    awaiting = count_of(window, Tab.AWAITING_PAYMENT)
    demo.sandbox.control.void_invoice(row.number)

    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        press_f5(qtbot, window)

    assert window.statusBar().currentMessage() == f"1 invoice voided in Xero: {row.number}"
    assert cell(window, Tab.AWAITING_PAYMENT, row.id, XERO_COLUMN) == "Synced: voided in Xero"
    assert get_invoice_detail(row.id).status.value == "awaiting_payment"  # flagged, never silently changed
    assert count_of(window, Tab.AWAITING_PAYMENT) == awaiting


def test_an_export_run_imports_after_it_in_the_same_run(qtbot, demo, window):
    auto = window.auto_export
    (row,) = synced_awaiting(1)
    demo.sandbox.control.record_payment(row.number)
    draft = draft_ids()[0]

    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        approve(window, draft)

    assert auto.runs_started == 1 and auto.last_import is not None and auto.last_summary is not None
    assert XeroExport.get(XeroExport.invoice == draft).state == ExportState.SYNCED.value
    assert get_invoice_detail(row.id).status.value == "paid"
    expected = f"1 invoice exported to Xero; 1 payment imported from Xero; {row.number} is now paid"
    assert window.statusBar().currentMessage() == expected


# --- when not to ask ----------------------------------------------------------------------------------------------


def test_with_import_off_nothing_is_asked(qtbot, demo, window):
    auto = window.auto_export
    (row,) = synced_awaiting(1)
    demo.sandbox.control.record_payment(row.number)
    set_setting(KEY_IMPORT_PAYMENTS, False)
    clear_requests(demo)

    press_f5(qtbot, window)
    auto.import_tick()
    assert auto.runs_started == 0 and not auto.running

    draft = draft_ids()[0]  # an export run does not import either
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        approve(window, draft)
    assert auto.last_import is None and window.statusBar().currentMessage() == "1 invoice exported to Xero"
    assert import_requests(demo) == []
    assert get_invoice_detail(row.id).status.value == "awaiting_payment"


def test_a_dead_connection_turns_the_status_red(qtbot, demo, window):
    auto = window.auto_export
    demo.sandbox.control.revoke_app()
    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        press_f5(qtbot, window)
    assert window.xero_status.state is XeroConnection.DROPPED
    assert window.statusBar().currentMessage() == RECONNECT

    auto.request_import()  # no more runs until reconnected
    assert auto.runs_started == 1 and not auto.running


# --- one run at a time, and closing -------------------------------------------------------------------------------


def test_f5_while_another_run_holds_the_gate_imports_when_it_is_free(qtbot, demo, window):
    auto = window.auto_export
    (row,) = synced_awaiting(1)
    demo.sandbox.control.record_payment(row.number)
    resync = object()  # a Resync of the Xero Exports tab, say
    assert window.export_gate.try_acquire(resync)

    press_f5(qtbot, window)
    auto.import_tick()
    assert auto.runs_started == 0 and not auto.running and import_requests(demo) == []

    with qtbot.waitSignal(auto.run_finished, timeout=RUN_TIMEOUT):
        window.export_gate.release(resync)  # the import asked for meanwhile runs now, once
    assert auto.runs_started == 1 and get_invoice_detail(row.id).status.value == "paid"
    assert len(import_requests(demo)) == 1


def test_closing_the_window_mid_run_leaves_no_thread_running(qtbot, demo, window):
    auto = window.auto_export
    (row,) = synced_awaiting(1)
    demo.sandbox.control.record_payment(row.number)
    demo.sandbox.control.exhaust_limit("minute")  # Xero answers 429 Retry-After: the import waits
    workers = []
    auto.run_started.connect(lambda: workers.append(auto.worker))
    with qtbot.waitSignal(auto.run_started, timeout=RUN_TIMEOUT):
        press_f5(qtbot, window)
    qtbot.waitUntil(lambda: saw_429(demo), timeout=RUN_TIMEOUT)
    assert auto.running

    window.close()

    (worker,) = workers
    assert worker.isFinished() and not auto.running and not window.export_gate.busy
    assert not auto.progress_label.isVisible()
    assert get_invoice_detail(row.id).status.value == "awaiting_payment"  # nothing applied, nothing skipped:
    assert load_mark() is None  # the next import reads it all again


# --- the words ----------------------------------------------------------------------------------------------------


def test_notes(qtbot):
    def change(number: str, added: int = 0, flag: str = "") -> AppliedChange:
        return AppliedChange(1, number, True, added, 0, flag)

    two = ImportSummary(payments_imported=2, invoices_changed=2, changes=[change("INV-1", 1), change("INV-2", 1)])
    assert import_note(two, ["INV-2"]) == "2 payments imported from Xero; INV-2 is now paid"
    many = ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]
    assert import_note(two, many).endswith("INV-1, INV-2, INV-3 and 2 more are now paid")
    voided = ImportSummary(invoices_changed=1, flagged=["INV-9"], changes=[change("INV-9", flag="voided in Xero")])
    assert import_note(voided) == "1 invoice voided in Xero: INV-9"
    assert import_note(ImportSummary(invoices_changed=3)) == "3 invoices changed in Xero"
    assert import_note(ImportSummary()) == import_note(None) == ""
    down = RunStop(FailureCategory.XERO_UNAVAILABLE, "503 Service Unavailable")
    stopped = "Payment import stopped: Xero could not be reached: 503 Service Unavailable"
    assert import_note(ImportSummary(stop=down)) == stopped
    busy = JobFailure(FailureKind.COMPANY_FILE, "The company file is busy; try again.")
    assert RunReport(False, failure=busy).note() == f"Payment import from Xero failed: {busy.message}"
    assert RunReport(True, failure=busy).note() == f"Export to Xero failed: {busy.message}"
    after_export = RunReport(True, ExportSummary(), import_failure=busy)
    assert after_export.note() == f"Payment import from Xero failed: {busy.message}"
    assert after_export.trouble
    dropped = RunStop(FailureCategory.CONNECTION, "Xero no longer accepts the saved sign-in.")
    assert RunReport(False, imported=ImportSummary(invoices_changed=1, stop=dropped)).note() == RECONNECT
