"""Renaming a client in Business > Clients while an invoice for it is open in the editor: saving the invoice keeps
that client, under its new name; the old name shown in the editor does not become a second client. A name typed
that is not on the list is still a new client, as the editor's note says."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.store.models import Client
from invoice_desktop.ui.clients_view import ClientsView
from invoice_desktop.ui.invoice_editor import InvoiceEditor
from invoice_desktop.ui.models.line_items_model import LineEntry


@pytest.fixture
def clients(main_window) -> ClientsView:
    main_window.show()
    return main_window.clients_view


def rename_in_clients_view(qtbot, main_window, old: str, new: str) -> None:
    """Business > Clients, pick the client, Enter to edit, type the new name, Save."""
    main_window.clients_action.trigger()
    view = main_window.clients_view
    assert view.select_client(catalog.find_client(old).id)
    view.view.setFocus()
    qtbot.keyClick(view.view, Qt.Key.Key_Return)
    dialog = view.dialog
    assert dialog is not None and dialog.windowTitle() == f"Edit client — {old}"
    type_into(qtbot, dialog.edits["name"], new)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and view.message.text() == f"{old} renamed to {new}."


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def save(qtbot, editor: InvoiceEditor) -> int:
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert not editor.problems.isVisible(), editor.problems.text()
    assert editor.invoice_id is not None
    return editor.invoice_id


def client_count() -> int:
    return Client.select().count()


def test_saving_a_draft_after_its_client_was_renamed_keeps_the_client(qtbot, main_window, clients, books):
    editor = main_window.invoice_windows.open_invoice(books["INV-0103"])
    assert isinstance(editor, InvoiceEditor) and editor.client_combo.currentText() == "Beta Traders"
    beta = catalog.find_client("Beta Traders")
    before = client_count()

    rename_in_clients_view(qtbot, main_window, "Beta Traders", "Beta Trading Co")
    editor.reference_edit.setText("PO-7")
    assert not editor.new_client_note.isVisible()  # the name shown is the client picked, not a new client
    save(qtbot, editor)

    detail = get_invoice_detail(books["INV-0103"])
    assert (detail.client.id, detail.client.name, detail.reference) == (beta.id, "Beta Trading Co", "PO-7")
    assert client_count() == before
    assert catalog.find_client("Beta Traders") is None


def test_a_new_invoice_for_a_client_renamed_meanwhile_goes_to_that_client(qtbot, main_window, clients, books):
    main_window.clients_action.trigger()
    acme = catalog.find_client("Acme Ltd")
    assert clients.select_client(acme.id)
    editor = clients.new_invoice_for_current()
    editor.lines_model.set_entries([LineEntry("Catering", "1", "100.00", "200", "GST on Income")])
    before = client_count()

    rename_in_clients_view(qtbot, main_window, "Acme Ltd", "Acme Group")
    invoice_id = save(qtbot, editor)

    assert get_invoice_detail(invoice_id).client.id == acme.id
    assert catalog.find_client("Acme Group").id == acme.id and catalog.find_client("Acme Ltd") is None
    assert client_count() == before


def test_a_name_typed_that_is_not_listed_is_still_a_new_client(qtbot, main_window, books):
    editor = main_window.invoice_windows.new_invoice()
    qtbot.keyClicks(editor.client_combo.lineEdit(), "Tui Bakery")
    assert editor.new_client_note.isVisible()
    assert editor.new_client_note.text() == "New client: “Tui Bakery” will be added when you save"
    editor.lines_model.set_entries([LineEntry("Catering", "1", "100.00", "200", "GST on Income")])
    before = client_count()

    invoice_id = save(qtbot, editor)

    assert get_invoice_detail(invoice_id).client.name == "Tui Bakery" and client_count() == before + 1
