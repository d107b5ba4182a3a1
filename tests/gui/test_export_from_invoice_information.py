"""Options > Export to Xero on Invoice Information, done by the real export engine against the in-process sandbox
(the seed's single-invoice flow): the cause is fixed in Xero, the invoice is exported, the message says so."""

from __future__ import annotations

from invoice_desktop.ledger.invoices import get_invoice_detail, invoice_ids_by_number
from invoice_desktop.sandbox import seed
from invoice_desktop.store.models import ExportState
from invoice_desktop.xero.export_actions import list_failed


def failed_number(category: str) -> str:
    return next(row.number for row in list_failed() if row.category == category)


def test_export_to_xero_after_fixing_the_cause(qtbot, demo, window):
    number = failed_number("archived_contact")
    invoice_id = invoice_ids_by_number([number])[number]
    info = window.invoice_windows.open_invoice(invoice_id)
    assert info.export_action.isEnabled()

    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.export_action.trigger()
    assert info.message.text() == f"{number} exported to Xero."
    export = get_invoice_detail(invoice_id).export
    assert export is not None and export.state is ExportState.SYNCED
    assert number not in [row.number for row in list_failed()]


def test_export_to_xero_that_still_fails_says_why(qtbot, window):
    number = failed_number("duplicate_number")
    info = window.invoice_windows.open_invoice(invoice_ids_by_number([number])[number])
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.export_action.trigger()
    assert info.message.text().startswith(f"{number} was not exported — Invoice number already exists in Xero")


def test_dont_send_and_mark_as_in_xero(qtbot, window):
    keep_out = failed_number("lock_date")
    info = window.invoice_windows.open_invoice(invoice_ids_by_number([keep_out])[keep_out])
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.dont_send_action.trigger()
    assert info.message.text() == f"{keep_out} will not be sent to Xero."

    number = failed_number("account_mapping")
    info = window.invoice_windows.open_invoice(invoice_ids_by_number([number])[number])
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.mark_in_xero("")
    assert info.message.text() == f"{number} is marked as already in Xero; it will not be sent."
    assert get_invoice_detail(invoice_ids_by_number([number])[number]).export.state is ExportState.SKIPPED
