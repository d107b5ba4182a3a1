"""Options > Void on an invoice that is in Xero, in the real window on the sandbox demo: the real export engine
voids it in Xero on a worker thread, then here; one Xero has a payment on is refused with Xero's own words and
stays as it was (docs/product.md §2.4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication, QMessageBox

from invoice_desktop.ledger.invoices import XERO_HAS_PAYMENTS, get_invoice_detail
from invoice_desktop.store.models import AttemptOutcome, InvoiceStatus
from invoice_desktop.ui.xero_panel import OUTCOME_WORDS
from invoice_desktop.xero.export_actions import list_failed, list_synced


def unpaid_synced() -> list[int]:
    found = []
    for row in list_synced():
        detail = get_invoice_detail(row.invoice_id)
        if detail.status is InvoiceStatus.AWAITING_PAYMENT and not detail.amount_paid:
            found.append(row.invoice_id)
    return found


def confirm(qtbot, button_text: str) -> None:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert "in Xero and here" in box.text()
    next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()


def xero_status(demo, number: str) -> str:
    org = demo.sandbox.control.organisation()
    with demo.sandbox.state.lock:
        return next(i.status for i in org.invoices.values() if i.invoice_number == number)


def test_void_of_a_synced_invoice_voids_it_in_xero_then_here(qtbot, demo, window):
    invoice_id = unpaid_synced()[0]
    info = window.invoice_windows.open_invoice(invoice_id)
    number = info.detail.number
    assert info.void_action.isEnabled() and "in Xero, then here" in info.void_action.toolTip()

    info.void_action.trigger()
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        confirm(qtbot, "Void invoice")

    assert info.message.text() == f"{number} is void, in Xero and here."
    assert info.status_label.text() == "Void" and not info.void_action.isEnabled()
    assert xero_status(demo, number) == "VOIDED"
    history = info.xero_panel.history_model
    assert history.index(0, 1).data() == OUTCOME_WORDS[AttemptOutcome.VOIDED]


def test_void_refused_by_xero_for_a_payment_there_changes_nothing(qtbot, demo, window):
    invoice_id = unpaid_synced()[0]
    info = window.invoice_windows.open_invoice(invoice_id)
    number = info.detail.number
    demo.sandbox.control.record_payment(number, Decimal("1.00"), date.today())  # in Xero, not imported yet

    info.void_action.trigger()
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        confirm(qtbot, "Void invoice")

    assert info.message.text().startswith(f"{number} was not voided (Xero refused): {XERO_HAS_PAYMENTS}")
    assert get_invoice_detail(invoice_id).status is InvoiceStatus.AWAITING_PAYMENT
    assert xero_status(demo, number) == "AUTHORISED"
    assert info.xero_panel.history_model.index(0, 1).data() == OUTCOME_WORDS[AttemptOutcome.VOID_FAILED]


def test_open_in_xero_on_invoice_information_opens_the_invoice_there(qtbot, demo, window):
    invoice_id = unpaid_synced()[0]
    info = window.invoice_windows.open_invoice(invoice_id)
    assert info.open_in_xero_action.isEnabled()
    opened: list[QUrl] = []
    info.open_url = lambda url: opened.append(url) or True
    info.open_in_xero_action.trigger()
    xero_id = get_invoice_detail(invoice_id).export.xero_invoice_id
    assert len(opened) == 1 and xero_id in opened[0].toString()

    not_sent = next(r.invoice_id for r in list_failed())
    info = window.invoice_windows.open_invoice(not_sent)
    assert not info.open_in_xero_action.isEnabled()
