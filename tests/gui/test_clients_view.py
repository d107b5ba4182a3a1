"""Business > Clients: the list with counts and amounts, search, New client / Edit / Delete through the client
dialog, refusals that change nothing, and New invoice for this client opening the editor with the client."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton, QTableView

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.catalog import ClientDetails
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.store.models import Client
from invoice_desktop.ui.client_dialog import XERO_LINK_NOTE
from invoice_desktop.ui.clients_view import ClientsView
from invoice_desktop.ui.invoice_editor import InvoiceEditor
from invoice_desktop.ui.models.client_table_model import ClientSortModel, ClientTableModel
from invoice_desktop.ui.models.line_items_model import LineEntry


@pytest.fixture
def clients(qtbot, main_window) -> ClientsView:
    main_window.show()
    main_window.clients_action.trigger()
    return main_window.clients_view


def shown(view: ClientsView, column: int = 0) -> list[str]:
    """A column as the user sees it: through the sorting proxy."""
    model = view.view.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def row_of(view: ClientsView, name: str) -> dict[str, str]:
    model = view.view.model()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    row = shown(view).index(name)
    return {title: model.index(row, c).data() for c, title in enumerate(titles)}


def pick(qtbot, view: ClientsView, name: str) -> None:
    assert view.select_client(catalog.find_client(name).id)
    view.view.setFocus()


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        edit.insert(text)  # QTest types Latin-1 only


def snapshot() -> list[tuple]:
    return list(Client.select().order_by(Client.id).tuples())


def confirm(qtbot, button_text: str) -> None:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()


# --- the list ----------------------------------------------------------------------------------------------


def test_qt_model_tester_passes(qtmodeltester, books):
    model = ClientTableModel()
    model.reload()
    qtmodeltester.check(model, force_py=True)
    model.reload("Acme")  # the tester watches the reset
    assert model.rowCount() == 1
    model.reload("")
    assert model.rowCount() == 9


def test_qt_model_tester_passes_on_the_sorted_list(qtmodeltester, books):
    model = ClientTableModel()
    model.reload()
    proxy = ClientSortModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    proxy.sort(4, Qt.SortOrder.DescendingOrder)
    model.reload("a")
    assert proxy.rowCount() == model.rowCount() > 0


def test_list_shows_counts_amounts_and_the_xero_link(clients):
    Client.update(xero_contact_id="abc-123").where(Client.name == "Acme Ltd").execute()
    clients.refresh()
    assert row_of(clients, "Acme Ltd") == {
        "Name": "Acme Ltd",
        "Email": "",
        "City": "",
        "Invoices": "3",
        "Outstanding": "3,630.00",  # INV-0088 and INV-0094 await payment; INV-0080 is paid
        "Linked in Xero": "Yes",
    }
    assert row_of(clients, "Kōwhai Landscaping Ltd")["Outstanding"] == "0.00"
    assert row_of(clients, "Beta Traders")["Linked in Xero"] == "No"


def test_sorting_by_amount_sorts_numbers(clients):
    clients.view.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    assert shown(clients)[:2] == ["Riverbend Motors", "Acme Ltd"]  # 20,704.00 before 3,630.00
    assert shown(clients, 4)[0] == "20,704.00"


def test_search_filters_by_name_email_or_city(qtbot, clients):
    catalog.get_or_create_client("Zeta Plumbing", ClientDetails(email="zeta@pipes.example", city="Nelson"))
    clients.search_box.setFocus()
    qtbot.keyClicks(clients.search_box, "nelson")
    qtbot.waitUntil(lambda: shown(clients) == ["Zeta Plumbing"])
    clients.search_box.clear()
    clients.search_box.insert("ōtaki")  # QTest types Latin-1 only
    qtbot.keyClick(clients.search_box, Qt.Key.Key_Return)  # Enter searches at once
    assert shown(clients) == ["Ōtaki Café"]
    clients.search_box.setText("nobody here")
    clients.apply_search()
    assert shown(clients) == [] and clients.message.text() == "No clients match “nobody here”."
    clients.search_box.clear()
    clients.apply_search()
    assert len(shown(clients)) == 10 and not clients.message.isVisible()


def test_buttons_need_a_client(clients):
    clients.view.setCurrentIndex(clients.view.model().index(-1, -1))
    for button in (clients.edit_button, clients.delete_button, clients.invoice_button):
        assert not button.isEnabled()
    pick(None, clients, "Acme Ltd")
    for button in (clients.edit_button, clients.delete_button, clients.invoice_button):
        assert button.isEnabled()


def test_controls_have_accessible_names(clients):
    for kind in (QPushButton, QLineEdit, QTableView):
        for widget in clients.findChildren(kind):
            assert widget.accessibleName(), widget
    dialog = clients.new_client()
    names = {e.accessibleName() for e in dialog.findChildren(QLineEdit)}
    assert names >= {"Name", "Email", "Address line 1", "Address line 4", "City", "Region", "Postal code", "Country"}
    dialog.reject()


# --- new and edit ------------------------------------------------------------------------------------------


def test_new_client(qtbot, clients):
    clients.new_button.click()
    dialog = clients.dialog
    assert dialog.isVisible() and dialog.windowTitle() == "New client"
    for field, text in (
        ("name", "Tūī Bakery"),
        ("email", "orders@tui.example"),
        ("address_line1", "3 Cuba St"),
        ("city", "Wellington"),
        ("postal_code", "6011"),
        ("country", "New Zealand"),
    ):
        type_into(qtbot, dialog.edits[field], text)
    qtbot.keyClick(dialog.edits["country"], Qt.Key.Key_Return)  # Enter saves
    assert not dialog.isVisible()
    client = catalog.find_client("Tūī Bakery")
    assert client.details == ClientDetails(
        email="orders@tui.example",
        address_line1="3 Cuba St",
        city="Wellington",
        postal_code="6011",
        country="New Zealand",
    )
    assert clients.current_client_id() == client.id  # the new client is the current row
    assert row_of(clients, "Tūī Bakery")["Invoices"] == "0"
    assert clients.message.text() == "Tūī Bakery saved."


def test_rename_with_enter_and_the_invoice_lists_follow(qtbot, main_window, clients):
    pick(qtbot, clients, "Beta Traders")
    qtbot.keyClick(clients.view, Qt.Key.Key_Return)  # Enter edits
    dialog = clients.dialog
    assert dialog.windowTitle() == "Edit client — Beta Traders"
    assert not dialog.xero_note.isVisible()
    type_into(qtbot, dialog.edits["name"], "Beta Trading Co")
    dialog.save_button.click()
    assert "Beta Trading Co" in shown(clients) and "Beta Traders" not in shown(clients)
    assert clients.current_client().name == "Beta Trading Co"
    assert clients.message.text() == "Beta Traders renamed to Beta Trading Co."
    main_window.invoices_action.trigger()
    draft = main_window.invoice_manager.pages[Tab.DRAFT].model
    assert {draft.invoice_at(r).client for r in range(draft.rowCount())} >= {"Beta Trading Co"}
    assert "Beta Traders" not in {draft.invoice_at(r).client for r in range(draft.rowCount())}


def test_double_click_edits(qtbot, clients):
    pick(qtbot, clients, "Summit Physio")
    index = clients.view.currentIndex()
    rect = clients.view.visualRect(index)
    qtbot.mouseClick(clients.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a real one starts so
    assert clients.dialog is None
    qtbot.mouseDClick(clients.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clients.dialog is not None and clients.dialog.windowTitle() == "Edit client — Summit Physio"
    clients.dialog.reject()


def test_a_linked_client_says_the_xero_contact_keeps_its_name(qtbot, clients):
    Client.update(xero_contact_id="abc-123").where(Client.name == "Acme Ltd").execute()
    clients.refresh()
    pick(qtbot, clients, "Acme Ltd")
    dialog = clients.edit_current()
    assert dialog.xero_note.isVisible() and dialog.xero_note.text() == XERO_LINK_NOTE
    assert "does not rename the contact in Xero" in XERO_LINK_NOTE
    type_into(qtbot, dialog.edits["name"], "Acme Group")
    dialog.save()
    renamed = catalog.find_client("Acme Group")
    assert renamed.xero_contact_id == "abc-123"
    assert row_of(clients, "Acme Group")["Linked in Xero"] == "Yes"


def test_duplicate_name_is_refused_and_nothing_changes(qtbot, clients):
    pick(qtbot, clients, "Acme Ltd")
    before = snapshot()
    dialog = clients.edit_current()
    type_into(qtbot, dialog.edits["name"], "beta traders")
    type_into(qtbot, dialog.edits["email"], "new@acme.example")
    dialog.save_button.click()
    assert dialog.isVisible()  # still open, to fix
    assert dialog.problems.text() == "Not saved — 1 problem:\n• Name: there is already a client named “Beta Traders”"
    assert dialog.focusWidget() is dialog.edits["name"]  # the cursor goes to the field to fix
    assert snapshot() == before
    assert "Acme Ltd" in shown(clients)
    dialog.reject()


def test_empty_name_and_malformed_email_are_both_reported(qtbot, clients):
    dialog = clients.new_client()
    type_into(qtbot, dialog.edits["email"], "accounts at acme")
    dialog.save()
    assert dialog.problems.text().splitlines() == [
        "Not saved — 2 problems:",
        "• Name: a client needs a name",
        "• Email: “accounts at acme” is not an email address (like name@example.com)",
    ]
    assert dialog.edits["email"].accessibleDescription().startswith("“accounts at acme” is not")
    assert Client.select().count() == 9
    type_into(qtbot, dialog.edits["name"], "Acme Two")
    type_into(qtbot, dialog.edits["email"], "accounts@acme.example")
    assert dialog.save() is not None
    assert Client.select().count() == 10


# --- delete ------------------------------------------------------------------------------------------------


def test_delete_is_refused_for_a_client_with_invoices(qtbot, clients):
    pick(qtbot, clients, "Harbourside Dental")
    before = snapshot()
    assert clients.ask_delete() is None  # nothing to confirm
    assert clients.message.text() == (
        "“Harbourside Dental” has 3 invoices and cannot be deleted: every invoice keeps its client."
    )
    assert snapshot() == before


def test_delete_a_client_without_invoices_after_confirming(qtbot, clients):
    catalog.get_or_create_client("Short-lived Ltd")
    clients.refresh()
    pick(qtbot, clients, "Short-lived Ltd")
    qtbot.keyClick(clients.view, Qt.Key.Key_Delete)
    confirm(qtbot, "Cancel")
    assert catalog.find_client("Short-lived Ltd") is not None
    clients.delete_button.click()
    confirm(qtbot, "Delete client")
    assert catalog.find_client("Short-lived Ltd") is None
    assert "Short-lived Ltd" not in shown(clients)
    assert clients.message.text() == "Short-lived Ltd deleted."


# --- new invoice for this client ---------------------------------------------------------------------------


def test_new_invoice_for_this_client(qtbot, main_window, clients):
    pick(qtbot, clients, "Ōtaki Café")
    clients.invoice_button.click()
    editors = [w for w in main_window.findChildren(InvoiceEditor) if w.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    assert editor.windowTitle() == "New invoice"
    assert editor.client_combo.currentText() == "Ōtaki Café"
    assert not editor.new_client_note.isVisible()  # a known client
    editor.lines_model.set_entries([LineEntry("Catering", "1", "100.00", "200", "GST on Income")])
    with qtbot.waitSignal(main_window.invoice_windows.invoices_changed):
        assert editor.save() is not None
    assert row_of(clients, "Ōtaki Café")["Invoices"] == "2"  # the list heard about the new invoice


def test_clients_view_on_its_own_opens_its_own_editor(qtbot, books):
    view = ClientsView()
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert view.select_client(catalog.find_client("Acme Ltd").id)
    editor = view.new_invoice_for_current()
    qtbot.addWidget(editor)
    assert editor.client_combo.currentText() == "Acme Ltd"
    editor.reject()


# --- details from an imported CSV --------------------------------------------------------------------------------

_CSV_HEADER = "*ContactName,EmailAddress,POCity,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,"
_CSV_HEADER += "*UnitAmount,*AccountCode,*TaxType"


def test_the_email_and_city_an_imported_file_gives_show_in_the_list(qtbot, main_window, clients):
    """Issue 17: the Clients list's Email and City were empty though the file carried them, for a client that
    existed already (kept as it was) and for one whose first invoice in the file left them blank."""
    from invoice_desktop.ledger.clients import update_client

    acme_id = catalog.find_client("Acme Ltd").id
    update_client(acme_id, "Acme Ltd", ClientDetails(email="accounts@acme.example", city="Wellington"))
    rows = [
        _CSV_HEADER,
        "Harbourside Dental,frontdesk@harbourside.example,Napier,INV-0301,01/11/2026,15/11/2026,Check-up,1,80,200,"
        "GST on Income",
        "Acme Ltd,other@acme.example,Auckland,INV-0302,01/11/2026,15/11/2026,Pipes,1,50,200,GST on Income",
        "Quay Florist,,,INV-0303,01/11/2026,15/11/2026,Vases,1,30,200,GST on Income",
        "Quay Florist,hello@quayflorist.example,Nelson,INV-0304,02/11/2026,16/11/2026,Vases,1,30,200,GST on Income",
    ]
    from invoice_desktop.ledger.csv_import import import_csv_text

    result = import_csv_text("\n".join(rows) + "\n")
    assert result.ok, result
    clients.refresh()
    harbourside = row_of(clients, "Harbourside Dental")
    assert (harbourside["Email"], harbourside["City"]) == ("frontdesk@harbourside.example", "Napier")  # blanks filled
    acme = row_of(clients, "Acme Ltd")
    assert (acme["Email"], acme["City"]) == ("accounts@acme.example", "Wellington")  # what it had is kept
    quay = row_of(clients, "Quay Florist")
    assert (quay["Email"], quay["City"]) == ("hello@quayflorist.example", "Nelson")
