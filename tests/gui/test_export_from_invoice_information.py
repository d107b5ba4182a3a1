"""Options > Export to Xero on Invoice Information, done by the real export engine against the in-process sandbox
(the seed's single-invoice flow): the cause is fixed in Xero, the invoice is exported, the message says so."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from markup_probe import shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    invoice_ids_by_number,
)
from invoice_desktop.sandbox import seed
from invoice_desktop.store.models import ExportState
from invoice_desktop.store.settings import set_setting
from invoice_desktop.ui.models.xero_failed_model import error_lines
from invoice_desktop.xero.export_actions import list_failed
from invoice_desktop.xero.settings import KEY_INCOME_ACCOUNT


def failed_number(category: str) -> str:
    return next(row.number for row in list_failed() if row.category == category)


def test_export_to_xero_after_fixing_the_cause(qtbot, demo, window):
    number = failed_number("archived_contact")
    invoice_id = invoice_ids_by_number([number])[number]
    info = window.invoice_windows.open_invoice(invoice_id)
    assert info.export_action.isEnabled()

    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.export_action.trigger()
    assert info.message.text() == f"{number} exported to Xero."
    export = get_invoice_detail(invoice_id).export
    assert export is not None and export.state is ExportState.SYNCED
    assert number not in [row.number for row in list_failed()]


def test_export_to_xero_that_still_fails_says_why(qtbot, window):
    number = failed_number("duplicate_number")
    info = window.invoice_windows.open_invoice(invoice_ids_by_number([number])[number])
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.export_action.trigger()
    assert info.message.text().startswith(f"{number} was not exported — Invoice number already exists in Xero")


def test_dont_send_and_mark_as_in_xero(qtbot, window):
    keep_out = failed_number("lock_date")
    info = window.invoice_windows.open_invoice(invoice_ids_by_number([keep_out])[keep_out])
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.dont_send_action.trigger()
    assert info.message.text() == f"{keep_out} will not be sent to Xero."

    number = failed_number("account_mapping")
    info = window.invoice_windows.open_invoice(invoice_ids_by_number([number])[number])
    with qtbot.waitSignal(info.invoice_changed, timeout=30_000):
        info.mark_in_xero("")
    assert info.message.text() == f"{number} is marked as already in Xero; it will not be sent."
    assert get_invoice_detail(invoice_ids_by_number([number])[number]).export.state is ExportState.SKIPPED


ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_invoice_information_says_dates_as_the_window_does_never_iso(qtbot, window):
    number = failed_number("lock_date")  # its hint names its date, its note when Xero's settings were read
    info = window.invoice_windows.open_invoice(invoice_ids_by_number([number])[number])
    texts = [label.text() for label in info.findChildren(QLabel) if label.isVisibleTo(info)]
    history = info.xero_panel.history_model
    texts += [history.index(r, c).data() for r in range(history.rowCount()) for c in range(history.columnCount())]
    assert [t for t in texts if ISO.search(t or "")] == []
    assert any(f"{number} is dated {info.date_label.text()}." in t for t in texts)
    assert any("as read at " in t for t in texts)


def test_xero_said_labels_only_xeros_own_words(qtbot, window):
    found = failed_number("account_mapping")  # found before sending: the app's words, no call to Xero
    answered = failed_number("duplicate_number")  # Xero refused it: Xero's words
    rows = {row.number: row for row in list_failed()}
    assert "Details: Account code '210' has been archived" in "\n".join(error_lines(rows[found]))
    assert not any(line.startswith("Xero said") for line in error_lines(rows[found]))
    assert "Xero said: “Invoice # must be unique.”" in error_lines(rows[answered])

    info = window.invoice_windows.open_invoice(invoice_ids_by_number([found])[found])
    panel = info.xero_panel
    assert panel.form.labelForField(panel.xero_words).text() == "Details:"
    assert panel.xero_words.text().startswith("Account code '210'")  # not quoted as Xero's
    assert history_tip(panel).startswith("Details: Account code '210'")

    info = window.invoice_windows.open_invoice(invoice_ids_by_number([answered])[answered])
    panel = info.xero_panel
    assert panel.form.labelForField(panel.xero_words).text() == "Xero said:"
    assert panel.xero_words.text() == "“Invoice # must be unique.”"
    assert history_tip(panel) == "Xero said: “Invoice # must be unique.”"


def history_tip(panel) -> str:
    """The latest attempt's Message tooltip, as shown."""
    return shown(panel.history_model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole))


def test_a_line_without_a_xero_account_is_offered_one_fix(qtbot, window):
    catalog.get_or_create_account("999", "Call-out fees")  # not in Xero, not mapped
    set_setting(KEY_INCOME_ACCOUNT, "")  # and no default income account
    line = LineDraft("Call-out", Decimal(1), Decimal("90.00"), "999", "GST on Income")
    invoice_id = create_invoice(InvoiceDraft("Greenway Builders", date(2026, 11, 20), date(2026, 12, 20), lines=[line]))
    approve_invoices([invoice_id])
    with qtbot.waitSignal(window.auto_export.run_finished, timeout=30_000):
        window.auto_export.request_run()
    row = next(r for r in list_failed() if r.invoice_id == invoice_id)
    assert row.hint == "Choose the default income account in Business > Settings > Xero, then Resync."
    info = window.invoice_windows.open_invoice(invoice_id)
    assert info.xero_panel.hint_label.text() == (
        "Choose the default income account in Business > Settings > Xero, then export it again "
        "(Options > Export to Xero)."
    )
