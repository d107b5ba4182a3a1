"""Options > Credit note…: a credit note for all or part of the invoice. Each line of the invoice, ticked, with
the amount credited (its whole line amount to start with: lower it, or untick the line to leave it out), a reason
and a date; the credit note's total (tax worked out as Xero works it out) against what is still due.

The dialog makes the credit note itself through ledger.create_credit_note; what the ledger refuses (more than is
due, an amount above the line's) is shown in the dialog, which stays open, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QWidget

from invoice_desktop.ledger.credit_notes import (
    CreditLineDraft,
    CreditNoteDraft,
    CreditNoteResult,
    create_credit_note,
    credit_note_totals,
)
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import InvoiceDetail
from invoice_desktop.ui.form_dialog import FormDialog
from invoice_desktop.ui.form_fields import date_edit, date_of, parse_decimal
from invoice_desktop.ui.formatting import format_money


class CreditNoteDialog(FormDialog):
    def __init__(
        self, detail: InvoiceDetail, today: Callable[[], date] = date.today, parent: QWidget | None = None
    ) -> None:
        super().__init__(f"Credit note — {detail.number}", "&Make credit note", "Credit note problems", parent)
        self.detail = detail
        self.result_: CreditNoteResult | None = None

        self.date_edit = date_edit(max(today(), detail.date), "Credit note date", self)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setPlaceholderText("e.g. goods returned, price agreed after the invoice")
        self.form.addRow("&Date:", self.date_edit)
        self.form.addRow("&Reason:", self.reason_edit)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        for column, caption in enumerate(("Line", "On the invoice", "Credit")):
            grid.addWidget(QLabel(f"<small>{caption}</small>", self), 0, column)
        self.ticks: list[QCheckBox] = []
        self.amounts: list[QLineEdit] = []
        for row, line in enumerate(detail.lines, start=1):
            tick = QCheckBox(line.description.splitlines()[0] if line.description else f"Line {line.position}", self)
            tick.setChecked(True)
            tick.setAccessibleName(f"Credit line {line.position}")
            amount = QLineEdit(format_money(line.line_amount).replace(",", ""), self)
            amount.setAccessibleName(f"Amount credited on line {line.position}")
            amount.setAlignment(Qt.AlignmentFlag.AlignRight)
            on_invoice = QLabel(format_money(line.line_amount), self)
            on_invoice.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            tick.toggled.connect(amount.setEnabled)
            tick.toggled.connect(self.update_total)
            amount.textChanged.connect(self.update_total)
            grid.addWidget(tick, row, 0)
            grid.addWidget(on_invoice, row, 1)
            grid.addWidget(amount, row, 2)
            self.ticks.append(tick)
            self.amounts.append(amount)
        grid.setColumnStretch(0, 1)
        self.total_label = QLabel(self)
        self.total_label.setAccessibleName("Credit note total")
        self.main_layout.insertLayout(1, grid)
        self.main_layout.insertWidget(2, self.total_label)
        self.resize(560, self.sizeHint().height())
        self.update_total()
        self.reason_edit.setFocus()

    def lines(self) -> list[CreditLineDraft] | tuple[str, QLineEdit]:
        """The lines ticked and their amounts, or what is wrong with an amount typed (and its field)."""
        drafts: list[CreditLineDraft] = []
        for line, tick, edit in zip(self.detail.lines, self.ticks, self.amounts, strict=True):
            if not tick.isChecked():
                continue
            amount = parse_decimal(edit.text())
            if amount is None:
                return f"Line {line.position}: “{edit.text()}” is not an amount", edit
            drafts.append(CreditLineDraft(line.position, amount))
        return drafts

    @Slot()
    def update_total(self) -> None:
        lines = self.lines()
        due = format_money(self.detail.amount_due)
        if isinstance(lines, tuple):
            self.total_label.setText(f"{lines[0]} (due on {self.detail.number}: {due})")
            return
        totals = credit_note_totals(self.detail.id, lines)
        self.total_label.setText(
            f"Credit note total: {format_money(totals.total)} (tax {format_money(totals.total_tax)}), "
            f"of {due} still due on {self.detail.number}"
        )

    @Slot()
    def submit(self) -> None:
        """OK: make the credit note."""
        lines = self.lines()
        if isinstance(lines, tuple):
            self.show_problem(*lines)
            return
        try:
            draft = CreditNoteDraft(self.detail.id, date_of(self.date_edit), self.reason_edit.text(), lines)
            self.result_ = create_credit_note(draft)
        except LedgerError as exc:
            self.show_refusal(exc, self.amounts[0] if self.amounts else self.reason_edit)
            return
        self.accept()
