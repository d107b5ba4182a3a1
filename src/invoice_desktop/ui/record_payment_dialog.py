"""Options > Record payment: date, amount (the amount due to start with) and reference.

The dialog records the payment itself through ledger.record_payment; what the ledger refuses is shown in the
dialog, which stays open, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLineEdit, QWidget

from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import InvoiceDetail, PaymentResult, record_payment
from invoice_desktop.ui.form_dialog import FormDialog
from invoice_desktop.ui.form_fields import date_edit, date_of, parse_decimal
from invoice_desktop.ui.formatting import format_money

REFERENCE_PLACEHOLDER = "e.g. bank transaction or cheque number"


class RecordPaymentDialog(FormDialog):
    def __init__(
        self, detail: InvoiceDetail, today: Callable[[], date] = date.today, parent: QWidget | None = None
    ) -> None:
        super().__init__(f"Record payment — {detail.number}", "&Record payment", "Payment problems", parent)
        self.invoice_id = detail.id
        self.result_: PaymentResult | None = None

        self.date_edit = date_edit(today(), "Payment date", self)
        self.amount_edit = QLineEdit(format_money(detail.amount_due).replace(",", ""), self)
        self.amount_edit.setAccessibleName("Payment amount")
        self.amount_edit.selectAll()
        self.reference_edit = QLineEdit(self)
        self.reference_edit.setAccessibleName("Payment reference")
        self.reference_edit.setPlaceholderText(REFERENCE_PLACEHOLDER)
        # wide enough for the whole placeholder (the form made it narrower than its text)
        margins = 4 * self.reference_edit.fontMetrics().averageCharWidth()
        self.reference_edit.setMinimumWidth(
            self.reference_edit.fontMetrics().horizontalAdvance(REFERENCE_PLACEHOLDER) + margins
        )

        self.form.addRow("&Date:", self.date_edit)
        self.form.addRow(f"&Amount (due {format_money(detail.amount_due)}):", self.amount_edit)
        self.form.addRow("&Reference:", self.reference_edit)
        self.amount_edit.setFocus()

    @Slot()
    def submit(self) -> None:
        """OK: record the payment."""
        text = self.amount_edit.text()
        amount = parse_decimal(text)
        if amount is None:
            message = "Amount: enter the amount paid" if not text.strip() else f"Amount: “{text}” is not a number"
            self.show_problem(message, self.amount_edit)
            return
        try:
            self.result_ = record_payment(self.invoice_id, date_of(self.date_edit), amount, self.reference_edit.text())
        except LedgerError as exc:
            self.show_refusal(exc, self.amount_edit)
            return
        self.accept()
