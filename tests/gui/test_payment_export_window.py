"""Payments recorded in the window go to Xero (docs/product.md §4), on real widgets against the in-process sandbox
and the demo company file (sandbox_demo): the Payments group of Settings > Xero, a payment recorded in Invoice
Information sent by the window's automatic export, and failed / synced payments in the Xero Exports tab's lists
(a Type column; a payment's row apart from its invoice's).

Runs go through the real worker threads, the real SDK and the real engine; nothing is mocked, and nothing here
asserts how long anything takes."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from invoice_desktop.sandbox import seed
from invoice_desktop.ui.xero_settings_dialog import XeroSettingsDialog
from invoice_desktop.ui.xero_settings_form import SEND_PAYMENTS
from invoice_desktop.xero.settings import load_settings, save_settings

PAYMENTS_REFUSED = "Choose the bank account payments go to before sending payments to Xero."


# --- helpers ------------------------------------------------------------------------------------------------------


def tick(qtbot, box) -> None:
    """Click a check box on its indicator (its centre may lie beyond the text when the form stretches it)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def open_settings(qtbot, window) -> XeroSettingsDialog:
    window.xero_settings_action.trigger()
    dialog = window.xero_settings_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


# --- Settings > Xero: the Payments group --------------------------------------------------------------------------


def test_the_payments_group_offers_bank_accounts_and_saves_with_the_other_settings(qtbot, window) -> None:
    dialog = open_settings(qtbot, window)
    form = dialog.form
    assert form.payments_group.title() == "Payments" and form.payments_group.isVisible()
    assert form.send_payments.text() == SEND_PAYMENTS and not form.send_payments.isChecked()
    choices = combo_texts(form.payments_account)
    assert choices[0] == "Choose a bank account…"
    assert any(text.startswith(f"{seed.DEMO_BANK_ACCOUNT} — ") for text in choices)
    assert not any(text.startswith(f"{seed.DEMO_ARCHIVED_BANK_ACCOUNT} ") for text in choices)  # archived
    assert not any(text.startswith("200 ") for text in choices)  # a sales account takes no payments

    tick(qtbot, form.send_payments)  # switched on, no account: refused, nothing written
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.messages.text().startswith("Nothing was saved:")
    assert dialog.messages.problems == [PAYMENTS_REFUSED]
    assert not load_settings().send_payments

    assert form.payments_account.select_value(seed.DEMO_BANK_ACCOUNT)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.messages.text() == "Saved."
    saved = load_settings()
    assert saved.send_payments and saved.payments_account == seed.DEMO_BANK_ACCOUNT
    assert not form.has_changes()


def test_an_archived_payments_account_is_shown_marked(qtbot, window) -> None:
    settings = load_settings()
    settings.payments_account, settings.send_payments = seed.DEMO_ARCHIVED_BANK_ACCOUNT, True
    save_settings(settings, check=False)  # archived in Xero after it was chosen
    form = open_settings(qtbot, window).form
    assert form.payments_account.value() == seed.DEMO_ARCHIVED_BANK_ACCOUNT
    assert form.payments_account.currentText().endswith("(archived in Xero)")
    assert form.send_payments.isChecked() and not form.has_changes()
