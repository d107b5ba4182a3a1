"""The invoice editor (File > New Invoice, or a draft opened from the Draft tab).

Client (pick one, or type a new name: it is created on save), number (free until approval), date, due date,
reference, whether amounts include tax, and the line items (a new one's tax rate from its account's tax type in the
cached Xero chart of accounts, else the rate the company last used on that account; a rate Xero keeps for
purchases, such as "GST on Expenses", is warned about under the lines); totals are worked out live as Xero does it
(ledger.money). Save goes through ledger.create_invoice / update_draft, which write everything or nothing:
every problem found is listed under the lines and marked on its cell, and nothing is saved.

A client picked from the list is saved by its id, so renaming it in Business > Clients while the editor is open
does not turn the name shown here into a new client. Closing with unsaved changes (Cancel, Esc or the window's
close button) asks first: Save, Discard or Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.errors import LedgerError, Problem
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    create_invoice,
    delete_draft,
    draft_problems,
    get_invoice_detail,
    next_number,
    update_draft,
)
from invoice_desktop.ledger.money import compute_totals
from invoice_desktop.store.models import AmountsType, InvoiceStatus
from invoice_desktop.ui.approval import approve
from invoice_desktop.ui.choice_delegate import ChoiceDelegate
from invoice_desktop.ui.confirm import ask_destructive, ask_discard
from invoice_desktop.ui.form_fields import date_edit, date_of, set_date
from invoice_desktop.ui.formatting import account_text, format_money, format_quantity
from invoice_desktop.ui.message_bar import MessageBar, Tone
from invoice_desktop.ui.models.line_items_model import COLUMN_OF, LineEntry, LineItemsModel
from invoice_desktop.ui.plain_text import plain_label, window_title
from invoice_desktop.xero.line_defaults import default_tax_rate, purchase_only
from invoice_desktop.xero.settings import load_settings
from invoice_desktop.xero.xero_cache import load_cache

DEFAULT_TERMS_DAYS = 30
AMOUNTS_CHOICES = (
    (AmountsType.EXCLUSIVE, "Tax exclusive"),
    (AmountsType.INCLUSIVE, "Tax inclusive"),
    (AmountsType.NO_TAX, "No tax"),
)


class InvoiceEditor(QDialog):
    invoice_changed = Signal(int)  # saved, approved or deleted: lists and counts re-read
    notice = Signal(str)  # a line for the main window's status bar ("INV-0105 saved")

    def __init__(
        self,
        invoice_id: int | None = None,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
        *,
        client_name: str = "",
    ) -> None:
        """`client_name` fills in a new invoice's client (Clients > New invoice for this client)."""
        super().__init__(parent)
        self.invoice_id = invoice_id
        self._today = today
        self.setSizeGripEnabled(True)
        self.resize(940, 560)

        self.accounts = catalog.list_accounts()
        self.tax_rates = catalog.list_tax_rates()
        self.xero_settings, self.xero_cache = load_settings(), load_cache()  # for the tax rates' defaults and warning
        self._build()
        if invoice_id is None:
            self._start_new(client_name)
        else:
            self._load(invoice_id)
        self._update_totals()
        self._saved_state = self._form_state()

    # --- building ---

    def _build(self) -> None:
        self.client_combo = QComboBox(self)
        self.client_combo.setEditable(True)
        self.client_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.client_combo.setAccessibleName("Client")
        for client in catalog.list_clients():
            self.client_combo.addItem(client.name, client.id)
        self.client_combo.setCurrentIndex(-1)
        line_edit, completer = self.client_combo.lineEdit(), self.client_combo.completer()
        assert line_edit is not None and completer is not None  # an editable combo box has both
        line_edit.setPlaceholderText("Pick a client or type a new name")
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.new_client_note = plain_label(parent=self)  # names what was typed
        self.new_client_note.setAccessibleName("New client note")
        self.client_combo.editTextChanged.connect(self._update_client_note)

        self.number_edit = QLineEdit(self)
        self.number_edit.setAccessibleName("Invoice number")
        self.date_edit = date_edit(self._today(), "Invoice date", self)
        self.due_edit = date_edit(self._today() + timedelta(days=DEFAULT_TERMS_DAYS), "Due date", self)
        self.reference_edit = QLineEdit(self)
        self.reference_edit.setAccessibleName("Reference")
        self.amounts_combo = QComboBox(self)
        self.amounts_combo.setAccessibleName("Amounts are")
        for value, label in AMOUNTS_CHOICES:
            self.amounts_combo.addItem(label, value)
        self.amounts_combo.currentIndexChanged.connect(self._amounts_changed)

        header = QGridLayout()
        header.setHorizontalSpacing(16)
        left, right = QFormLayout(), QFormLayout()
        client_box = QVBoxLayout()
        client_box.setSpacing(2)
        client_box.addWidget(self.client_combo)
        client_box.addWidget(self.new_client_note)
        client_label = QLabel("&Client:", self)
        client_label.setBuddy(self.client_combo)
        left.addRow(client_label, client_box)
        left.addRow("&Reference:", self.reference_edit)
        left.addRow("A&mounts are:", self.amounts_combo)
        right.addRow("&Number:", self.number_edit)
        right.addRow("&Date:", self.date_edit)
        right.addRow("D&ue date:", self.due_edit)
        header.addLayout(left, 0, 0)
        header.addLayout(right, 0, 1)
        header.setColumnStretch(0, 3)
        header.setColumnStretch(1, 2)

        self.lines_model = LineItemsModel(
            {a.code: a.name for a in self.accounts}, {t.name: t.rate for t in self.tax_rates}, self
        )
        self.lines_view = QTableView(self)
        self.lines_view.setModel(self.lines_model)
        self.lines_view.setAccessibleName("Line items")
        self.lines_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.lines_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.lines_view.setTabKeyNavigation(True)
        self.lines_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        header_view = self.lines_view.horizontalHeader()
        header_view.setHighlightSections(False)
        widths = {"quantity": "Quantity  ", "unit_amount": "00,000.00  ", "": "000,000.00  "}
        for section, column in enumerate(self.lines_model.columns):
            if column.name == "description":
                header_view.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
            elif column.name in widths:
                header_view.resizeSection(section, self.fontMetrics().horizontalAdvance(widths[column.name]) + 16)
            else:
                header_view.resizeSection(section, self.fontMetrics().horizontalAdvance("GST on Income (10%)") + 36)
        self.lines_view.setItemDelegateForColumn(
            COLUMN_OF["account_code"],
            ChoiceDelegate([(a.code, account_text(a.code, a.name)) for a in self.accounts], "Account", self.lines_view),
        )
        self.lines_view.setItemDelegateForColumn(
            COLUMN_OF["tax_rate_name"],
            ChoiceDelegate(
                [(t.name, f"{t.name} ({format_quantity(t.rate)}%)") for t in self.tax_rates],
                "Tax rate",
                self.lines_view,
            ),
        )
        for signal in (
            self.lines_model.dataChanged,
            self.lines_model.rowsInserted,
            self.lines_model.rowsRemoved,
            self.lines_model.modelReset,
        ):
            signal.connect(self._update_totals)

        self.add_line_button = QPushButton("Add &line", self)
        self.add_line_button.setAccessibleName("Add line")
        self.add_line_button.clicked.connect(self.add_line)
        self.remove_line_button = QPushButton("Remo&ve line", self)
        self.remove_line_button.setAccessibleName("Remove line")
        self.remove_line_button.setToolTip("Remove the line with the cursor")
        self.remove_line_button.clicked.connect(self.remove_current_line)

        self.total_labels = {name: QLabel(self) for name in ("Subtotal", "Tax", "Total")}
        totals = QFormLayout()
        totals.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for total, total_label in self.total_labels.items():
            total_label.setAccessibleName(total)
            total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
            total_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("000,000,000.00"))
            totals.addRow(f"{total}:", total_label)
        bold = QFont(self.font())
        bold.setBold(True)
        self.total_labels["Total"].setFont(bold)
        line_buttons = QHBoxLayout()
        line_buttons.addWidget(self.add_line_button)
        line_buttons.addWidget(self.remove_line_button)
        line_buttons.addStretch(1)
        line_buttons.addLayout(totals)

        self.problems = MessageBar("Problems", self)
        self.tax_warning = MessageBar("Tax rate warning", self)

        self.delete_button = QPushButton("Delete draft", self)
        self.delete_button.setAccessibleName("Delete draft")
        self.delete_button.clicked.connect(self.ask_delete)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        self.approve_button = QPushButton("Save && &Approve", self)
        self.approve_button.setAccessibleName("Save and approve")
        self.approve_button.clicked.connect(self.save_and_approve)
        self.save_button = QPushButton("&Save", self)
        self.save_button.setAccessibleName("Save")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("Save the draft (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.lines_view, 1)
        layout.addLayout(line_buttons)
        layout.addWidget(self.tax_warning)
        layout.addWidget(self.problems)
        layout.addLayout(buttons)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        """Tab follows the form as it reads: down the left column (Client, Reference, Amounts are), then the
        right one (Number, Date, Due date), the lines and their buttons, then the dialog's buttons."""
        chain = (
            self.client_combo, self.reference_edit, self.amounts_combo, self.number_edit, self.date_edit,
            self.due_edit, self.lines_view, self.add_line_button, self.remove_line_button, self.delete_button,
            self.cancel_button, self.approve_button, self.save_button,
        )  # fmt: skip
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    # --- filling ---

    def _start_new(self, client_name: str) -> None:
        self.setWindowTitle("New invoice")
        self.client_combo.setEditText(client_name)
        self.number_edit.setPlaceholderText(f"{next_number()} (next in sequence)")
        first_account = self.accounts[0].code if self.accounts else ""
        rate = self.default_tax_rate(first_account)
        self.lines_model.set_entries([LineEntry(account_code=first_account, tax_rate_name=rate)])
        self.delete_button.hide()
        self._update_client_note()

    def _load(self, invoice_id: int) -> None:
        detail = get_invoice_detail(invoice_id)
        if detail.status is not InvoiceStatus.DRAFT:
            raise LedgerError(f"{detail.number} is not a draft and cannot be edited.")
        draft = detail.to_draft()
        self.setWindowTitle(window_title(f"Edit draft — {detail.number}"))
        listed = self.client_combo.findData(draft.client_id)
        if listed >= 0:
            self.client_combo.setCurrentIndex(listed)
        else:  # added after the list was read
            self.client_combo.setEditText(draft.client_name)
        self.number_edit.setText(detail.number)
        set_date(self.date_edit, draft.date)
        set_date(self.due_edit, draft.due_date)
        self.reference_edit.setText(draft.reference)
        self.amounts_combo.setCurrentIndex(self.amounts_combo.findData(AmountsType(draft.amounts_type)))
        self.lines_model.set_entries([LineEntry.from_draft(line) for line in draft.lines])
        self._update_client_note()

    # --- lines ---

    @Slot()
    def add_line(self) -> None:
        row = self.lines_model.add_line()
        index = self.lines_model.index(row, COLUMN_OF["description"])
        self.lines_view.setCurrentIndex(index)
        self.lines_view.setFocus()
        self.lines_view.edit(index)

    @Slot()
    def remove_current_line(self) -> None:
        index = self.lines_view.currentIndex()
        row = index.row() if index.isValid() else self.lines_model.rowCount() - 1
        self.lines_model.remove_line(row)

    @Slot()
    def _amounts_changed(self) -> None:
        self.lines_model.set_amounts_type(self.amounts_type())

    def amounts_type(self) -> AmountsType:
        return AmountsType(self.amounts_combo.currentData())

    @Slot()
    def _update_totals(self) -> None:
        figures = [
            f
            for row in range(self.lines_model.rowCount())
            if (f := self.lines_model.figures(row)) is not None and not self.lines_model.entries()[row].is_blank()
        ]
        totals = compute_totals(figures, self.amounts_type()) if figures else None
        self.total_labels["Subtotal"].setText(format_money(totals.subtotal) if totals else "0.00")
        self.total_labels["Tax"].setText(format_money(totals.total_tax) if totals else "0.00")
        self.total_labels["Total"].setText(format_money(totals.total) if totals else "0.00")
        self.remove_line_button.setEnabled(self.lines_model.rowCount() > 0)
        self._update_tax_warning()

    def default_tax_rate(self, account_code: str) -> str:
        """A new line's tax rate on `account_code`: from the account's tax type in Xero's chart of accounts (as
        cached), else the one the company last used on it, else the first listed."""
        names = [t.name for t in self.tax_rates]
        chosen = default_tax_rate(account_code, names, self.xero_settings, self.xero_cache)
        chosen = chosen or catalog.last_tax_rate_for_account(account_code)
        return chosen or (names[0] if names else "")

    def _update_tax_warning(self) -> None:
        """Warn about lines with a tax rate Xero keeps for purchases: Xero would refuse the sale."""
        entries = self.lines_model.entries()
        flagged = [
            (row, entry.tax_rate_name)
            for row, entry in enumerate(entries, start=1)
            if purchase_only(entry.tax_rate_name, self.xero_settings, self.xero_cache)
        ]
        text = "\n".join(
            f"Line {row}: {name} is a tax rate for purchases; Xero refuses it on a sales invoice. "
            f"{self._sales_rate_advice(entries[row - 1].account_code)}"
            for row, name in flagged
        )
        self.tax_warning.show_message(text, Tone.PROBLEM)

    def _sales_rate_advice(self, account_code: str) -> str:
        rate = self.default_tax_rate(account_code)
        if not rate or purchase_only(rate, self.xero_settings, self.xero_cache):
            return "Choose a sales tax rate."
        return f"Choose a sales tax rate, such as {rate}."

    def chosen_client_id(self) -> int | None:
        """The id of the listed client whose name is in the box, or None for a name that is not on the list. The
        list keeps the names clients had when the editor opened, so a client renamed since is still found."""
        listed = self.client_combo.findText(self.client_combo.currentText().strip())
        return self.client_combo.itemData(listed) if listed >= 0 else None

    @Slot()
    def _update_client_note(self) -> None:
        name = self.client_combo.currentText().strip()
        known = not name or self.chosen_client_id() is not None or catalog.find_client(name) is not None
        self.new_client_note.setText("" if known else f"New client: “{name}” will be added when you save")
        self.new_client_note.setVisible(not known)

    # --- saving ---

    def draft(self) -> tuple[InvoiceDraft, list[int], list[Problem]]:
        """The form as an InvoiceDraft, the table row of each of its lines, and what could not be read."""
        lines, rows, problems = self.lines_model.lines()
        draft = InvoiceDraft(
            client_name=self.client_combo.currentText().strip(),
            client_id=self.chosen_client_id(),
            date=date_of(self.date_edit),
            due_date=date_of(self.due_edit),
            reference=self.reference_edit.text(),
            amounts_type=self.amounts_type(),
            lines=lines,
            number=self.number_edit.text().strip() or None,
        )
        return draft, rows, problems

    @Slot()
    def save(self) -> int | None:
        """Save (create or update the draft); returns the invoice id, or None when nothing was saved."""
        invoice_id = self._save()
        if invoice_id is not None:
            self.notice.emit(f"{self._saved_number(invoice_id)} saved as a draft.")
            self.accept()
        return invoice_id

    @Slot()
    def save_and_approve(self) -> int | None:
        invoice_id = self._save()
        if invoice_id is None:
            return None
        result, text, tone = approve([invoice_id])
        self.invoice_changed.emit(invoice_id)
        if result.approved_ids:
            self.notice.emit(text)
            self.accept()
        else:
            self.problems.show_message(f"Saved, but {text[0].lower()}{text[1:]}", tone)
        return invoice_id

    def _save(self) -> int | None:
        draft, rows, read_problems = self.draft()
        # A number that could not be read went in as 0, which the ledger's checks accept: no problem twice.
        problems = read_problems + [_on_table_row(p, rows) for p in draft_problems(draft)]
        if not problems:
            try:
                if self.invoice_id is None:
                    self.invoice_id = create_invoice(draft)
                else:
                    update_draft(self.invoice_id, draft)
            except LedgerError as exc:
                problems = [_on_table_row(p, rows) for p in exc.problems]
        if problems:
            self.show_problems(problems)
            return None
        self.problems.clear_message()
        self.lines_model.show_problems([])
        self._saved_state = self._form_state()
        self.invoice_changed.emit(self.invoice_id)
        return self.invoice_id

    def show_problems(self, problems: list[Problem]) -> None:
        count = len(problems)
        heading = "Not saved — " + ("1 problem:" if count == 1 else f"{count} problems:")
        self.problems.show_message("\n".join([heading, *(f"• {p.describe()}" for p in problems)]), Tone.PROBLEM)
        self.lines_model.show_problems(problems)

    def _saved_number(self, invoice_id: int) -> str:
        return get_invoice_detail(invoice_id).number

    # --- closing ---

    def _form_state(self) -> tuple[object, ...]:
        """Everything the user can change, as typed (blank lines are dropped on save, so they do not count)."""
        return (
            self.client_combo.currentText().strip(),
            self.number_edit.text().strip(),
            date_of(self.date_edit),
            date_of(self.due_edit),
            self.reference_edit.text(),
            self.amounts_type(),
            tuple(entry for entry in self.lines_model.entries() if not entry.is_blank()),
        )

    def has_unsaved_changes(self) -> bool:
        return self._form_state() != self._saved_state

    @Slot()
    def reject(self) -> None:
        """Cancel, Esc and the window's close button: closes at once when nothing changed, else asks first."""
        if not self.has_unsaved_changes():
            super().reject()
            return
        what = "This new invoice" if self.invoice_id is None else f"The draft {self.number_edit.text()}"
        ask_discard(self, f"{what} has changes that are not saved.", self.discard, self.save)

    @Slot()
    def discard(self) -> None:
        """Close without saving."""
        super().reject()

    # --- deleting ---

    @Slot()
    def ask_delete(self) -> QMessageBox | None:
        if self.invoice_id is None:
            return None
        return ask_destructive(
            self,
            "Delete draft",
            f"Delete the draft {self.number_edit.text()}? This cannot be undone.",
            "&Delete draft",
            self.delete,
        )

    @Slot()
    def delete(self) -> None:
        if self.invoice_id is None:
            return
        number = self.number_edit.text()
        try:
            delete_draft(self.invoice_id)
        except LedgerError as exc:
            self.show_problems(list(exc.problems))
            return
        self.invoice_changed.emit(self.invoice_id)
        self.notice.emit(f"Draft {number} deleted.")
        self.accept()


def _on_table_row(problem: Problem, rows: list[int]) -> Problem:
    """A ledger problem's line is an index into the draft's lines; the user sees table rows."""
    if problem.line is None or not 0 <= problem.line < len(rows):
        return problem
    return replace(problem, line=rows[problem.line])
