"""The invoice editor: File > New Invoice, live totals as Xero works them out, validation that saves nothing,
Save, Save & Approve, editing and deleting a draft."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from gui_books import TODAY
from markup_probe import shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.ledger.money import LineFigures, compute_totals
from invoice_desktop.ledger.queries import Tab, tab_counts
from invoice_desktop.store.models import AmountsType, Invoice, InvoiceStatus
from invoice_desktop.ui.form_fields import set_date
from invoice_desktop.ui.invoice_editor import InvoiceEditor
from invoice_desktop.ui.message_bar import Tone
from invoice_desktop.ui.models.line_items_model import COLUMN_OF, LineEntry, LineItemsModel

GST = Decimal(10)
THREE_LINES = [
    LineEntry("Monthly bookkeeping", "1", "480.00", "200", "GST on Income"),
    LineEntry("GST return", "2.5", "95.00", "200", "GST on Income"),
    LineEntry("Payroll run", "7", "12.35", "200", "GST on Income"),
]


@pytest.fixture
def editor(qtbot, books):
    def make(invoice_id: int | None = None) -> InvoiceEditor:
        window = InvoiceEditor(invoice_id, today=lambda: TODAY)
        qtbot.addWidget(window)
        window.show()
        return window

    return make


def totals_shown(editor: InvoiceEditor) -> tuple[str, str, str]:
    return tuple(editor.total_labels[n].text() for n in ("Subtotal", "Tax", "Total"))  # type: ignore[return-value]


def type_into_cell(qtbot, editor: InvoiceEditor, row: int, field: str, text: str) -> None:
    """Type into a line cell as a user does: start editing, type, Enter."""
    view = editor.lines_view
    index = editor.lines_model.index(row, COLUMN_OF[field])
    view.setCurrentIndex(index)
    view.edit(index)
    cell_editor = view.indexWidget(index)
    cell_editor.selectAll()
    qtbot.keyClicks(cell_editor, text)
    qtbot.keyClick(cell_editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: index.data(Qt.ItemDataRole.EditRole) == text)  # Qt commits on the next event loop turn


def choose_in_cell(qtbot, editor: InvoiceEditor, row: int, field: str, value: str) -> None:
    """Pick from a cell's list as a user does: start editing, choose, Enter."""
    view = editor.lines_view
    index = editor.lines_model.index(row, COLUMN_OF[field])
    view.setCurrentIndex(index)
    view.edit(index)
    combo = view.indexWidget(index)
    combo.setCurrentIndex(combo.findData(value))
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: index.data(Qt.ItemDataRole.EditRole) == value)


def fill(editor: InvoiceEditor, client: str = "Harbourside Dental", lines=THREE_LINES) -> None:
    editor.client_combo.setEditText(client)
    editor.lines_model.set_entries(lines)


def invoice_count() -> int:
    return Invoice.select().count()


# --- opening -----------------------------------------------------------------------------------------------


def test_tab_follows_the_form_as_it_reads(qtbot, editor):
    window = editor()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.client_combo.setFocus()
    qtbot.waitUntil(window.client_combo.hasFocus)
    order = ["Client"]
    for _ in range(20):  # Tab also steps through a date's day, month and year before leaving it
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        name = QApplication.focusWidget().accessibleName()
        if name != order[-1]:
            order.append(name)
        if name == "Line items":
            break
    assert order == ["Client", "Reference", "Amounts are", "Invoice number", "Invoice date", "Due date", "Line items"]


def test_file_new_invoice_opens_the_editor(qtbot, main_window):
    main_window.show()
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    qtbot.keyClick(main_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editors = [w for w in main_window.findChildren(InvoiceEditor) if w.isVisible()]
    assert len(editors) == 1
    new = editors[0]
    assert new.windowTitle() == "New invoice"
    assert new.number_edit.placeholderText() == "INV-0105 (next in sequence)"
    assert new.lines_model.entries() == [LineEntry(account_code="200", tax_rate_name="GST on Income")]
    assert new.due_edit.date().toPython() == TODAY + timedelta(days=30)
    assert not new.delete_button.isVisible()


def test_qt_model_tester_passes_on_the_lines(qtmodeltester):
    model = LineItemsModel({"200": "Sales"}, {"GST on Income": GST})
    model.set_entries([*THREE_LINES, LineEntry("Broken", "abc", "", "200", "")])
    qtmodeltester.check(model, force_py=True)
    model.add_line()
    model.remove_line(0)
    qtmodeltester.check(model, force_py=True)


# --- live totals -------------------------------------------------------------------------------------------


def test_totals_follow_typing_and_match_ledger_money(qtbot, editor):
    new = editor()
    new.lines_model.set_entries(THREE_LINES)
    expected = compute_totals(
        [LineFigures(Decimal(q), Decimal(u), GST) for q, u in (("1", "480.00"), ("2.5", "95.00"), ("7", "12.35"))],
        AmountsType.EXCLUSIVE,
    )
    assert totals_shown(new) == ("803.95", "80.40", "884.35")  # 8.645 tax on the last line rounds half-up
    assert totals_shown(new) == tuple(f"{v:,.2f}" for v in (expected.subtotal, expected.total_tax, expected.total))

    type_into_cell(qtbot, new, 2, "quantity", "8")
    assert new.lines_model.index(2, len(COLUMN_OF)).data() == "98.80"
    assert totals_shown(new) == ("816.30", "81.63", "897.93")


def test_amounts_inclusive_and_no_tax(editor):
    new = editor()
    new.lines_model.set_entries([LineEntry("Catering", "1", "115.00", "200", "GST on Income")])
    new.amounts_combo.setCurrentIndex(new.amounts_combo.findData(AmountsType.INCLUSIVE))
    assert totals_shown(new) == ("104.55", "10.45", "115.00")
    new.amounts_combo.setCurrentIndex(new.amounts_combo.findData(AmountsType.NO_TAX))
    assert totals_shown(new) == ("115.00", "0.00", "115.00")


def test_add_and_remove_lines(qtbot, editor):
    new = editor()
    qtbot.mouseClick(new.add_line_button, Qt.MouseButton.LeftButton)
    assert new.lines_model.rowCount() == 2
    assert new.lines_model.entries()[1] == LineEntry(account_code="200", tax_rate_name="GST on Income")
    new.lines_view.setCurrentIndex(new.lines_model.index(0, 0))
    new.remove_line_button.click()
    assert new.lines_model.rowCount() == 1


def test_account_and_tax_rate_are_picked_from_lists(qtbot, editor):
    catalog.get_or_create_account("210", "Consulting")
    new = editor()
    view = new.lines_view
    index = new.lines_model.index(0, COLUMN_OF["account_code"])
    view.setCurrentIndex(index)
    view.edit(index)
    combo = view.indexWidget(index)
    assert [combo.itemText(i) for i in range(combo.count())] == ["200 — Sales", "210 — Consulting"]
    combo.setCurrentIndex(1)
    view.commitData(combo)
    assert new.lines_model.entries()[0].account_code == "210"
    assert index.data() == "210 — Consulting"


# --- validation: clear messages, nothing saved -------------------------------------------------------------


def test_letters_in_quantity_are_reported_and_nothing_is_saved(qtbot, editor):
    new = editor()
    fill(new)
    before = invoice_count()
    type_into_cell(qtbot, new, 1, "quantity", "two")

    assert new.save() is None

    assert invoice_count() == before
    assert new.isVisible()
    assert new.problems.text() == "Not saved — 1 problem:\n• Line 2, Quantity: “two” is not a number"
    index = new.lines_model.index(1, COLUMN_OF["quantity"])
    assert shown(index.data(Qt.ItemDataRole.ToolTipRole)) == "“two” is not a number"
    assert index.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert new.lines_model.index(1, len(COLUMN_OF)).data() == "—"
    type_into_cell(qtbot, new, 1, "quantity", "2")
    assert index.data(Qt.ItemDataRole.ToolTipRole) is None  # the mark goes once the cell is edited


def test_due_before_date_no_lines_and_no_client_all_reported_at_once(editor):
    new = editor()
    new.lines_model.set_entries([LineEntry(account_code="200", tax_rate_name="GST on Income")])  # blank line
    set_date(new.due_edit, TODAY - timedelta(days=1))
    before = invoice_count()

    assert new.save() is None

    assert invoice_count() == before
    assert new.problems.text().splitlines() == [
        "Not saved — 3 problems:",
        "• Client: a client is required",
        "• Due date: 2024-05-14 is before the invoice date 2024-05-15",
        "• Lines: an invoice needs at least one line",
    ]


def test_what_only_the_company_file_knows_is_reported_too(editor):
    new = editor()
    fill(new)
    new.number_edit.setText("INV-0101")
    new.lines_model.set_entries([LineEntry("Audit", "1", "100", "999", "GST on Income")])
    assert new.save() is None
    assert new.problems.text().splitlines() == [
        "Not saved — 2 problems:",
        "• Line 1, Account: there is no account with code '999'",
        "• Invoice number: INV-0101 is already used by another invoice",
    ]


# --- saving ------------------------------------------------------------------------------------------------


def test_save_creates_the_draft_and_a_new_client(qtbot, main_window):
    main_window.show()
    new = main_window.invoice_windows.new_invoice()
    fill(new, client="Zephyr Studio")
    assert new.new_client_note.text() == "New client: “Zephyr Studio” will be added when you save"
    new.reference_edit.setText("PO-9")

    with qtbot.waitSignal(new.finished):
        qtbot.mouseClick(new.save_button, Qt.MouseButton.LeftButton)

    detail = get_invoice_detail(new.invoice_id)
    assert (detail.number, detail.client.name, detail.reference) == ("INV-0105", "Zephyr Studio", "PO-9")
    assert detail.status is InvoiceStatus.DRAFT and detail.total == Decimal("884.35")
    assert [ln.quantity for ln in detail.lines] == [Decimal(1), Decimal("2.5"), Decimal(7)]
    tabs = main_window.invoice_manager.tabs
    assert tabs.tabText(0) == "Draft (5)"
    assert main_window.statusBar().currentMessage() == "INV-0105 saved as a draft."


def test_save_and_approve(qtbot, main_window):
    new = main_window.invoice_windows.new_invoice()
    fill(new)
    new.number_edit.setText("HD-1")
    with qtbot.waitSignal(new.finished):
        new.approve_button.click()
    assert get_invoice_detail(new.invoice_id).status is InvoiceStatus.AWAITING_PAYMENT
    assert tab_counts(TODAY)[Tab.AWAITING_PAYMENT] == 11
    assert main_window.invoice_manager.tabs.tabText(1) == "Awaiting Payment (11)"
    assert main_window.statusBar().currentMessage() == "1 invoice approved (HD-1)."


def test_editing_a_draft_keeps_its_number_and_replaces_its_lines(qtbot, editor, books):
    draft = editor(books["INV-0101"])
    assert draft.windowTitle() == "Edit draft — INV-0101"
    assert draft.client_combo.currentText() == "Harbourside Dental"
    assert draft.reference_edit.text() == "PO-5521"
    assert draft.lines_model.entries() == [LineEntry("Bookkeeping services", "1", "480.00", "200", "GST on Income")]
    assert totals_shown(draft) == ("480.00", "48.00", "528.00")
    type_into_cell(qtbot, draft, 0, "unit_amount", "500")
    draft.reference_edit.setText("PO-5522")

    assert draft.save() == books["INV-0101"]

    detail = get_invoice_detail(books["INV-0101"])
    assert (detail.number, detail.reference, detail.total) == ("INV-0101", "PO-5522", Decimal("550.00"))


def test_delete_draft_after_confirming(qtbot, editor, books):
    draft = editor(books["INV-0103"])
    assert draft.delete_button.isVisible()
    draft.delete_button.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    with qtbot.waitSignal(draft.invoice_changed):
        next(b for b in box.buttons() if b.text().replace("&", "") == "Delete draft").click()
    assert not Invoice.select().where(Invoice.id == books["INV-0103"]).exists()


# --- tax rates from Xero ------------------------------------------------------------------------------------------


def test_a_new_line_takes_the_accounts_tax_rate_from_xero_and_a_purchase_rate_is_flagged(qtbot, window):
    editor = window.invoice_windows.new_invoice()
    first = editor.lines_model.entries()[0]
    # account 200 Sales is OUTPUT in Xero's chart of accounts, which "GST on Income" maps to (not the first listed)
    assert (first.account_code, first.tax_rate_name) == ("200", "GST on Income")
    assert not editor.tax_warning.isVisible()

    choose_in_cell(qtbot, editor, 0, "tax_rate_name", "GST on Expenses")
    warning = editor.tax_warning
    assert warning.isVisible() and warning.tone is Tone.PROBLEM
    assert warning.text() == (
        "Line 1: GST on Expenses is a tax rate for purchases; Xero refuses it on a sales invoice. "
        "Choose a sales tax rate, such as GST on Income."
    )

    choose_in_cell(qtbot, editor, 0, "tax_rate_name", "GST on Income")
    assert not warning.isVisible()
    editor.lines_model.set_entries([])  # nothing to ask about on close
    editor.reject()


def test_without_xero_a_new_line_takes_the_rate_the_company_last_used_on_the_account(qtbot, editor):
    catalog.create_tax_rate("GST Free Income", Decimal(0))  # listed first, yet not what account 200 is used with
    window = editor()
    assert window.lines_model.entries()[0].tax_rate_name == "GST on Income"
