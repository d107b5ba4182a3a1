"""Options > Record payment: date, amount (the amount due to start with) and reference.

The dialog records the payment itself through ledger.record_payment; what the ledger refuses is shown in the
dialog, which stays open, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import InvoiceDetail, PaymentResult, record_payment
from invoice_desktop.ui.form_fields import date_edit, date_of, parse_decimal
from invoice_desktop.ui.formatting import format_money
from invoice_desktop.ui.message_bar import MessageBar, Tone
from invoice_desktop.ui.plain_text import window_title


class RecordPaymentDialog(QDialog):
    def __init__(
        self, detail: InvoiceDetail, today: Callable[[], date] = date.today, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.invoice_id = detail.id
        self.result_: PaymentResult | None = None
        self.setWindowTitle(window_title(f"Record payment — {detail.number}"))

        self.date_edit = date_edit(today(), "Payment date", self)
        self.amount_edit = QLineEdit(format_money(detail.amount_due).replace(",", ""), self)
        self.amount_edit.setAccessibleName("Payment amount")
        self.amount_edit.selectAll()
        self.reference_edit = QLineEdit(self)
        self.reference_edit.setAccessibleName("Payment reference")
        self.reference_edit.setPlaceholderText("e.g. bank transaction or cheque number")
        self.problems = MessageBar("Payment problems", self)

        form = QFormLayout()
        form.addRow("&Date:", self.date_edit)
        form.addRow(f"&Amount (due {format_money(detail.amount_due)}):", self.amount_edit)
        form.addRow("&Reference:", self.reference_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Record payment")
        self.buttons.accepted.connect(self.record)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.amount_edit.setFocus()

    @Slot()
    def record(self) -> None:
        text = self.amount_edit.text()
        amount = parse_decimal(text)
        if amount is None:
            message = "Amount: enter the amount paid" if not text.strip() else f"Amount: “{text}” is not a number"
            self.problems.show_message(message, Tone.PROBLEM)
            self.amount_edit.setFocus()
            return
        try:
            self.result_ = record_payment(self.invoice_id, date_of(self.date_edit), amount, self.reference_edit.text())
        except LedgerError as exc:
            self.problems.show_message("\n".join(p.describe() for p in exc.problems), Tone.PROBLEM)
            self.amount_edit.setFocus()
            return
        self.accept()
