"""Text from a user, a file or Xero is shown as it is, never as markup (ui.plain_text): an invoice number, a client
name, a reference, a line, a payment reference, Xero's error words, its hint, an export note, an organisation's and
an account's name holding `<b>`, `<img>`, `<a href>`, `&amp;`, "[*]" and "&" show character for character in every
window that shows them: labels, tooltips (the models' ToolTipRole data too), message boxes, input dialogs, window
titles, buttons, menu items, the status bar and the message lines. Each test sweeps the whole window with
markup_probe and checks the places a person would look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from gui_books import TODAY, set_export
from markup_probe import assert_shown_literally, hostile, shown, shown_title, visible_tooltip
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox, QToolTip

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    record_payment,
    renumber_invoice,
)
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.store.models import Client, ExportState, XeroExport
from invoice_desktop.store.settings import set_setting
from invoice_desktop.ui.invoice_information import InvoiceInformation
from invoice_desktop.ui.models.line_items_model import COLUMN_OF
from invoice_desktop.ui.models.xero_synced_model import OPEN_COLUMN
from invoice_desktop.ui.xero_actions import XeroActionResult
from invoice_desktop.ui.xero_exports_page import XeroExportsPage
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.export_actions import list_failed

NUMBER = hostile("QQnumber")  # an invoice Xero refused
SYNCED = hostile("QQsynced")  # an invoice in Xero
DRAFT = hostile("QQdraft")
CLIENT = hostile("QQclient")
REFERENCE = hostile("QQref")
LINE = hostile("QQline")
PAYMENT = hostile("QQpay")
XERO_SAID = hostile("QQxero")  # Xero's own words
HINT = hostile("QQhint")  # names the account or contact to fix, as Xero spells it
NOTE = hostile("QQnote")
CONTACT = hostile("QQcontact")  # a Xero contact id
PREFIX = hostile("QQprefix")  # the numbering's prefix
VALUES = (NUMBER, SYNCED, DRAFT, CLIENT, REFERENCE, LINE, PAYMENT, XERO_SAID, HINT, NOTE, CONTACT, PREFIX)


def draft(number: str, reference: str = "") -> int:
    line = LineDraft(LINE, Decimal(1), Decimal("100.00"), "200", "GST on Income")
    due = TODAY + timedelta(days=30)
    return create_invoice(InvoiceDraft(CLIENT, TODAY, due, reference=reference, lines=[line], number=number))


@pytest.fixture
def hostile_books(books) -> dict[str, int]:
    """The demo books plus invoices, a client and Xero's words holding markup."""
    ids = {"failed": draft(NUMBER, REFERENCE), "synced": draft(SYNCED), "draft": draft(DRAFT)}
    approve_invoices([ids["failed"], ids["synced"]])
    set_export(ids["failed"], ExportState.FAILED.value, "duplicate_number", XERO_SAID)
    XeroExport.update(hint=HINT, attempts=1).where(XeroExport.invoice == ids["failed"]).execute()
    XeroExport.update(
        state=ExportState.SYNCED.value,
        xero_invoice_id="5e1c2b6a-0d4f-4b8e-9a4b-0c7d1e2f3a4b",
        note=NOTE,
        synced_at=datetime(2024, 5, 14, 9, 0, tzinfo=UTC),
    ).where(XeroExport.invoice == ids["synced"]).execute()
    record_payment(ids["failed"], TODAY, Decimal("10.00"), PAYMENT)
    Client.update(xero_contact_id=CONTACT).where(Client.name == CLIENT).execute()
    set_setting("numbering.prefix", PREFIX)
    return ids


def places(widget, *values: str) -> list[str]:
    """Where `values` show in `widget` (each whole and as it is: assert_shown_literally fails otherwise)."""
    return [where for where, _text in assert_shown_literally(widget, *values)]


def hover(qtbot, view, index) -> QLabel:
    """Hover a cell the way Qt does (a ToolTip help event) and return the tooltip on screen."""
    QToolTip.hideText()
    centre = view.visualRect(index).center()
    qtbot.mouseMove(view.viewport(), centre)
    view.viewportEvent(QHelpEvent(QEvent.Type.ToolTip, centre, view.viewport().mapToGlobal(centre)))
    qtbot.waitUntil(QToolTip.isVisible)
    return visible_tooltip()


def row_of(model, number: str) -> int:
    return next(
        r for r in range(model.rowCount()) if model.index(r, 1 if model.columns[0].check else 0).data() == number
    )


# --- the invoice lists and the Xero Exports tab ------------------------------------------------------------------


def test_the_invoice_lists_and_their_tooltips(qtbot, main_window, hostile_books):
    xero_settings.save_connection(xero_settings.Organisation("tenant-1", "Demo Company"), "CLIENT", [])
    set_setting(xero_settings.KEY_ENABLED, True)  # the Xero column shows while the interface is set up and enabled
    main_window.update_xero_status()
    main_window.show()
    main_window.invoice_manager.show_tab(Tab.AWAITING_PAYMENT)
    view = main_window.invoice_manager.pages[Tab.AWAITING_PAYMENT].view
    model = view.model()
    shown_at = places(main_window, *VALUES)
    assert any("cell" in w and "tooltip" in w for w in shown_at)  # the models' tooltips were swept

    row = row_of(model, NUMBER)
    number_tip = hover(qtbot, view, model.index(row, 0))
    assert shown(number_tip.text(), number_tip.textFormat()) == f"Open {NUMBER}"
    xero = next(c for c, column in enumerate(model.columns) if column.title == "Xero")
    error_tip = hover(qtbot, view, model.index(row, xero))
    assert XERO_SAID in shown(error_tip.text(), error_tip.textFormat())
    QToolTip.hideText()


def test_the_xero_exports_tables(qtbot, app_context, hostile_books):
    page = XeroExportsPage(app_context)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert any("tooltip" in w for w in places(page, NUMBER, XERO_SAID, HINT))  # Sync Failed's tooltip
    page.show_tile(Tile.SYNCED)
    model = page.synced_model
    row = row_of(model, SYNCED)
    assert NOTE in shown(model.index(row, OPEN_COLUMN).data(Qt.ItemDataRole.ToolTipRole))  # Open in Xero, with the note
    places(page, SYNCED, NOTE)

    page.failed._show_error("The ticked invoices could not be resynced.", XERO_SAID)  # the Resync error box
    box = page.failed.error_box
    assert box is not None and box.textFormat() == Qt.TextFormat.PlainText
    assert places(box, XERO_SAID)
    box.close()


def test_the_resync_result_names_the_invoices_as_they_are(qtbot, window):
    """A real Resync against the sandbox: an invoice Xero still refuses (its contact is archived there), numbered with
    markup; the result line under the table and the row's tooltips show the number as it is."""
    archived = next(row for row in list_failed() if row.category == "archived_contact")
    renumber_invoice(archived.invoice_id, NUMBER)
    page = window.xero_exports.page
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.refresh()
    page.failed_model.checks.set_checked([archived.invoice_id], True)
    with qtbot.waitSignal(page.failed.resync_finished, timeout=60_000):
        page.failed.resync_bar.button.click()
    message = page.failed.resync_bar.message.text()
    assert message.startswith("0 exported, 1 still failing: ") and NUMBER in message
    assert any("Resync result" in where for where in places(window, NUMBER))


# --- Invoice Information and what opens from it -------------------------------------------------------------------


class Actions:
    """The export engine's answers, naming the invoice as it does."""

    def export_now(self, invoice_id: int) -> XeroActionResult:
        return XeroActionResult(False, f"{NUMBER} was not exported — Xero said: {XERO_SAID}")

    def mark_in_xero(self, invoice_id: int, reference: str | None) -> XeroActionResult:
        return XeroActionResult(True, f"{NUMBER} is marked as already in Xero, linked to Xero invoice {reference}.")

    def dont_send(self, invoice_id: int) -> XeroActionResult:
        return XeroActionResult(True, f"{NUMBER} will not be sent to Xero.")


def open_info(qtbot, invoice_id: int) -> InvoiceInformation:
    window = InvoiceInformation(invoice_id, Actions(), today=lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_invoice_information_shows_every_field_as_it_is(qtbot, hostile_books):
    window = open_info(qtbot, hostile_books["failed"])
    assert shown_title(window) == f"Invoice Information — {NUMBER}"
    assert window.title.text() == f"Invoice {NUMBER}" and window.title.textFormat() == Qt.TextFormat.PlainText
    assert (window.client_label.text(), window.reference_label.text()) == (CLIENT, REFERENCE)
    assert shown(window.lines_model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)) == LINE
    assert window.xero_panel.xero_words.text() == f"“{XERO_SAID}”" and window.xero_panel.hint_label.text() == HINT
    shown_texts = [text for _where, text in assert_shown_literally(window, *VALUES)]
    for value in (NUMBER, CLIENT, REFERENCE, LINE, PAYMENT, XERO_SAID, HINT):
        assert any(value in text for text in shown_texts), value

    with qtbot.waitSignal(window.invoice_changed):
        window.export_now()  # the engine's answer, in the message line
    assert window.message.text() == f"{NUMBER} was not exported — Xero said: {XERO_SAID}"
    places(window, NUMBER, XERO_SAID)


def test_the_options_menu_and_the_void_question(qtbot, hostile_books):
    window = open_info(qtbot, hostile_books["synced"])
    assert window.xero_panel.note_label.text() == NOTE
    places(window, *VALUES)
    assert shown(window.renumber_action.toolTip()) == f"{SYNCED} is in Xero already: its number cannot change here"
    assert any("item tooltip" in w for w in places(window.options_menu, SYNCED))

    box = window.ask_void()
    qtbot.waitUntil(box.isVisible)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert any(SYNCED in text for _where, text in assert_shown_literally(box, SYNCED))
    box.button(QMessageBox.StandardButton.Cancel).click()


def test_the_payment_renumber_and_mark_in_xero_dialogs(qtbot, hostile_books):
    window = open_info(qtbot, hostile_books["failed"])

    payment = window.open_record_payment()
    assert payment is not None
    qtbot.waitExposed(payment)
    assert shown_title(payment) == f"Record payment — {NUMBER}"
    places(payment, NUMBER)
    payment.reject()

    renumber = window.open_renumber()
    qtbot.waitExposed(renumber)
    assert shown_title(renumber) == f"Renumber — {NUMBER}"
    assert renumber.suggestion.startswith(PREFIX)
    assert renumber.suggest_button.text().replace("&&", "&").endswith(renumber.suggestion)
    shown_at = places(renumber, NUMBER, PREFIX)
    assert any("QPushButton" in w for w in shown_at)  # "&" in the next number is not a shortcut mark
    renumber.reject()

    mark = window.ask_mark_in_xero()
    qtbot.waitExposed(mark)
    assert isinstance(mark, QInputDialog)
    assert any("QLabel" in w for w in places(mark, NUMBER))
    with qtbot.waitSignal(window.invoice_changed):
        mark.setTextValue(REFERENCE)
        mark.accept()
    assert window.message.text().endswith(f"linked to Xero invoice {REFERENCE}.")
    places(window, NUMBER, REFERENCE)


# --- the editor, the Draft tab's Approve, the clients -------------------------------------------------------------


def test_the_editor_and_its_questions(qtbot, main_window, hostile_books):
    main_window.show()
    editor = main_window.invoice_windows.open_invoice(hostile_books["draft"])
    qtbot.waitExposed(editor)
    assert shown_title(editor) == f"Edit draft — {DRAFT}"
    places(editor, DRAFT, LINE)

    new_client = hostile("QQnewclient")
    editor.client_combo.setEditText(new_client)
    assert editor.new_client_note.text() == f"New client: “{new_client}” will be added when you save"
    places(editor, new_client)

    quantity = editor.lines_model.index(0, COLUMN_OF["quantity"])
    editor.lines_model.setData(quantity, hostile("QQqty"))
    assert editor.save() is None
    assert hostile("QQqty") in shown(quantity.data(Qt.ItemDataRole.ToolTipRole))  # the cell's problem
    assert any("tooltip" in w for w in places(editor, hostile("QQqty")))

    box = editor.ask_delete()
    qtbot.waitUntil(box.isVisible)
    assert box.textFormat() == Qt.TextFormat.PlainText and places(box, DRAFT)
    box.button(QMessageBox.StandardButton.Cancel).click()
    editor.discard()


def test_approve_says_what_it_did_with_the_numbers_as_they_are(qtbot, main_window, hostile_books):
    main_window.show()
    main_window.invoice_manager.show_tab(Tab.DRAFT)
    page = main_window.invoice_manager.pages[Tab.DRAFT]
    page.model.checks.set_checked([hostile_books["draft"]], True)
    page.approve_bar.button.click()
    assert DRAFT in page.approve_bar.message.text()
    assert any("Approve result" in w for w in places(main_window, DRAFT))


def test_the_clients_list_and_its_dialogs(qtbot, main_window, hostile_books):
    main_window.show()
    main_window.show_clients()
    clients = main_window.clients_view
    clients.select_client(catalog.find_client(CLIENT).id)
    assert shown(clients.invoice_button.toolTip()) == f"A new invoice for {CLIENT}"
    shown_at = places(main_window, CLIENT, CONTACT)
    assert any("cell" in w and "tooltip" in w for w in shown_at)  # Linked in Xero: the contact id

    dialog = clients.edit_current()
    qtbot.waitExposed(dialog)
    assert shown_title(dialog) == f"Edit client — {CLIENT}"
    dialog.reject()

    lonely = hostile("QQlonely")
    catalog.get_or_create_client(lonely)
    clients.refresh()
    clients.select_client(catalog.find_client(lonely).id)
    box = clients.ask_delete()
    qtbot.waitUntil(box.isVisible)
    assert places(box, lonely)
    destructive = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    destructive.click()
    assert clients.message.text() == f"{lonely} deleted."

    clients.search_box.setText(hostile("QQsearch"))
    clients.apply_search()
    assert places(clients, hostile("QQsearch"))


def test_the_status_bar_names_the_organisation_as_xero_spells_it(main_window, hostile_books):
    organisation = hostile("QQorg")
    reason = hostile("QQdropped")
    xero_settings.save_connection(
        xero_settings.Organisation("9a0b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d", organisation, "ORGANISATION"), "CLIENT", []
    )
    xero_settings.mark_dropped(reason)
    main_window.update_xero_status()
    label = main_window.xero_status
    assert organisation in label.text() and label.textFormat() == Qt.TextFormat.PlainText
    assert reason in shown(label.toolTip())
    places(main_window.statusBar(), organisation, reason)
    main_window.statusBar().showMessage(f"{NUMBER} saved as a draft.")
    assert places(main_window.statusBar(), NUMBER)
