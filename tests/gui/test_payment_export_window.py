"""Payments recorded in the window go to Xero (docs/product.md §4), on real widgets against the in-process sandbox
and the demo company file (sandbox_demo): the Payments group of Settings > Xero, a payment recorded in Invoice
Information sent by the window's automatic export, and failed / synced payments in the Xero Exports tab's lists
(a Type column; a payment's row apart from its invoice's).

Runs go through the real worker threads, the real SDK and the real engine; nothing is mocked, and nothing here
asserts how long anything takes."""

from __future__ import annotations

from decimal import Decimal

from markup_probe import shown
from PySide6.QtCore import QPoint, Qt

from invoice_desktop.ledger.queries import InvoiceRow, Tab, list_invoices
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.faults import FaultKind
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, XeroPaymentExport
from invoice_desktop.store.settings import set_setting
from invoice_desktop.ui.auto_export import RunReport
from invoice_desktop.ui.invoice_information import InvoiceInformation
from invoice_desktop.ui.models.xero_failed_model import STATUS_COLUMN, SYNC_FAILED, error_lines
from invoice_desktop.ui.models.xero_synced_model import OPEN_COLUMN
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.ui.xero_settings_dialog import XeroSettingsDialog
from invoice_desktop.ui.xero_settings_form import SEND_PAYMENTS
from invoice_desktop.xero.export_actions import list_failed, payment_key
from invoice_desktop.xero.settings import KEY_IMPORT_PAYMENTS, load_settings, save_settings

RUN_TIMEOUT = 60_000  # an upper bound for a hung test, not a timing assertion
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


def send_payments(on: bool = True, account: str = seed.DEMO_BANK_ACCOUNT) -> None:
    settings = load_settings()
    settings.payments_account, settings.send_payments = account, on
    save_settings(settings, check=False)


def the_payment_id() -> int:
    [row] = XeroPaymentExport.select()
    return int(row.payment_id)


def sent_and_settled(qtbot, window, state: ExportState) -> None:
    """The automatic run took the payment to `state` and is over."""
    qtbot.waitUntil(lambda: payment_state() is state and not window.auto_export.running, timeout=RUN_TIMEOUT)


def type_of(model, key: int) -> str:
    row = model.row_of(key)
    assert row is not None, f"row {key} is not listed"
    return model.index(row, [c.title for c in model.columns].index("Type")).data()


def payment_state() -> ExportState | None:
    """The state of the one payment recorded here that goes to Xero."""
    row = XeroPaymentExport.get_or_none()
    return None if row is None else ExportState(row.state)


def synced_unpaid() -> InvoiceRow:
    """An invoice awaiting payment that is in Xero, nothing paid yet."""
    rows = [
        r
        for r in list_invoices(Tab.AWAITING_PAYMENT)
        if r.xero_state == ExportState.SYNCED.value and r.amount_paid == 0 and not r.xero_flag
    ]
    assert rows, "the demo company file has no synced invoice awaiting payment"
    return rows[0]


def record_in_window(qtbot, window, invoice_id: int, amount: str, reference: str = "") -> InvoiceInformation:
    """Invoice Information > Record payment, typed in and OK'd; returns the Invoice Information window."""
    info = window.invoice_windows.open_invoice(invoice_id)
    assert isinstance(info, InvoiceInformation)
    dialog = info.open_record_payment()
    assert dialog is not None, info.message.text()
    dialog.amount_edit.setText(amount)
    dialog.reference_edit.setText(reference)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return info


def xero_payments(demo, number: str) -> list:
    org = demo.sandbox.control.organisation(seed.DEMO_TENANT_ID)
    with demo.sandbox.state.lock:
        [invoice] = [i for i in org.invoices.values() if i.invoice_number == number]
        return [org.payments[p] for p in invoice.payment_ids if org.payments[p].status != "DELETED"]


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


# --- Record payment: sent by the window's automatic export --------------------------------------------------------


def test_a_payment_recorded_on_a_synced_invoice_is_sent_by_the_background_export(qtbot, demo, window) -> None:
    send_payments()
    row = synced_unpaid()
    auto = window.auto_export
    reports: list[object] = []
    auto.run_finished.connect(lambda: reports.append(auto.last_report))
    info = record_in_window(qtbot, window, row.id, "25.00", "EFT 881")
    assert info.message.text().endswith("It is sent to Xero with the next sync.")
    qtbot.waitUntil(lambda: payment_state() is ExportState.SYNCED and not auto.running, timeout=RUN_TIMEOUT)
    [export] = XeroPaymentExport.select()
    assert export.xero_payment_id
    [held] = xero_payments(demo, row.number)
    assert held.amount == Decimal("25.00") and "EFT 881" in held.reference
    summaries = [r.summary for r in reports if isinstance(r, RunReport) and r.summary is not None]
    assert [o.kind for s in summaries for o in s.synced] == ["payment"]  # sent once, by the automatic run
    qtbot.waitUntil(lambda: info.payments.model().rowCount() == 1)
    source = info.payments.model().index(0, 3)
    qtbot.waitUntil(lambda: source.data() == "Entered here — sent to Xero", timeout=RUN_TIMEOUT)


# --- the Failed and Synced lists: payments among the invoices -----------------------------------------------------


def test_a_failed_payment_is_listed_explained_resynced_and_moves_to_synced(qtbot, demo, window) -> None:
    send_payments(account=seed.DEMO_ARCHIVED_BANK_ACCOUNT)  # archived in Xero: the payment cannot go there
    row = synced_unpaid()
    record_in_window(qtbot, window, row.id, "30.00")
    sent_and_settled(qtbot, window, ExportState.FAILED)
    assert xero_payments(demo, row.number) == []
    payment = payment_key(the_payment_id())

    page = window.xero_exports.page
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.show_tile(Tile.FAILED)
    page.refresh()
    failed = page.failed_model
    invoices_failed = [k for k in failed.loaded_ids() if k > 0]  # the demo's failed invoices, listed as before
    assert invoices_failed and payment in failed.loaded_ids() and row.id not in failed.loaded_ids()
    assert type_of(failed, payment) == "Payment" and {type_of(failed, k) for k in invoices_failed} == {"Invoice"}
    assert page.failed_count == len(invoices_failed) + 1  # the tile counts the payment
    record = failed.record_of(payment)
    assert record is not None and record.number == row.number and record.total == "30.00"
    status = failed.index(failed.row_of(payment), STATUS_COLUMN)
    assert status.data() == SYNC_FAILED
    tip = shown(status.data(Qt.ItemDataRole.ToolTipRole))
    assert record.hint and "archived" in record.hint and record.hint in tip
    assert all(line in tip for line in error_lines(record))

    send_payments(account=seed.DEMO_BANK_ACCOUNT)  # the cause fixed: an active bank account
    view = page.failed.view
    box = view.visualRect(failed.index(failed.row_of(payment), 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())  # ticked as the user does
    assert failed.checks.ids() == [payment]
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        page.failed.resync_bar.button.click()
    assert payment_state() is ExportState.SYNCED
    [held] = xero_payments(demo, row.number)
    assert held.amount == Decimal("30.00")
    summary = page.failed.last_summary
    assert summary is not None and [(o.kind, o.state) for o in summary.outcomes] == [("payment", ExportState.SYNCED)]
    qtbot.waitUntil(lambda: payment not in failed.loaded_ids())
    assert set(invoices_failed) <= set(failed.loaded_ids())  # the failed invoices were not sent

    page.show_tile(Tile.SYNCED)
    page.refresh()
    synced = page.synced_model
    while synced.canFetchMore():
        synced.fetchMore()
    assert type_of(synced, row.id) == "Invoice" and type_of(synced, payment) == "Payment"  # two rows, no clash
    invoice_row, payment_row = synced.row_of(row.id), synced.row_of(payment)
    assert invoice_row != payment_row
    assert synced.index(invoice_row, OPEN_COLUMN).data() == "Open in Xero"
    assert synced.index(payment_row, OPEN_COLUMN).data() == "Open in Xero"  # its invoice's page lists it
    tip = synced.index(payment_row, OPEN_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
    assert held.payment_id.lower() in tip.lower() and shown(tip).startswith(f"Open {row.number} in Xero")
    opened: list[object] = []
    page.synced.open_url = lambda url: opened.append(url) or True
    assert page.synced.open_in_xero(payment) and page.synced.open_in_xero(row.id)
    assert opened[0] == opened[1]  # the payment opens its invoice in Xero
    assert synced.record_of(row.id).xero_invoice_id in opened[0].toString()


def test_more_than_xero_has_due_shows_xeros_words_and_the_hint(qtbot, demo, window) -> None:
    set_setting(KEY_IMPORT_PAYMENTS, False)  # the payment recorded in Xero below stays unknown here
    send_payments()
    row = synced_unpaid()
    in_xero = row.amount_due - Decimal("10.00")  # all but 10.00 paid in Xero; 20.00 recorded here is too much
    demo.sandbox.control.record_payment(row.number, in_xero, reference="paid in Xero")
    record_in_window(qtbot, window, row.id, "20.00")
    sent_and_settled(qtbot, window, ExportState.FAILED)
    assert len(xero_payments(demo, row.number)) == 1  # Xero's own, not a second one

    page = window.xero_exports.page
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.show_tile(Tile.FAILED)
    page.refresh()
    failed = page.failed_model
    payment = payment_key(the_payment_id())
    record = failed.record_of(payment)
    assert record is not None and record.category is FailureCategory.PAYMENT_OVER_DUE
    tip = shown(failed.index(failed.row_of(payment), STATUS_COLUMN).data(Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("Payment amount is more than the amount due")
    assert record.messages and all(f"Xero said: “{m}”" in tip for m in record.messages)
    assert "recorded there already" in record.hint and f"What to do: {record.hint}" in tip


def test_a_mixed_resync_sends_ticked_invoices_and_payments_once_each(qtbot, demo, window) -> None:
    send_payments(account=seed.DEMO_ARCHIVED_BANK_ACCOUNT)  # the payment fails: archived bank account
    row = synced_unpaid()
    record_in_window(qtbot, window, row.id, "12.00")
    sent_and_settled(qtbot, window, ExportState.FAILED)
    payment = payment_key(the_payment_id())
    failed_invoice = next(r for r in list_failed() if r.category is FailureCategory.ARCHIVED_CONTACT)

    page = window.xero_exports.page
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.show_tile(Tile.FAILED)
    page.refresh()
    failed = page.failed_model
    assert {payment, failed_invoice.invoice_id} <= set(failed.loaded_ids())
    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)  # both causes fixed...
    send_payments(account=seed.DEMO_BANK_ACCOUNT)
    demo.sandbox.faults.fail_next(1, path="/Invoices", method="PUT")  # ...and Xero stumbles once on each kind
    demo.sandbox.faults.fail_next(1, path="/Payments", method="PUT")

    view = page.failed.view
    for key in (failed_invoice.invoice_id, payment):
        box = view.visualRect(failed.index(failed.row_of(key), 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    assert sorted(failed.checks.ids()) == sorted([failed_invoice.invoice_id, payment])
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        page.failed.resync_bar.button.click()

    summary = page.failed.last_summary
    assert summary is not None
    assert sorted((o.kind, o.state) for o in summary.outcomes) == [
        ("invoice", ExportState.SYNCED),
        ("payment", ExportState.SYNCED),
    ]
    assert [k for k, _method, _path in demo.sandbox.faults.fired].count(FaultKind.SERVER_ERROR) == 2  # both stumbled
    qtbot.waitUntil(lambda: not {payment, failed_invoice.invoice_id} & set(failed.loaded_ids()))
    org = demo.sandbox.control.organisation(seed.DEMO_TENANT_ID)
    with demo.sandbox.state.lock:
        copies = [i for i in org.invoices.values() if i.invoice_number == failed_invoice.number]
    assert len(copies) == 1  # one copy of the invoice
    assert [p.amount for p in xero_payments(demo, row.number)] == [Decimal("12.00")]  # one copy of the payment

    page.show_tile(Tile.SYNCED)
    page.refresh()
    synced = page.synced_model
    while synced.canFetchMore():
        synced.fetchMore()
    assert type_of(synced, failed_invoice.invoice_id) == "Invoice" and type_of(synced, payment) == "Payment"


def test_a_payment_recorded_before_its_invoice_is_in_xero_says_it_waits_and_follows_it(qtbot, demo, window) -> None:
    send_payments()
    failed_invoice = next(r for r in list_failed() if r.category is FailureCategory.ARCHIVED_CONTACT)
    info = record_in_window(qtbot, window, failed_invoice.invoice_id, "7.00")
    qtbot.waitUntil(lambda: "once" in info.message.text())
    assert info.message.text().endswith(
        f"It is sent to Xero once {failed_invoice.number} is there (it stays here if {failed_invoice.number} never "
        "goes to Xero)."
    )
    source = info.payments.model().index(0, 3)
    assert source.data() == "Entered here — sent to Xero once the invoice is there"
    assert payment_state() is ExportState.QUEUED

    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    with qtbot.waitSignal(info.invoice_changed, timeout=RUN_TIMEOUT):
        info.export_action.trigger()  # Options > Export to Xero: the invoice, then the payment waiting on it

    assert payment_state() is ExportState.SYNCED
    assert [p.amount for p in xero_payments(demo, failed_invoice.number)] == [Decimal("7.00")]
