"""Credit notes in the window (docs/product.md §2.4, §2.5), on real widgets against the in-process sandbox and the
demo company file: Options > Credit note… makes one for part of an invoice, the Credit Notes tab counts and lists
it, the window's automatic export sends and allocates it; a credit note whose allocation Xero refuses is in the
Failed tile with Type "Credit note", its tooltip says why, and Resync allocates it once the cause is fixed; Void
credit note on one in Xero voids it there, then here (its invoice due again), and one allocated there is refused in
Xero's words.

Runs go through the real worker threads, the real SDK and the real engine; nothing is mocked, and nothing here
asserts how long anything takes."""

from __future__ import annotations

from decimal import Decimal

from markup_probe import shown
from PySide6.QtCore import Qt

from invoice_desktop.ledger.credit_notes import list_credit_notes
from invoice_desktop.ledger.invoices import XERO_HAS_PAYMENTS, get_invoice_detail
from invoice_desktop.ledger.queries import InvoiceRow, Tab, list_invoices
from invoice_desktop.sandbox import payments as sandbox_payments
from invoice_desktop.sandbox import seed
from invoice_desktop.store.models import AllocationState, ExportState, XeroCreditNoteExport
from invoice_desktop.store.settings import set_setting
from invoice_desktop.ui.credit_note_dialog import CreditNoteDialog
from invoice_desktop.ui.invoice_information import InvoiceInformation
from invoice_desktop.ui.models.xero_failed_model import STATUS_COLUMN, SYNC_FAILED, error_lines
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.xero.export_actions import credit_note_key
from invoice_desktop.xero.settings import KEY_IMPORT_PAYMENTS

RUN_TIMEOUT = 60_000  # an upper bound for a hung test, not a timing assertion


def synced_unpaid() -> InvoiceRow:
    rows = [
        r
        for r in list_invoices(Tab.AWAITING_PAYMENT)
        if r.xero_state == ExportState.SYNCED.value and r.amount_paid == 0 and not r.xero_flag
    ]
    assert rows, "the demo company file has no synced invoice awaiting payment"
    return rows[0]


def credit_in_window(qtbot, window, invoice_id: int, amount: str, reason: str) -> InvoiceInformation:
    """Options > Credit note…: line 1 lowered to `amount`, the other lines left out, a reason, OK."""
    info = window.invoice_windows.open_invoice(invoice_id)
    assert isinstance(info, InvoiceInformation)
    assert info.credit_note_action.isEnabled(), info.credit_note_action.toolTip()
    dialog = info.open_credit_note()
    assert isinstance(dialog, CreditNoteDialog)
    for tick in dialog.ticks[1:]:
        tick.setChecked(False)
    dialog.amounts[0].setText(amount)
    dialog.reason_edit.setText(reason)
    assert "Credit note total:" in dialog.total_label.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return info


def state() -> tuple[ExportState, AllocationState] | None:
    row = XeroCreditNoteExport.get_or_none()
    return None if row is None else (ExportState(row.state), AllocationState(row.allocation_state))


def xero_credit_notes(demo) -> list:
    org = demo.sandbox.control.organisation(seed.DEMO_TENANT_ID)
    with demo.sandbox.state.lock:
        return list(org.credit_notes.values())


def test_a_credit_note_made_in_invoice_information_is_listed_counted_sent_and_allocated(qtbot, demo, window) -> None:
    manager = window.invoice_manager
    tabs = manager.tabs
    assert tabs.tabText(tabs.indexOf(manager.credit_notes)) == "Credit Notes (0)"
    row = synced_unpaid()
    due_before = row.amount_due

    info = credit_in_window(qtbot, window, row.id, "10.00", "Goodwill discount")

    assert "Credit note CN-0001" in info.message.text()
    assert info.credit_notes.isVisible() and info.credit_notes_model.rowCount() == 1
    qtbot.waitUntil(lambda: state() == (ExportState.SYNCED, AllocationState.DONE), timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: not window.auto_export.running, timeout=RUN_TIMEOUT)
    detail = get_invoice_detail(row.id)
    [held] = xero_credit_notes(demo)
    org = demo.sandbox.control.organisation(seed.DEMO_TENANT_ID)
    with demo.sandbox.state.lock:
        [invoice] = [i for i in org.invoices.values() if i.invoice_number == row.number]
        assert invoice.amount_due == detail.amount_due == due_before - held.total  # to the cent, both sides

    manager.refresh()
    assert tabs.tabText(tabs.indexOf(manager.credit_notes)) == "Credit Notes (1)"
    assert tabs.tabText(tabs.indexOf(manager.pages[Tab.AWAITING_PAYMENT])).startswith("Awaiting Payment")
    manager.show_credit_notes()
    model = manager.credit_notes.model
    assert model.rowCount() == 1
    texts = [model.index(0, c).data() for c in range(model.columnCount())]
    assert texts[0] == "CN-0001" and texts[1] == row.number and "Goodwill discount" in texts
    assert texts[-1] == "Allocated in Xero" and texts[-2] == "Allocated"
    with qtbot.waitSignal(manager.invoice_activated) as opened:
        manager.credit_notes.view.invoice_activated.emit(list_credit_notes()[0].id)
    assert opened.args == [row.id]  # opening a credit note opens its invoice


def test_a_refused_allocation_is_in_the_failed_tile_and_resync_allocates_it(qtbot, demo, window) -> None:
    set_setting(KEY_IMPORT_PAYMENTS, False)  # the payment recorded in Xero below stays unknown here
    row = synced_unpaid()
    paid = demo.sandbox.control.record_payment(row.number, row.amount_due - Decimal("5.00"), reference="in Xero")
    credit_in_window(qtbot, window, row.id, "10.00", "Returned")  # 11.00 with tax: more than Xero has due
    qtbot.waitUntil(lambda: state() == (ExportState.FAILED, AllocationState.FAILED), timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: not window.auto_export.running, timeout=RUN_TIMEOUT)
    assert len(xero_credit_notes(demo)) == 1

    page = window.xero_exports.page
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.show_tile(Tile.FAILED)
    page.refresh()
    failed = page.failed_model
    key = credit_note_key(list_credit_notes()[0].id)
    record = failed.record_of(key)
    assert record is not None and record.number == "CN-0001" and record.kind == "credit_note"
    type_column = [c.title for c in failed.columns].index("Type")
    assert failed.index(failed.row_of(key), type_column).data() == "Credit note"
    status = failed.index(failed.row_of(key), STATUS_COLUMN)
    assert status.data() == SYNC_FAILED
    tip = shown(status.data(Qt.ItemDataRole.ToolTipRole))
    assert record.messages and all(line in tip for line in error_lines(record))
    assert "refused to allocate it" in record.hint

    org = demo.sandbox.control.organisation(seed.DEMO_TENANT_ID)
    with demo.sandbox.state.lock:  # the cause fixed in Xero: the payment there deleted, as a bookkeeper would
        sandbox_payments.delete_payment(org, org.payments[paid.payment_id], 0.0)
    view = page.failed.view
    box = view.visualRect(failed.index(failed.row_of(key), 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    assert failed.checks.ids() == [key]
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        page.failed.resync_bar.button.click()
    assert state() == (ExportState.SYNCED, AllocationState.DONE)
    [held] = xero_credit_notes(demo)
    assert len(held.allocations) == 1
    qtbot.waitUntil(lambda: key not in failed.loaded_ids())


def void_in_window(qtbot, info: InvoiceInformation) -> None:
    """Void credit note on the first credit note listed: it is in Xero, so voided there first on a worker thread."""
    info.credit_notes.setCurrentIndex(info.credit_notes_model.index(0, 0))
    button = info.void_credit_note_button
    assert button.isEnabled() and "in Xero, then here" in button.toolTip(), button.toolTip()
    with qtbot.waitSignal(info.invoice_changed, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_void_credit_note_on_one_in_xero_voids_it_there_then_here(qtbot, demo, window) -> None:
    set_setting(KEY_IMPORT_PAYMENTS, False)  # the payment recorded in Xero below stays unknown here
    row = synced_unpaid()
    demo.sandbox.control.record_payment(row.number, row.amount_due - Decimal("5.00"), reference="in Xero")
    info = credit_in_window(qtbot, window, row.id, "10.00", "Returned")  # Xero refuses its allocation: not allocated
    qtbot.waitUntil(lambda: state() == (ExportState.FAILED, AllocationState.FAILED), timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: not window.auto_export.running, timeout=RUN_TIMEOUT)
    info.reload()
    assert get_invoice_detail(row.id).amount_due == row.amount_due - Decimal("11.00")

    void_in_window(qtbot, info)

    assert info.message.text() == "CN-0001 is void, in Xero and here."
    [held] = xero_credit_notes(demo)
    assert held.status == "VOIDED"
    assert list_credit_notes()[0].status_text == "Void" and not info.void_credit_note_button.isEnabled()
    assert get_invoice_detail(row.id).amount_due == row.amount_due  # due again by its 11.00 here
    assert state() == (ExportState.SYNCED, AllocationState.NOT_NEEDED)  # off the Failed tile, never allocated


def test_void_credit_note_on_one_allocated_in_xero_is_refused_in_xeros_words(qtbot, demo, window) -> None:
    row = synced_unpaid()
    info = credit_in_window(qtbot, window, row.id, "10.00", "Goodwill discount")
    qtbot.waitUntil(lambda: state() == (ExportState.SYNCED, AllocationState.DONE), timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: not window.auto_export.running, timeout=RUN_TIMEOUT)
    info.reload()

    void_in_window(qtbot, info)

    text = info.message.text()
    assert text.startswith(f"CN-0001 was not voided (Xero refused): {XERO_HAS_PAYMENTS}")
    assert f"Remove its allocation to {row.number} in Xero first" in text
    [held] = xero_credit_notes(demo)
    assert held.status != "VOIDED" and list_credit_notes()[0].status_text == "Allocated"
    assert get_invoice_detail(row.id).amount_due == row.amount_due - Decimal("11.00")
