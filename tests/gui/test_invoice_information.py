"""Invoice Information: drill-down (double-click, Enter, a click on the number), what it shows, and Options:
Void, Record payment, and the Xero actions (off without the interface; through XeroActions with one)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from gui_books import TODAY, failed_export_history
from markup_probe import shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from xero_python.exceptions import ApiException

from invoice_desktop.jobs.failure import OFFLINE
from invoice_desktop.ledger.export_history import export_attempts
from invoice_desktop.ledger.invoices import get_invoice_detail, payment_refusal, record_payment
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.sandbox import seed
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, InvoiceStatus, XeroExport
from invoice_desktop.ui.invoice_editor import InvoiceEditor
from invoice_desktop.ui.invoice_information import (
    IMPORT_OFF,
    LINE_COLUMNS,
    NOT_IN_XERO,
    NOT_IN_XERO_TIP,
    PAYMENT_COLUMNS,
    InvoiceInformation,
    payment_rows,
)
from invoice_desktop.ui.labels import SYNC_FAILED
from invoice_desktop.ui.message_bar import RESULT_MS, Tone
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.ui.record_payment_dialog import RecordPaymentDialog
from invoice_desktop.ui.xero_actions import NOT_SET_UP_TIP, XeroActionResult
from invoice_desktop.ui.xero_panel import ATTEMPT_COLUMNS
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.export_actions import ExportActionError


def list_view(window, tab: Tab):
    window.invoice_manager.show_tab(tab)
    return window.invoice_manager.pages[tab].view


def cell_centre(view, number: str, column: int):
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.invoice_at(r).number == number)
    return view.visualRect(model.index(row, column)).center()


def tab_title(window, tab: Tab) -> str:
    tabs = window.invoice_manager.tabs
    return tabs.tabText(tabs.indexOf(window.invoice_manager.pages[tab]))


@pytest.fixture
def info(qtbot, books):
    """Invoice Information on INV-0089: failed export (account mapping) with history, and a payment."""

    def open_info(number: str = "INV-0089", xero_actions=None) -> InvoiceInformation:
        window = InvoiceInformation(books[number], xero_actions, today=lambda: TODAY)
        qtbot.addWidget(window)
        window.show()
        return window

    failed_export_history(books["INV-0089"])
    record_payment(books["INV-0089"], TODAY, Decimal("100.00"), "DD 4471")
    return open_info


class FakeXeroActions:
    """Stands in for the export-engine integration: records the calls, answers as told, on the worker thread."""

    def __init__(self, result: XeroActionResult | None = None, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, int, object]] = []
        self.result = result or XeroActionResult(True, "INV-0089 exported to Xero.")
        self.error = error
        self.threads: list[bool] = []

    def _answer(self, name: str, invoice_id: int, extra: object = None) -> XeroActionResult:
        self.calls.append((name, invoice_id, extra))
        self.threads.append(threading.current_thread() is threading.main_thread())
        if self.error:
            raise self.error
        return self.result

    def export_now(self, invoice_id: int) -> XeroActionResult:
        return self._answer("export_now", invoice_id)

    def mark_in_xero(self, invoice_id: int, xero_number_or_id: str | None) -> XeroActionResult:
        return self._answer("mark_in_xero", invoice_id, xero_number_or_id)

    def dont_send(self, invoice_id: int) -> XeroActionResult:
        return self._answer("dont_send", invoice_id)


# --- drill-down --------------------------------------------------------------------------------------------


def test_double_click_opens_invoice_information(qtbot, main_window, books):
    main_window.show()
    view = list_view(main_window, Tab.AWAITING_PAYMENT)
    where = cell_centre(view, "INV-0095", 2)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)  # a real double-click starts so
    assert main_window.invoice_windows.open_windows == {}
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    window = main_window.invoice_windows.open_windows[books["INV-0095"]]
    assert isinstance(window, InvoiceInformation) and window.isVisible()
    assert window.title.text() == "Invoice INV-0095"


def test_enter_opens_invoice_information(qtbot, main_window, books):
    main_window.show()
    view = list_view(main_window, Tab.PAID)
    view.setFocus()
    view.select_invoice(books["INV-0082"])
    with qtbot.waitSignal(main_window.invoice_manager.invoice_activated) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert signal.args == [books["INV-0082"]]
    assert isinstance(main_window.invoice_windows.open_windows[books["INV-0082"]], InvoiceInformation)


def test_a_click_on_the_invoice_number_opens_it_once(qtbot, main_window, books):
    main_window.show()
    view = list_view(main_window, Tab.OVERDUE)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell_centre(view, "INV-0090", 0))
    first = main_window.invoice_windows.open_windows[books["INV-0090"]]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell_centre(view, "INV-0090", 0))
    assert main_window.invoice_windows.open_windows[books["INV-0090"]] is first  # raised, not opened twice
    assert len(main_window.invoice_windows.open_windows) == 1


def test_a_click_elsewhere_on_the_row_only_selects_it(qtbot, main_window, books):
    main_window.show()
    view = list_view(main_window, Tab.AWAITING_PAYMENT)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell_centre(view, "INV-0095", 1))
    assert main_window.invoice_windows.open_windows == {}
    assert view.current_invoice_id() == books["INV-0095"]


def test_a_draft_opens_in_the_editor(qtbot, main_window, books):
    main_window.show()
    page = main_window.invoice_manager.pages[Tab.DRAFT]
    page.view.select_invoice(books["INV-0102"])
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Enter)
    window = main_window.invoice_windows.open_windows[books["INV-0102"]]
    assert isinstance(window, InvoiceEditor)
    assert window.number_edit.text() == "INV-0102"


def test_closing_forgets_the_window(qtbot, main_window, books):
    window = main_window.invoice_windows.open_invoice(books["INV-0095"])
    window.close()
    assert books["INV-0095"] not in main_window.invoice_windows.open_windows


# --- what it shows -----------------------------------------------------------------------------------------


def test_header_lines_totals_and_payments(info, books):
    window = info()
    assert window.title.text() == "Invoice INV-0089"
    assert window.status_label.text() == "Awaiting payment · Overdue by 15 days"
    assert window.client_label.text() == "Harbourside Dental"
    assert window.date_label.text() == "10 Apr 2024" and window.due_label.text() == "30 Apr 2024"
    lines = window.lines_model
    assert [lines.index(0, c).data() for c in range(lines.columnCount())] == [
        "Bookkeeping services",
        "1",
        "480.00",
        "200 — Sales",
        "GST on Income",
        "48.00",
        "480.00",
    ]
    assert {name: label.text() for name, label in window.totals.items()} == {
        "Subtotal": "480.00",
        "Tax": "48.00",
        "Total": "528.00",
        "Paid": "100.00",
        "Credited": "0.00",  # its row hidden while nothing is credited
        "Amount due": "428.00",
    }
    payments = window.payments_model
    assert [payments.index(0, c).data() for c in range(4)] == ["15 May 2024", "100.00", "DD 4471", "Entered here"]


def test_xero_panel_shows_the_whole_error_and_history(info):
    window = info()
    panel = window.xero_panel
    assert panel.state_label.text() == SYNC_FAILED
    assert panel.error_title.text() == "Account mapping is incorrect"
    assert panel.xero_words.text() == "“Account code '200' is not a valid code for this document.”"
    # Resync is the Xero Exports tab's action; here the invoice is sent again with Options > Export to Xero.
    assert panel.hint_label.text() == (
        "Fix the account mapping in Business > Settings > Xero, then export it again (Options > Export to Xero)."
    )
    assert panel.attempts_label.text().startswith("3 attempts · last ")
    assert "next automatic retry" in panel.attempts_label.text()
    history = panel.history_model
    assert history.rowCount() == 4
    # (the books' attempts are dated before today's approval)
    assert [history.index(r, 1).data() for r in range(4)] == ["Approved", "Failed", "Will retry", "Will retry"]
    assert [history.index(r, 2).data() for r in range(4)] == ["robin", "", "", ""]  # the engine's tries: nobody's
    assert history.index(1, 3).data() == "Account mapping is incorrect"
    assert panel.form.isRowVisible(panel.error_title)
    assert not panel.form.isRowVisible(panel.xero_id_label)


def test_a_synced_invoice_shows_its_xero_id(qtbot, books):
    XeroExport.update(xero_invoice_id="0b5b3c9a-6a43-4f1f-9e55-8d3c2e0f7a11").where(
        XeroExport.invoice == books["INV-0088"]
    ).execute()
    window = InvoiceInformation(books["INV-0088"], today=lambda: TODAY)
    qtbot.addWidget(window)
    panel = window.xero_panel
    assert panel.state_label.text() == "Synced"
    assert panel.xero_id_label.text() == "0b5b3c9a-6a43-4f1f-9e55-8d3c2e0f7a11"
    assert not panel.form.isRowVisible(panel.error_title)
    assert panel.history_caption.text() == "History: no export attempts yet"


def test_a_synced_invoice_shows_what_xero_warned_about(qtbot, books):
    XeroExport.update(warnings='["Only AUTHORISED invoices may have SentToContact updated."]').where(
        XeroExport.invoice == books["INV-0088"]
    ).execute()
    window = InvoiceInformation(books["INV-0088"], today=lambda: TODAY)
    qtbot.addWidget(window)
    panel = window.xero_panel
    assert panel.form.isRowVisible(panel.warnings_label)
    assert panel.warnings_label.text() == "“Only AUTHORISED invoices may have SentToContact updated.”"


@pytest.mark.parametrize("columns", [LINE_COLUMNS, PAYMENT_COLUMNS, ATTEMPT_COLUMNS])
def test_qt_model_tester_passes_on_the_small_tables(qtmodeltester, info, books, columns):
    detail = get_invoice_detail(books["INV-0089"])
    records = {LINE_COLUMNS: detail.lines, PAYMENT_COLUMNS: payment_rows(detail)}.get(
        columns, export_attempts(books["INV-0089"])
    )
    model = ColumnsModel(columns)
    model.set_records(records)
    qtmodeltester.check(model, force_py=True)


# --- Options: Void -----------------------------------------------------------------------------------------


def answer_next_message_box(qtbot, button_text: str) -> None:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
    button.click()


def test_void_after_confirming_updates_the_lists(qtbot, main_window, books):
    main_window.show()
    assert tab_title(main_window, Tab.AWAITING_PAYMENT) == "Awaiting Payment (10)"
    window = main_window.invoice_windows.open_invoice(books["INV-0095"])
    assert window.void_action.isEnabled()

    window.void_action.trigger()
    with qtbot.waitSignal(window.invoice_changed):
        answer_next_message_box(qtbot, "Void invoice")

    assert get_invoice_detail(books["INV-0095"]).status is InvoiceStatus.VOID
    assert window.status_label.text() == "Void"
    assert window.message.text() == "INV-0095 is void."
    assert tab_title(main_window, Tab.AWAITING_PAYMENT) == "Awaiting Payment (9)"
    assert not window.void_action.isEnabled() and not window.payment_action.isEnabled()
    assert window.xero_panel.state_label.text() == "Not sent to Xero"


def test_void_cancelled_changes_nothing(qtbot, info, books):
    window = info("INV-0095")
    window.void_action.trigger()
    answer_next_message_box(qtbot, "Cancel")
    assert get_invoice_detail(books["INV-0095"]).status is InvoiceStatus.AWAITING_PAYMENT


def test_void_is_off_with_a_reason_when_paid_in_part(info):
    window = info("INV-0089")
    assert not window.void_action.isEnabled()
    assert shown(window.void_action.toolTip()) == "INV-0089 has payments of 100.00 and cannot be voided"


# --- Options: Record payment -------------------------------------------------------------------------------


def test_record_payment_validates_then_records(qtbot, main_window, info, books):
    window = main_window.invoice_windows.open_invoice(books["INV-0089"])
    dialog = window.open_record_payment()
    assert dialog.amount_edit.text() == "428.00"  # the amount due

    dialog.amount_edit.setText("abc")
    dialog.ok_button.click()
    assert dialog.isVisible()
    assert dialog.problems.text() == "Amount: “abc” is not a number"

    dialog.amount_edit.setText("500")
    dialog.ok_button.click()
    assert dialog.problems.text() == "Amount: 500 is more than the 428.00 due on INV-0089: overpayments are refused"
    assert get_invoice_detail(books["INV-0089"]).amount_paid == Decimal("100.00")

    dialog.amount_edit.setText("28.00")
    dialog.reference_edit.setText("Cheque 118")
    with qtbot.waitSignal(window.invoice_changed):
        dialog.ok_button.click()
    assert window.message.text() == "Payment recorded on INV-0089; 400.00 still due."
    assert window.totals["Amount due"].text() == "400.00"
    assert window.payments_model.rowCount() == 2


def test_paying_in_full_moves_it_to_paid(qtbot, main_window, books):
    window = main_window.invoice_windows.open_invoice(books["INV-0095"])
    dialog = window.open_record_payment()
    qtbot.keyClicks(dialog.reference_edit, "EFT")
    with qtbot.waitSignal(window.invoice_changed):
        dialog.ok_button.click()
    assert window.status_label.text() == "Paid"
    assert window.message.text() == "Payment recorded on INV-0095; it is now paid."
    assert tab_title(main_window, Tab.PAID) == "Paid (7)"
    assert tab_title(main_window, Tab.AWAITING_PAYMENT) == "Awaiting Payment (9)"


# --- Record payment on an invoice in Xero: payments are not sent to Xero (yet) -------------------------------


def payment_forms(window: InvoiceInformation) -> list[RecordPaymentDialog]:
    return [d for d in window.findChildren(RecordPaymentDialog) if d.isVisible()]


def run_the_payment_import() -> None:
    """What makes the payment import run: connected, enabled, with "Import payments recorded in Xero" on."""
    xero_settings.save_connection(xero_settings.Organisation(seed.DEMO_TENANT_ID, seed.DEMO_ORG_NAME), "CLIENT")
    xero_settings.save_settings(xero_settings.XeroSettings(enabled=True, import_payments=True), check=False)


@pytest.mark.parametrize("importing", [False, True])
def test_record_payment_on_an_invoice_in_xero_says_to_record_it_there(qtbot, main_window, books, importing):
    if importing:
        run_the_payment_import()
    window = main_window.invoice_windows.open_invoice(books["INV-0088"])  # synced, awaiting payment
    reason = payment_refusal(books["INV-0088"])
    assert reason.startswith("INV-0088 is in Xero: record its payments in Xero, not here")
    expected = reason if importing else reason + IMPORT_OFF
    assert window.payment_action.isEnabled() and shown(window.payment_action.toolTip()) == expected

    window.payment_action.trigger()  # Options > Record payment…
    assert payment_forms(window) == []  # it explains instead of opening a form that would fail
    assert window.message.text() == expected and window.message.isVisible()
    assert "the next payment import from Xero" in expected
    assert ("Import payments recorded in Xero" in expected) is not importing  # and how to switch it on
    detail = get_invoice_detail(books["INV-0088"])
    assert (detail.amount_paid, detail.payments) == (Decimal("0.00"), ())


def test_a_payment_entered_here_on_an_invoice_now_in_xero_is_marked_not_in_xero(qtbot, main_window, books):
    record_payment(books["INV-0092"], TODAY, Decimal("50.00"), "Cash")  # queued: not in Xero yet, taken here
    XeroExport.update(state=ExportState.SYNCED.value).where(XeroExport.invoice == books["INV-0092"]).execute()
    window = main_window.invoice_windows.open_invoice(books["INV-0092"])
    source = window.payments_model.index(0, 3)
    assert source.data() == NOT_IN_XERO == "Entered here — not in Xero"
    assert shown(source.data(Qt.ItemDataRole.ToolTipRole)) == NOT_IN_XERO_TIP
    assert window.payments_caption.text() == "Payments — 1 payment entered here is not in Xero (Xero does not have it)"

    part_paid = main_window.invoice_windows.open_invoice(books["INV-0091"])  # synced; its payment came from Xero
    assert part_paid.payments_model.index(0, 3).data() == "Xero" and part_paid.payments_caption.text() == "Payments"
    not_sent = main_window.invoice_windows.open_invoice(books["INV-0089"])  # failed: not in Xero
    record_payment(books["INV-0089"], TODAY, Decimal("10.00"))
    not_sent.reload()
    assert (
        not_sent.payments_model.index(0, 3).data() == "Entered here" and not_sent.payments_caption.text() == "Payments"
    )


def test_an_invoice_that_reaches_xero_while_its_payment_form_is_open(qtbot, main_window, books):
    window = main_window.invoice_windows.open_invoice(books["INV-0092"])  # queued
    form = window.open_record_payment()
    assert form is not None
    XeroExport.update(state=ExportState.SYNCED.value).where(XeroExport.invoice == books["INV-0092"]).execute()
    form.ok_button.click()  # the automatic export sent it meanwhile: the ledger refuses, the form says why
    assert form.isVisible() and form.problems.text() == payment_refusal(books["INV-0092"])
    assert get_invoice_detail(books["INV-0092"]).payments == ()
    form.reject()

    window.payment_action.trigger()  # the window has not re-read it yet: Record payment looks again
    assert payment_forms(window) == [] and window.message.text().startswith("INV-0092 is in Xero: ")


# --- Options: the Xero actions -----------------------------------------------------------------------------


def test_xero_actions_are_off_without_the_interface(info):
    window = info()
    for action in (window.export_action, window.mark_action, window.dont_send_action):
        assert not action.isEnabled()
        assert shown(action.toolTip()) == NOT_SET_UP_TIP
    assert window.options_menu.toolTipsVisible()


def test_export_to_xero_reports_its_result(qtbot, info, books):
    actions = FakeXeroActions(XeroActionResult(True, "INV-0089 exported to Xero."))
    window = info(xero_actions=actions)
    assert window.export_action.isEnabled()
    with qtbot.waitSignal(window.invoice_changed):
        window.export_action.trigger()
        assert window.message.text() == "Exporting INV-0089 to Xero…"
    assert actions.calls == [("export_now", books["INV-0089"], None)]
    assert actions.threads == [False]  # off the GUI thread
    assert window.message.text() == "INV-0089 exported to Xero."
    assert window.message.tone is Tone.SUCCESS
    assert window.options_button.isEnabled()


def test_a_result_goes_after_its_lifetime_the_message_of_work_in_progress_stays(qtbot, info):
    window = info(xero_actions=FakeXeroActions(XeroActionResult(True, "INV-0089 exported to Xero.")))
    with qtbot.waitSignal(window.invoice_changed):
        window.export_action.trigger()
        assert not window.message.expiry.isActive()  # "Exporting INV-0089 to Xero…" stays while it is true
    assert window.message.isVisible() and window.message.expiry.isActive()
    assert window.message.expiry.interval() == RESULT_MS
    window.message.expiry.timeout.emit()  # its lifetime is over (no waiting for the clock)
    assert not window.message.isVisible() and window.message.text() == ""


def test_a_failed_export_and_an_exception_are_reported(qtbot, info):
    window = info(xero_actions=FakeXeroActions(XeroActionResult(False, "Still failing: account mapping")))
    with qtbot.waitSignal(window.invoice_changed):
        window.export_now()
    assert (window.message.text(), window.message.tone) == ("Still failing: account mapping", Tone.PROBLEM)

    window.xero_actions = FakeXeroActions(error=ExportActionError("Xero has no sales invoice numbered X-1"))
    with qtbot.waitSignal(window.invoice_changed):
        window.export_now()
    assert (window.message.text(), window.message.tone) == ("Xero has no sales invoice numbered X-1", Tone.PROBLEM)

    window.xero_actions = FakeXeroActions(error=RuntimeError("a bug"))
    with qtbot.waitSignal(window.invoice_changed):
        window.export_now()
    assert window.message.text() == "Something went wrong (RuntimeError); the details are in the log."


def test_a_xero_api_error_is_described_not_dumped(qtbot, info):
    error = ApiException(status=503, reason="Service Unavailable")

    window = info(xero_actions=FakeXeroActions(error=error))
    with qtbot.waitSignal(window.invoice_changed):
        window.export_now()
    hint = FailureCategory.XERO_UNAVAILABLE.default_hint  # the typed failure's hint follows its message
    said = f"{OFFLINE} (Xero answered 503). {hint}"
    assert (window.message.text(), window.message.tone) == (said, Tone.PROBLEM)


def test_mark_as_already_in_xero_passes_the_number(qtbot, info, books):
    actions = FakeXeroActions(XeroActionResult(True, "INV-0089 marked as already in Xero."))
    window = info(xero_actions=actions)
    dialog = window.ask_mark_in_xero()
    dialog.setTextValue("  INV-0089-X ")
    with qtbot.waitSignal(window.invoice_changed):
        dialog.accept()
    assert actions.calls == [("mark_in_xero", books["INV-0089"], "INV-0089-X")]


def test_dont_send_and_what_is_allowed_when_synced(qtbot, info, books):
    actions = FakeXeroActions(XeroActionResult(True, "INV-0089 will not be sent to Xero."))
    window = info(xero_actions=actions)
    with qtbot.waitSignal(window.invoice_changed):
        window.dont_send_action.trigger()
    assert actions.calls == [("dont_send", books["INV-0089"], None)]

    synced = info("INV-0088", xero_actions=actions)
    assert get_invoice_detail(books["INV-0088"]).export.state is ExportState.SYNCED
    assert not synced.export_action.isEnabled() and not synced.dont_send_action.isEnabled()
    assert shown(synced.export_action.toolTip()) == "Not available: this invoice is synced"


def test_main_window_passes_its_xero_actions_on(qtbot, main_window, books):
    window = main_window.invoice_windows.open_invoice(books["INV-0089"])
    assert not window.export_action.isEnabled()
    main_window.invoice_windows.set_xero_actions(FakeXeroActions())
    assert window.export_action.isEnabled()
