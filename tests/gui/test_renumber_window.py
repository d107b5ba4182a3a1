"""Invoice Information > Options > Renumber… on the sandbox demo: INV-0042, which Xero refused because its own
INV-0042 is somebody else's invoice, gets the next free number, then Resync (Xero Exports tab) or Options >
Export to Xero sends it and it moves to Synced. Refused, with the tooltip saying why, once it is in Xero.

The real window, the real export engine and the in-process sandbox; nothing is mocked."""

from __future__ import annotations

import pytest
from markup_probe import shown
from PySide6.QtCore import Qt

from invoice_desktop.ledger.invoices import get_invoice_detail, invoice_ids_by_number, next_number
from invoice_desktop.store.models import ExportState
from invoice_desktop.ui.invoice_information import InvoiceInformation, RenumberDialog
from invoice_desktop.ui.message_bar import Tone
from invoice_desktop.xero.export_actions import list_failed, list_synced

RUN_TIMEOUT = 60_000
DUPLICATE = "INV-0042"


@pytest.fixture
def duplicate(window) -> tuple[int, InvoiceInformation]:
    """INV-0042 failed as duplicate_number, open in Invoice Information."""
    invoice_id = invoice_ids_by_number([DUPLICATE])[DUPLICATE]
    export = get_invoice_detail(invoice_id).export
    assert export is not None and export.state is ExportState.FAILED and export.category == "duplicate_number"
    info = window.invoice_windows.open_invoice(invoice_id)
    assert isinstance(info, InvoiceInformation)
    return invoice_id, info


def renumber(qtbot, info: InvoiceInformation) -> tuple[RenumberDialog, str]:
    """Options > Renumber…, the suggested next number, Renumber: the window re-reads and says so."""
    dialog = info.open_renumber()
    suggestion = dialog.suggestion
    qtbot.mouseClick(dialog.suggest_button, Qt.MouseButton.LeftButton)
    assert dialog.number_edit.text() == suggestion
    with qtbot.waitSignal(info.invoice_changed, timeout=5_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return dialog, suggestion


def test_renumber_then_resync_from_the_xero_exports_tab(qtbot, window, duplicate):
    invoice_id, info = duplicate
    assert "Invoice Information > Options > Renumber…" in get_invoice_detail(invoice_id).export.hint
    assert info.renumber_action.isEnabled()
    assert shown(info.renumber_action.toolTip()) == "Give this invoice a new number (it is not in Xero)"

    dialog = info.open_renumber()
    assert dialog.number_edit.text() == DUPLICATE and dialog.number_edit.selectedText() == DUPLICATE
    assert dialog.suggestion == next_number() and dialog.suggestion in dialog.suggest_button.text()
    taken = next(row.number for row in list_synced())  # another invoice's number: refused in the dialog
    dialog.number_edit.setText(taken)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.problems.tone is Tone.PROBLEM
    assert dialog.problems.text() == f"Invoice number: {taken} is already used by another invoice"
    assert get_invoice_detail(invoice_id).number == DUPLICATE  # nothing changed
    dialog.reject()

    _, new = renumber(qtbot, info)
    assert info.message.text() == (
        f"{DUPLICATE} is now {new}. Resync it (or Options > Export to Xero) to send it to Xero with its new number."
    )
    assert info.title.text() == f"Invoice {new}"
    detail = get_invoice_detail(invoice_id)
    assert detail.number == new and detail.export.state is ExportState.FAILED  # until the Resync
    assert detail.export.note == f"Renumbered from {DUPLICATE}."
    assert info.xero_panel.note_label.text() == f"Renumbered from {DUPLICATE}."

    page = window.xero_exports.page
    window.invoice_manager.tabs.setCurrentWidget(page)
    model = page.failed_model
    qtbot.waitUntil(lambda: new in [model.record_at(r).number for r in range(model.rowCount())], timeout=5_000)
    assert DUPLICATE not in [model.record_at(r).number for r in range(model.rowCount())]

    row = [model.record_at(r).number for r in range(model.rowCount())].index(new)
    view = page.failed.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(model.index(row, 0)).center())
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(page.failed.resync_bar.button, Qt.MouseButton.LeftButton)

    assert page.failed.resync_bar.message.text().startswith("1 exported")
    export = get_invoice_detail(invoice_id).export
    assert export.state is ExportState.SYNCED and export.xero_invoice_id
    assert new in [row.number for row in list_synced()]
    assert new not in [row.number for row in list_failed()]

    qtbot.waitUntil(lambda: not info.renumber_action.isEnabled(), timeout=5_000)  # open windows re-read
    assert shown(info.renumber_action.toolTip()) == f"{new} is in Xero already: its number cannot change here"


def test_renumber_then_export_to_xero_from_options(qtbot, window, duplicate):
    invoice_id, info = duplicate
    _, new = renumber(qtbot, info)
    with qtbot.waitSignal(info.invoice_changed, timeout=RUN_TIMEOUT):
        info.export_action.trigger()
    assert info.message.text() == f"{new} exported to Xero."
    assert get_invoice_detail(invoice_id).export.state is ExportState.SYNCED
    assert not info.renumber_action.isEnabled()
    assert shown(info.renumber_action.toolTip()) == f"{new} is in Xero already: its number cannot change here"


def test_refused_for_a_synced_invoice_with_the_tooltip(window):
    synced = list_synced()[0]
    info = window.invoice_windows.open_invoice(synced.invoice_id)
    assert isinstance(info, InvoiceInformation)
    assert not info.renumber_action.isEnabled()
    assert shown(info.renumber_action.toolTip()) == f"{synced.number} is in Xero already: its number cannot change here"


def test_who_renumbered_shows_in_the_history_under_the_name_set_in_settings(qtbot, window, duplicate):
    """Who did what, through the window: the desk's name is changed in Settings > Xero, then a renumber in Invoice
    Information shows in its History with that name in the By column."""
    window.show_xero_settings()
    settings = window.xero_settings_dialog
    assert settings is not None
    settings.desk.name_edit.setText("Alex Ng")
    qtbot.mouseClick(settings.desk.save_button, Qt.MouseButton.LeftButton)
    settings.reject()

    _invoice_id, info = duplicate
    _dialog, new_number = renumber(qtbot, info)
    history = info.xero_panel.history_model
    assert history.index(0, 1).data() == "Renumbered"
    assert history.index(0, 2).data() == "Alex Ng"
    assert history.index(0, 4).data() == f"Renumbered from {DUPLICATE} to {new_number}."
