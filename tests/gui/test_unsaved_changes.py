"""Closing with unsaved changes asks "Discard changes?" first — the invoice editor (new or a draft) and Business >
Settings > Xero — whichever way the window is closed (its Close or Cancel button, Esc, the window's close button).
Nothing changed: it closes without a question. Cancel keeps the window open as it was; Discard closes and saves
nothing; Save saves, then closes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from gui_books import TODAY
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton

from invoice_desktop.app_context import AppContext
from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.store.models import Invoice
from invoice_desktop.ui.confirm import DISCARD_TITLE
from invoice_desktop.ui.invoice_editor import InvoiceEditor
from invoice_desktop.ui.models.line_items_model import LineEntry
from invoice_desktop.ui.xero_settings_dialog import XeroSettingsDialog
from invoice_desktop.xero.settings import Organisation, load_settings, save_connection

Button = QMessageBox.StandardButton
CLOSE_WAYS = ("button", "escape", "window")
CATERING = LineEntry("Catering", "1", "100.00", "200", "GST on Income")


def close(qtbot, window: QDialog, button: QPushButton, how: str) -> None:
    """Close `window` the way a user does: its Close/Cancel `button`, Esc, or the window's close button."""
    if how == "button":
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    elif how == "escape":
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    else:
        window.close()


def questions(window: QDialog) -> list[QMessageBox]:
    """The questions `window` has open."""
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def answer(qtbot, window: QDialog, button: Button) -> QMessageBox:
    """Answer the "Discard changes?" question `window` asked with `button`; returns the question."""
    qtbot.waitUntil(lambda: len(questions(window)) == 1)
    box = questions(window)[0]
    assert box.windowTitle() == DISCARD_TITLE and box.isModal()
    qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
    return box


def track(qtbot, window: QDialog) -> None:
    """Shown, and closed after the test without a question (a question left open would outlive the test)."""
    qtbot.addWidget(window, before_close_func=lambda w: w.discard())
    window.show()
    qtbot.waitExposed(window)


def offered(box: QMessageBox) -> set[Button]:
    return {box.standardButton(b) for b in box.buttons()}


# --- the invoice editor ------------------------------------------------------------------------------------


@pytest.fixture
def editor(qtbot, books) -> Callable[..., InvoiceEditor]:
    def make(invoice_id: int | None = None, client_name: str = "") -> InvoiceEditor:
        window = InvoiceEditor(invoice_id, today=lambda: TODAY, client_name=client_name)
        track(qtbot, window)
        return window

    return make


@pytest.mark.parametrize("how", CLOSE_WAYS)
def test_an_unchanged_editor_closes_without_asking(qtbot, editor, books, how):
    for window in (editor(), editor(books["INV-0101"]), editor(client_name="Acme Ltd")):
        assert not window.has_unsaved_changes()
        with qtbot.waitSignal(window.rejected):
            close(qtbot, window, window.cancel_button, how)
        assert not window.isVisible() and not questions(window)


def test_a_change_undone_is_no_change(qtbot, editor, books):
    draft = editor(books["INV-0101"])
    draft.reference_edit.setText("PO-9999")
    assert draft.has_unsaved_changes()
    draft.reference_edit.setText("PO-5521")
    assert not draft.has_unsaved_changes()
    draft.lines_model.add_line()  # a blank line is dropped on save: nothing to lose
    assert not draft.has_unsaved_changes()


@pytest.mark.parametrize("how", CLOSE_WAYS)
def test_a_changed_new_invoice_asks_and_cancel_keeps_it_open(qtbot, editor, books, how):
    new = editor()
    new.client_combo.setEditText("Acme Ltd")
    new.lines_model.set_entries([CATERING])

    close(qtbot, new, new.cancel_button, how)
    box = answer(qtbot, new, Button.Cancel)

    assert offered(box) == {Button.Save, Button.Discard, Button.Cancel}
    assert box.defaultButton() is box.button(Button.Cancel)
    assert box.text() == "This new invoice has changes that are not saved."
    assert new.isVisible() and new.client_combo.currentText() == "Acme Ltd" and new.has_unsaved_changes()
    assert new.invoice_id is None and not questions(new)


@pytest.mark.parametrize("how", CLOSE_WAYS)
def test_discard_closes_the_editor_and_saves_nothing(qtbot, editor, books, how):
    draft = editor(books["INV-0101"])
    draft.reference_edit.setText("PO-9999")
    invoices_before = Invoice.select().count()

    close(qtbot, draft, draft.cancel_button, how)
    with qtbot.waitSignal(draft.rejected):
        box = answer(qtbot, draft, Button.Discard)

    assert box.text() == "The draft INV-0101 has changes that are not saved."
    assert not draft.isVisible()
    assert get_invoice_detail(books["INV-0101"]).reference == "PO-5521"
    assert Invoice.select().count() == invoices_before


def test_save_saves_and_closes_the_editor(qtbot, editor, books):
    draft = editor(books["INV-0101"])
    draft.reference_edit.setText("PO-9999")

    close(qtbot, draft, draft.cancel_button, "escape")
    with qtbot.waitSignal(draft.accepted):
        answer(qtbot, draft, Button.Save)

    assert not draft.isVisible() and get_invoice_detail(books["INV-0101"]).reference == "PO-9999"


def test_save_that_finds_problems_keeps_the_editor_open_with_them(qtbot, editor, books):
    new = editor()
    new.lines_model.set_entries([CATERING])  # no client
    invoices_before = Invoice.select().count()

    close(qtbot, new, new.cancel_button, "window")
    answer(qtbot, new, Button.Save)

    assert new.isVisible() and new.problems.text().startswith("Not saved — 1 problem:")
    assert Invoice.select().count() == invoices_before


def test_after_saving_there_is_nothing_to_ask(qtbot, editor, books):
    new = editor(client_name="Acme Ltd")
    new.lines_model.set_entries([CATERING])
    assert new.save_and_approve() is not None  # saved, approved and closed
    new.show()
    assert not new.has_unsaved_changes()
    assert get_invoice_detail(new.invoice_id).total == Decimal("110.00")


# --- Business > Settings > Xero ----------------------------------------------------------------------------


@pytest.fixture
def settings_dialog(qtbot, data_dir: Path, books) -> XeroSettingsDialog:
    """Settings > Xero on a company file recorded as connected (no sign-in: nothing here talks to Xero)."""
    save_connection(Organisation("tenant-1", "Demo Company (NZ)"), "client-1")
    ctx = AppContext(paths=AppPaths(data_dir), endpoints=XeroEndpoints.real(), client_id=None)
    dialog = XeroSettingsDialog(ctx)
    track(qtbot, dialog)
    assert dialog.form.isEnabled()
    return dialog


def untick_export_on_approval(qtbot, dialog: XeroSettingsDialog) -> None:
    """Click the check box on its indicator (its centre may lie beyond the text when the form stretches it)."""
    box = dialog.form.export_on_approval
    assert box.isChecked() and not dialog.form.has_changes()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert not box.isChecked() and dialog.form.has_changes()


@pytest.mark.parametrize("how", CLOSE_WAYS)
def test_unchanged_settings_close_without_asking(qtbot, settings_dialog, how):
    with qtbot.waitSignal(settings_dialog.rejected):
        close(qtbot, settings_dialog, settings_dialog.close_button, how)
    assert not settings_dialog.isVisible() and not questions(settings_dialog)


@pytest.mark.parametrize("how", CLOSE_WAYS)
def test_changed_settings_ask_and_cancel_keeps_the_dialog_open(qtbot, settings_dialog, how):
    untick_export_on_approval(qtbot, settings_dialog)

    close(qtbot, settings_dialog, settings_dialog.close_button, how)
    box = answer(qtbot, settings_dialog, Button.Cancel)

    assert offered(box) == {Button.Save, Button.Discard, Button.Cancel}
    assert box.text() == "The Xero settings have changes that are not saved."
    assert settings_dialog.isVisible() and not settings_dialog.form.export_on_approval.isChecked()
    assert load_settings().export_on_approval


@pytest.mark.parametrize("how", CLOSE_WAYS)
def test_discard_closes_the_settings_and_saves_nothing(qtbot, settings_dialog, how):
    untick_export_on_approval(qtbot, settings_dialog)

    close(qtbot, settings_dialog, settings_dialog.close_button, how)
    with qtbot.waitSignal(settings_dialog.rejected):
        answer(qtbot, settings_dialog, Button.Discard)

    assert not settings_dialog.isVisible() and load_settings().export_on_approval


def test_save_saves_the_settings_and_closes(qtbot, settings_dialog):
    untick_export_on_approval(qtbot, settings_dialog)

    close(qtbot, settings_dialog, settings_dialog.close_button, "escape")
    with qtbot.waitSignal(settings_dialog.rejected):
        answer(qtbot, settings_dialog, Button.Save)

    assert not settings_dialog.isVisible() and not load_settings().export_on_approval


def test_saved_settings_close_without_asking(qtbot, settings_dialog):
    untick_export_on_approval(qtbot, settings_dialog)
    qtbot.mouseClick(settings_dialog.save_button, Qt.MouseButton.LeftButton)
    assert settings_dialog.messages.text() == "Saved."

    with qtbot.waitSignal(settings_dialog.rejected):
        close(qtbot, settings_dialog, settings_dialog.close_button, "window")
    assert not questions(settings_dialog)
