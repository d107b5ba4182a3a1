"""Invoice Information: one approved (or paid, or void) invoice in full, and the Options menu.

Header, lines, totals, payments, the Xero panel (state, the whole error, the history) and Options: Export to
Xero, Mark as already in Xero, Don't send to Xero, Open in Xero (an invoice in Xero: its page there, in the
browser), through the `XeroActions` the export engine provides (off with a tooltip when there is none); Renumber
(a small dialog; for an invoice Xero refused as a duplicate number, only while it has not reached Xero, else off
with a tooltip saying why), Void (after a confirmation) and Record payment (a small dialog), through the ledger
services. After any action the window re-reads the invoice and emits `invoice_changed`, so the Invoice Manager
can re-read its lists and counts. Drafts open in the editor instead.

With "Send payments recorded here to Xero" on, a payment recorded here is sent to Xero (one recorded before the
invoice is there waits for it, and says so); with it off, on an invoice in Xero, Record payment says to record it
in Xero, from where the payment import brings it back, and opens no form (ledger.payment_refusal); a payment
entered here earlier on such an invoice is listed as not in Xero. Void on an invoice in Xero voids it there first
(through the XeroActions, on a worker thread), here once Xero confirms; so does Void credit note on a credit
note in Xero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from invoice_desktop.jobs.failure import JobFailure
from invoice_desktop.jobs.worker import CallJob, start_kept_alive
from invoice_desktop.ledger.credit_notes import (
    CreditNoteRow,
    credit_note_refusal,
    credit_note_void_refusal,
    credit_note_void_xero_id,
    list_credit_notes,
    void_credit_note,
)
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.export_history import invoice_history
from invoice_desktop.ledger.invoices import (
    InvoiceDetail,
    LineDetail,
    PaymentDetail,
    get_invoice_detail,
    next_number,
    payment_refusal,
    renumber_invoice,
    renumber_refusal,
    void_invoice,
    void_refusal,
    void_xero_id,
)
from invoice_desktop.store.models import AmountsType, CreditNoteStatus, ExportState, InvoiceStatus
from invoice_desktop.ui.confirm import ask_destructive
from invoice_desktop.ui.credit_note_dialog import CreditNoteDialog
from invoice_desktop.ui.form_dialog import FormDialog
from invoice_desktop.ui.formatting import account_text, format_date, format_money, format_quantity
from invoice_desktop.ui.message_bar import RESULT_MS, MessageBar, Tone
from invoice_desktop.ui.models.columns import RIGHT, Column
from invoice_desktop.ui.models.credit_note_table_model import CREDIT_NOTE_COLUMNS
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.ui.payment_refresh import imports_automatically
from invoice_desktop.ui.plain_text import literal_ampersands, tooltip, window_title
from invoice_desktop.ui.record_payment_dialog import RecordPaymentDialog
from invoice_desktop.ui.record_table import fit_height, record_table
from invoice_desktop.ui.status_colours import StatusColour, status_colour
from invoice_desktop.ui.tick_action_bar import plural
from invoice_desktop.ui.xero_actions import NOT_SET_UP_TIP, XeroActionResult, XeroActions
from invoice_desktop.ui.xero_panel import XeroPanel
from invoice_desktop.xero.export_actions import ExportActionError

STATUS_WORDS = {
    InvoiceStatus.DRAFT: "Draft",
    InvoiceStatus.AWAITING_PAYMENT: "Awaiting payment",
    InvoiceStatus.PAID: "Paid",
    InvoiceStatus.VOID: "Void",
}
AMOUNTS_WORDS = {
    AmountsType.EXCLUSIVE: "Tax exclusive",
    AmountsType.INCLUSIVE: "Tax inclusive",
    AmountsType.NO_TAX: "No tax",
}

LINE_COLUMNS: tuple[Column[LineDetail], ...] = (
    Column("Description", lambda ln: ln.description, tooltip=lambda ln: ln.description),
    Column("Qty", lambda ln: format_quantity(ln.quantity), RIGHT),
    Column("Unit price", lambda ln: format_money(ln.unit_amount), RIGHT),
    Column("Account", lambda ln: account_text(ln.account_code, ln.account_name)),
    Column("Tax rate", lambda ln: ln.tax_rate_name),
    Column("Tax", lambda ln: format_money(ln.tax_amount), RIGHT),
    Column("Amount", lambda ln: format_money(ln.line_amount), RIGHT),
)
NOT_IN_XERO = "Entered here — not in Xero"
NOT_IN_XERO_TIP = "Recorded in this app only, on an invoice that is in Xero: Xero does not have this payment"
IMPORT_OFF = (
    " The payment import is not running now: it runs while the Xero interface is connected and enabled, with "
    "“Import payments recorded in Xero” on (Business > Settings > Xero)."
)


@dataclass(frozen=True)
class PaymentRow:
    """A payment as listed: `not_in_xero` when it was entered here and the invoice is in Xero."""

    payment: PaymentDetail
    not_in_xero: bool
    waits_for_invoice: bool = False  # queued for Xero, the invoice not there yet


def payment_rows(detail: InvoiceDetail) -> tuple[PaymentRow, ...]:
    in_xero = bool(payment_refusal(detail.id))
    invoice_there = detail.export is not None and detail.export.state is ExportState.SYNCED
    return tuple(
        PaymentRow(p, in_xero and p.source != "xero", p.xero_state is ExportState.QUEUED and not invoice_there)
        for p in detail.payments
    )


SENT_WORDS = {
    ExportState.SYNCED: "Entered here — sent to Xero",
    ExportState.FAILED: "Entered here — sending to Xero failed (see Xero Exports)",
    ExportState.SKIPPED: "Entered here — stays here (the invoice does not go to Xero)",
}
WAITS_WORDS = "Entered here — sent to Xero once the invoice is there"


def _payment_source(row: PaymentRow) -> str:
    if row.payment.source == "xero":
        return "Xero"
    if row.not_in_xero:
        return NOT_IN_XERO
    state = row.payment.xero_state
    if state is None:
        return "Entered here"
    if row.waits_for_invoice:
        return WAITS_WORDS
    return SENT_WORDS.get(state, "Entered here — to be sent to Xero")


PAYMENT_COLUMNS: tuple[Column[PaymentRow], ...] = (
    Column("Date", lambda r: format_date(r.payment.date)),
    Column("Amount", lambda r: format_money(r.payment.amount), RIGHT),
    Column("Reference", lambda r: r.payment.reference),
    Column("Source", _payment_source, tooltip=lambda r: NOT_IN_XERO_TIP if r.not_in_xero else ""),
)


def status_text(detail: InvoiceDetail, today: date) -> str:
    words = STATUS_WORDS[detail.status]
    if detail.is_overdue(today):
        days: int = (today - detail.due_date).days
        words += f" · Overdue by {days} day" + ("" if days == 1 else "s")
    return words


def _payments_caption(payments: tuple[PaymentRow, ...]) -> str:
    if not payments:
        return "Payments: none recorded"
    unsent = sum(p.not_in_xero for p in payments)
    if not unsent:
        return "Payments"
    verb, them = ("is", "it") if unsent == 1 else ("are", "them")
    return f"Payments — {plural(unsent, 'payment')} entered here {verb} not in Xero (Xero does not have {them})"


def _label(text: str, parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setAccessibleName(name)
    return label


class InvoiceInformation(QDialog):
    invoice_changed = Signal(int)  # this invoice changed (voided, paid, exported...): lists and counts re-read

    def __init__(
        self,
        invoice_id: int,
        xero_actions: XeroActions | None = None,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.invoice_id = invoice_id
        self.xero_actions = xero_actions
        self._today = today
        self.detail: InvoiceDetail | None = None
        self._busy: CallJob | None = None
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl  # tests look instead of opening a browser
        self.setWindowTitle("Invoice Information")
        self.setSizeGripEnabled(True)
        self.resize(880, 700)

        self._build()
        self.reload()

    # --- building ---

    def _build(self) -> None:
        self.title = _label("", self, "Invoice number")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.status_label = _label("", self, "Invoice status")
        bold = QFont(self.status_label.font())
        bold.setBold(True)
        self.status_label.setFont(bold)

        self.options_button = QPushButton("&Options", self)
        self.options_button.setAccessibleName("Options")
        self.options_menu = QMenu(self.options_button)
        self.options_menu.setToolTipsVisible(True)
        self.export_action = self._menu_action("&Export to Xero", self.export_now)
        self.mark_action = self._menu_action("&Mark as already in Xero…", self.ask_mark_in_xero)
        self.dont_send_action = self._menu_action("&Don't send to Xero", self.dont_send)
        self.open_in_xero_action = self._menu_action("Open &in Xero", self.open_in_xero)
        self.options_menu.addSeparator()
        self.renumber_action = self._menu_action("&Renumber…", self.open_renumber)
        self.payment_action = self._menu_action("Record &payment…", self.open_record_payment)
        self.credit_note_action = self._menu_action("&Credit note…", self.open_credit_note)
        self.void_action = self._menu_action("&Void…", self.ask_void)
        self.options_button.setMenu(self.options_menu)

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.status_label)
        top.addLayout(titles)
        top.addStretch(1)
        top.addWidget(self.options_button, 0, Qt.AlignmentFlag.AlignTop)

        self.client_label = _label("", self, "Client")
        self.date_label = _label("", self, "Date")
        self.due_label = _label("", self, "Due date")
        self.reference_label = _label("", self, "Reference")
        self.amounts_label = _label("", self, "Amounts are")
        header = QGridLayout()
        header.setHorizontalSpacing(18)
        for i, (caption, label) in enumerate(
            (
                ("Client", self.client_label),
                ("Date", self.date_label),
                ("Due", self.due_label),
                ("Reference", self.reference_label),
                ("Amounts are", self.amounts_label),
            )
        ):
            header.addWidget(QLabel(f"<small>{caption}</small>", self), 0, i)
            header.addWidget(label, 1, i)
        header.setColumnStretch(0, 2)

        self.lines_model = ColumnsModel(LINE_COLUMNS, self)
        self.lines = record_table(self.lines_model, "Invoice lines", stretch=0, parent=self)

        names = ("Subtotal", "Tax", "Total", "Paid", "Credited", "Amount due")
        self.totals = {name: _label("", self, name) for name in names}
        totals_form = self.totals_form = QFormLayout()
        totals_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for name, label in self.totals.items():
            label.setAlignment(Qt.AlignmentFlag.AlignRight)
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance("000,000,000.00"))
            totals_form.addRow(f"{name}:", label)
        for name in ("Total", "Amount due"):
            self.totals[name].setFont(bold)
        totals_row = QHBoxLayout()
        totals_row.addStretch(1)
        totals_row.addLayout(totals_form)

        self.payments_caption = _label("Payments", self, "Payments")
        self.payments_model = ColumnsModel(PAYMENT_COLUMNS, self)
        self.payments = record_table(self.payments_model, "Payments", stretch=2, parent=self)

        self.credit_notes_caption = _label("Credit notes", self, "Credit notes")
        self.credit_notes_model = ColumnsModel(CREDIT_NOTE_COLUMNS, self, id_of=attrgetter("id"))
        self.credit_notes = record_table(self.credit_notes_model, "Credit notes", stretch=4, parent=self)
        for column in (1, 2):  # this invoice's number and client: said above
            self.credit_notes.setColumnHidden(column, True)
        self.void_credit_note_button = QPushButton("Void credit note", self)
        self.void_credit_note_button.setAccessibleName("Void credit note")
        self.void_credit_note_button.clicked.connect(self.void_credit_note)
        self.credit_notes.selectionModel().currentRowChanged.connect(self._update_credit_note_void)

        self.xero_panel = XeroPanel(self)
        self.message = MessageBar("Result", self, lifetime_ms=RESULT_MS)

        content = QWidget(self)
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(header)
        body.addWidget(self.lines)
        body.addLayout(totals_row)
        body.addWidget(self.payments_caption)
        body.addWidget(self.payments)
        body.addWidget(self.credit_notes_caption)
        body.addWidget(self.credit_notes)
        body.addWidget(self.void_credit_note_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addWidget(self.xero_panel)
        body.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.buttons.rejected.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _menu_action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = self.options_menu.addAction(text)
        action.triggered.connect(slot)
        return action

    # --- showing the invoice ---

    @Slot()
    def reload(self) -> None:
        detail = self.detail = get_invoice_detail(self.invoice_id)
        today = self._today()
        self.setWindowTitle(window_title(f"Invoice Information — {detail.number}"))
        self.title.setText(f"Invoice {detail.number}")
        self.status_label.setText(status_text(detail, today))
        palette = self.palette()
        if detail.is_overdue(today):
            palette.setColor(QPalette.ColorRole.WindowText, status_colour(StatusColour.ERROR, palette))
        elif detail.status is InvoiceStatus.PAID:
            palette.setColor(QPalette.ColorRole.WindowText, status_colour(StatusColour.OK, palette))
        self.status_label.setPalette(palette)

        self.client_label.setText(detail.client.name)
        self.date_label.setText(format_date(detail.date))
        self.due_label.setText(format_date(detail.due_date))
        self.reference_label.setText(detail.reference or "—")
        self.amounts_label.setText(AMOUNTS_WORDS[detail.amounts_type])

        self.lines_model.set_records(detail.lines)
        fit_height(self.lines, max_rows=10)
        currency = f" {detail.currency}" if detail.currency else ""
        # the invoice's amount paid counts its credit notes too (ledger.credit_notes): shown apart
        credited = sum(
            (n.total for n in list_credit_notes(detail.id) if n.status is not CreditNoteStatus.VOID), Decimal("0.00")
        )
        self.totals_form.setRowVisible(self.totals["Credited"], bool(credited))
        for name, value in (
            ("Subtotal", detail.subtotal),
            ("Tax", detail.total_tax),
            ("Total", detail.total),
            ("Paid", detail.amount_paid - credited),
            ("Credited", credited),
            ("Amount due", detail.amount_due),
        ):
            self.totals[name].setText(format_money(value) + (currency if name in ("Total", "Amount due") else ""))

        payments = payment_rows(detail)
        self.payments_model.set_records(payments)
        self.payments.setVisible(bool(payments))
        self.payments_caption.setText(_payments_caption(payments))
        caption_palette = self.palette()
        if any(p.not_in_xero for p in payments):
            caption_palette.setColor(QPalette.ColorRole.WindowText, status_colour(StatusColour.ERROR, caption_palette))
        self.payments_caption.setPalette(caption_palette)
        fit_height(self.payments, max_rows=5)

        self.xero_panel.show_export(detail.export, invoice_history(self.invoice_id))
        notes = list_credit_notes(self.invoice_id)
        self.credit_notes_model.set_records(notes)
        for widget in (self.credit_notes_caption, self.credit_notes, self.void_credit_note_button):
            widget.setVisible(bool(notes))
        fit_height(self.credit_notes, max_rows=5)
        self._update_actions()

    def _update_actions(self) -> None:
        detail = self.detail
        assert detail is not None
        busy = self._busy is not None
        approved = detail.status in (InvoiceStatus.AWAITING_PAYMENT, InvoiceStatus.PAID)
        state = detail.export.state if detail.export else None

        def xero_reason(allowed: tuple[ExportState, ...]) -> str:
            if self.xero_actions is None:
                return NOT_SET_UP_TIP
            if not approved:
                return f"{detail.number} is {STATUS_WORDS[detail.status].lower()}: nothing goes to Xero"
            if state not in allowed:
                return f"Not available: this invoice is {self.xero_panel.state_label.text().lower()}"
            return ""

        unsent = (ExportState.NOT_SENT, ExportState.QUEUED, ExportState.FAILED)
        self._enable(self.export_action, xero_reason((*unsent, ExportState.SKIPPED)), "Export this invoice to Xero now")
        self._enable(
            self.mark_action,
            xero_reason((*unsent, ExportState.SKIPPED)),
            "It is in Xero already: never send it, and link the Xero invoice if you give its number",
        )
        self._enable(self.dont_send_action, xero_reason(unsent), "Keep this invoice out of Xero")
        self._enable(
            self.renumber_action,
            renumber_refusal(self.invoice_id),
            "Give this invoice a new number (it is not in Xero)",
        )

        awaiting = detail.status is InvoiceStatus.AWAITING_PAYMENT
        not_awaiting = f"{detail.number} is {STATUS_WORDS[detail.status].lower()}"
        # on an invoice in Xero it stays on, to say where the payment goes (see open_record_payment)
        payment_tip = self._payment_in_xero() or "Record a payment received"
        self._enable(self.payment_action, "" if awaiting else not_awaiting, payment_tip)
        xero_id = void_xero_id(self.invoice_id)
        in_xero = bool(xero_id)
        open_reason = "" if in_xero else "It is not in Xero (or not linked to its Xero invoice)"
        if in_xero and self.xero_actions is None:
            open_reason = NOT_SET_UP_TIP
        self._enable(self.open_in_xero_action, open_reason, "Open this invoice in Xero, in the browser")
        void_reason = void_refusal(self.invoice_id)
        if not void_reason and in_xero and self.xero_actions is None:
            void_reason = f"{detail.number} is in Xero: set up the Xero interface to void it there (and here)"
        void_tip = "Void this invoice in Xero, then here"
        if not in_xero:
            void_tip = "Void this invoice; it will not be sent to Xero"
        self._enable(self.void_action, void_reason, void_tip)
        self._enable(
            self.credit_note_action,
            credit_note_refusal(self.invoice_id),
            "Credit all or part of this invoice (sent to Xero and allocated to it there when the invoice goes there)",
        )
        self.options_button.setEnabled(not busy)
        self._update_credit_note_void()

    @staticmethod
    def _enable(action: QAction, reason: str, tip: str) -> None:
        action.setEnabled(not reason)
        action.setToolTip(tooltip(reason or tip))

    def _changed(self, text: str, tone: Tone) -> None:
        self.reload()
        self.message.show_message(text, tone)
        self.invoice_changed.emit(self.invoice_id)

    # --- Void ---

    @Slot()
    def ask_void(self) -> QMessageBox:
        number = self.detail.number if self.detail else ""
        if void_xero_id(self.invoice_id):
            question = (
                f"Void {number} in Xero and here?\n\nXero is asked to void it first; it becomes void here once "
                "Xero confirms. A void invoice stays in the company file but is no longer owed. This cannot be undone."
            )
        else:
            question = (
                f"Void {number}?\n\nA void invoice stays in the company file but is no longer owed, and it will not "
                "be sent to Xero. This cannot be undone."
            )
        return ask_destructive(self, "Void invoice", question, "&Void invoice", self.void)

    @Slot()
    def void(self) -> None:
        invoice_id = self.invoice_id
        self._void(
            self._number(),
            in_xero=bool(void_xero_id(invoice_id)),
            there=lambda actions: actions.void(invoice_id),
            here=lambda: void_invoice(invoice_id),
            done=f"{self.detail.number if self.detail else 'The invoice'} is void.",
        )

    def _void(
        self, number: str, *, in_xero: bool, there: Callable[[XeroActions], Any], here: Callable[[], None], done: str
    ) -> None:
        """Void a document: one in Xero there first, on a worker thread (the run's end says how it went); one not in
        Xero here, at once."""
        if in_xero:
            if self.xero_actions is not None:
                actions = self.xero_actions
                self._run(f"Voiding {number} in Xero…", lambda: there(actions))
            return
        try:
            here()
        except LedgerError as exc:
            self.message.show_message("Not voided — " + "; ".join(p.message for p in exc.problems), Tone.PROBLEM)
            return
        self._changed(done, Tone.SUCCESS)

    # --- Record payment ---

    @Slot()
    def open_record_payment(self) -> RecordPaymentDialog | None:
        """The payment form; for an invoice in Xero, where to record the payment instead (no form)."""
        assert self.detail is not None
        in_xero = self._payment_in_xero()
        if in_xero:
            self.message.show_message(in_xero, Tone.INFO)
            return None
        dialog = RecordPaymentDialog(self.detail, self._today, self)
        dialog.accepted.connect(lambda: self._payment_recorded(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _payment_in_xero(self) -> str:
        """Why a payment on this invoice belongs in Xero (and how it comes back), or "" when it is entered here."""
        reason = payment_refusal(self.invoice_id)
        return reason + IMPORT_OFF if reason and not imports_automatically() else reason

    def _payment_recorded(self, dialog: RecordPaymentDialog) -> None:
        result = dialog.result_
        if result is None:
            return
        number = self.detail.number if self.detail else ""
        text = f"Payment recorded on {number}; "
        if result.status is InvoiceStatus.PAID:
            text += "it is now paid."
        else:
            text += f"{format_money(result.amount_due)} still due."
        if result.waits_for_invoice:
            text += f" It is sent to Xero once {number} is there (it stays here if {number} never goes to Xero)."
        elif result.queued_for_xero:
            text += " It is sent to Xero with the next sync."
        self._changed(text, Tone.SUCCESS)

    # --- Credit note ---

    def _selected_credit_note(self) -> CreditNoteRow | None:
        index = self.credit_notes.currentIndex()
        return self.credit_notes_model.record_at(index.row()) if index.isValid() else None

    @Slot()
    def _update_credit_note_void(self) -> None:
        note = self._selected_credit_note()
        reason = "Choose a credit note in the list" if note is None else credit_note_void_refusal(note.id)
        in_xero = note is not None and bool(credit_note_void_xero_id(note.id))
        if not reason and in_xero and self.xero_actions is None:
            reason = f"{note.number if note else ''} is in Xero: set up the Xero interface to void it there (and here)"
        tip = "Void it: it is not in Xero, and never goes there"
        if in_xero:
            tip = "Void it in Xero, then here: its invoice is due again by its total"
        self.void_credit_note_button.setEnabled(not reason and self._busy is None)
        self.void_credit_note_button.setToolTip(tooltip(reason or tip))

    @Slot()
    def void_credit_note(self) -> None:
        note = self._selected_credit_note()
        if note is None:
            return
        credit_note_id = note.id
        self._void(
            note.number,
            in_xero=bool(credit_note_void_xero_id(credit_note_id)),
            there=lambda actions: actions.void_credit_note(credit_note_id),
            here=lambda: void_credit_note(credit_note_id),
            done=f"Credit note {note.number} is void; {self.detail.number if self.detail else ''} is due again by "
            f"{format_money(note.total)}.",
        )

    @Slot()
    def open_credit_note(self) -> CreditNoteDialog:
        assert self.detail is not None
        dialog = CreditNoteDialog(self.detail, self._today, self)
        dialog.accepted.connect(lambda: self._credit_note_made(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _credit_note_made(self, dialog: CreditNoteDialog) -> None:
        result = dialog.result_
        if result is None:
            return
        text = f"Credit note {result.number} for {format_money(result.total)} made; "
        text += (
            f"{format_money(result.invoice_amount_due)} still due." if result.invoice_amount_due else "nothing is due."
        )
        if result.queued_for_xero:
            text += " It is sent to Xero and allocated to the invoice there with the next sync."
        self._changed(text, Tone.SUCCESS)

    # --- Renumber ---

    @Slot()
    def open_renumber(self) -> RenumberDialog:
        assert self.detail is not None
        dialog = RenumberDialog(self.detail, self)
        dialog.accepted.connect(lambda: self._renumbered(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _renumbered(self, dialog: RenumberDialog) -> None:
        if dialog.new_number is None:
            return
        text = f"{dialog.old_number} is now {dialog.new_number}."
        export = self.detail.export if self.detail is not None else None
        if export is not None and export.state is ExportState.FAILED:
            text += " Resync it (or Options > Export to Xero) to send it to Xero with its new number."
        self._changed(text, Tone.SUCCESS)

    # --- Xero ---

    @Slot()
    def export_now(self) -> None:
        if self.xero_actions is not None:
            actions, invoice_id = self.xero_actions, self.invoice_id
            self._run(f"Exporting {self._number()} to Xero…", lambda: actions.export_now(invoice_id))

    @Slot()
    def open_in_xero(self) -> bool:
        xero_id = void_xero_id(self.invoice_id)
        if not xero_id or self.xero_actions is None:
            return False
        return bool(self.open_url(self.xero_actions.xero_page(xero_id)))

    @Slot()
    def ask_mark_in_xero(self) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Mark as already in Xero")
        number = literal_ampersands(self._number())  # the label is the line edit's buddy: "&" marks a shortcut
        dialog.setLabelText(
            f"{number} will not be sent to Xero.\nXero invoice number or InvoiceID, to link it (optional):"
        )
        for label in dialog.findChildren(QLabel):  # QInputDialog has no text format of its own
            label.setTextFormat(Qt.TextFormat.PlainText)
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setOkButtonText("Mark as in Xero")
        dialog.textValueSelected.connect(self.mark_in_xero)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    @Slot(str)
    def mark_in_xero(self, xero_reference: str = "") -> None:
        if self.xero_actions is not None:
            actions, invoice_id, ref = self.xero_actions, self.invoice_id, xero_reference.strip() or None
            self._run(f"Marking {self._number()} as already in Xero…", lambda: actions.mark_in_xero(invoice_id, ref))

    @Slot()
    def dont_send(self) -> None:
        if self.xero_actions is not None:
            actions, invoice_id = self.xero_actions, self.invoice_id
            self._run(f"Taking {self._number()} out of the Xero export…", lambda: actions.dont_send(invoice_id))

    def _run(self, doing: str, call: Callable[[], XeroActionResult]) -> None:
        if self._busy is not None:
            return
        self.message.show_message(doing, Tone.INFO, lasting=True)  # until the result replaces it
        # not a child (closing the window must not destroy a running thread): kept alive until it ends
        self._busy = CallJob(call, refusals=(ExportActionError, LedgerError))
        self._busy.succeeded.connect(self._xero_done)
        self._busy.failed.connect(self._xero_failed)
        self._busy.cancelled.connect(self._xero_cancelled)
        self._update_actions()
        start_kept_alive(self._busy)

    @Slot(object)
    def _xero_done(self, result: object) -> None:
        self._busy = None
        if isinstance(result, XeroActionResult):
            self._changed(result.message, Tone.SUCCESS if result.ok else Tone.PROBLEM)
        else:
            self._changed(str(result or "Done."), Tone.SUCCESS)

    @Slot(object)
    def _xero_failed(self, failure: JobFailure) -> None:
        self._busy = None
        self._changed(failure.text(), Tone.PROBLEM)

    @Slot()
    def _xero_cancelled(self) -> None:
        self._busy = None
        self._changed("Cancelled.", Tone.PROBLEM)

    def _number(self) -> str:
        return self.detail.number if self.detail else f"invoice #{self.invoice_id}"


class RenumberDialog(FormDialog):
    """Options > Renumber…: the new number, the current one to start with (selected, so typing replaces it), and
    the next free number of the sequence one click away. It renumbers through ledger.renumber_invoice; what the
    ledger refuses is shown in the dialog, which stays open, and nothing is written."""

    def __init__(self, detail: InvoiceDetail, parent: QWidget | None = None) -> None:
        super().__init__(f"Renumber — {detail.number}", "&Renumber", "Renumber problems", parent)
        self.invoice_id = detail.id
        self.old_number = detail.number
        self.new_number: str | None = None  # set once renumbered
        self.setMinimumWidth(480)

        explanation = _label(
            f"{detail.number} has not reached Xero, so it can still get another number. Choose one Xero does not "
            "have yet; a failed export is sent again when you Resync it.",
            self,
        )
        explanation.setWordWrap(True)
        self.number_edit = QLineEdit(detail.number, self)
        self.number_edit.setAccessibleName("New invoice number")
        self.number_edit.selectAll()
        self.suggestion = next_number()
        self.suggest_button = QPushButton(f"Use the &next number, {literal_ampersands(self.suggestion)}", self)
        self.suggest_button.setToolTip("The next free number of the invoice numbering")
        self.suggest_button.setAutoDefault(False)
        self.suggest_button.clicked.connect(self.use_suggestion)

        self.form.addRow("Current number:", _label(detail.number, self, "Current invoice number"))
        self.form.addRow("&New number:", self.number_edit)
        self.form.addRow("", self.suggest_button)
        self.main_layout.insertWidget(0, explanation)
        self.number_edit.setFocus()

    @Slot()
    def use_suggestion(self) -> None:
        self.number_edit.setText(self.suggestion)
        self.number_edit.setFocus()

    @Slot()
    def submit(self) -> None:
        """OK: renumber."""
        try:
            renumber_invoice(self.invoice_id, self.number_edit.text())
        except LedgerError as exc:
            self.show_refusal(exc, self.number_edit)
            return
        self.new_number = self.number_edit.text().strip()
        self.accept()
