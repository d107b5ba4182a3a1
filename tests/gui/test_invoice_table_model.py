"""The invoice table model: Qt's model checks, SQL paging, sorting, search, the Xero column, rows found by id."""

from __future__ import annotations

import pytest
from gui_books import TODAY, many_invoices
from markup_probe import shown, visible_tooltip
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from invoice_desktop.ledger.queries import SortKey, Tab
from invoice_desktop.ui.invoice_list_page import InvoiceListPage
from invoice_desktop.ui.invoice_table_view import InvoiceTableView
from invoice_desktop.ui.labels import SYNC_FAILED
from invoice_desktop.ui.models.invoice_table_model import INVOICE_COLUMNS, InvoiceTableModel
from invoice_desktop.ui.models.roles import ItemRole

COLUMN = {c.title: i for i, c in enumerate(INVOICE_COLUMNS)}
ALL_ROLES = [*Qt.ItemDataRole, *ItemRole]


def make_model(tab: Tab = Tab.AWAITING_PAYMENT, page_size: int = 200) -> InvoiceTableModel:
    model = InvoiceTableModel(tab, page_size=page_size, today=lambda: TODAY)
    model.reload()
    return model


def column_text(model: InvoiceTableModel, title: str) -> list[str]:
    return [model.index(row, COLUMN[title]).data() for row in range(model.rowCount())]


def row_of_number(model: InvoiceTableModel, number: str) -> int:
    return column_text(model, "Invoice #").index(number)


# --- Qt's own checks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", [Tab.DRAFT, Tab.AWAITING_PAYMENT, Tab.OVERDUE, Tab.PAID])
def test_qt_model_tester_passes_on_every_tab(qtmodeltester, books, tab):
    qtmodeltester.check(make_model(tab), force_py=True)


def test_qt_model_tester_passes_while_paging(qtmodeltester, db):
    many_invoices(25)
    model = make_model(Tab.DRAFT, page_size=10)
    qtmodeltester.check(model, force_py=True)  # the tester itself calls fetchMore
    model.fetchMore()
    model.set_search("BULK-0001")
    model.sort(COLUMN["Total"], Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)


# --- paging ------------------------------------------------------------------------------------------------


def test_pages_are_loaded_from_sql_on_fetch_more(db):
    ids = many_invoices(250)
    model = make_model(Tab.DRAFT, page_size=100)
    assert model.rowCount() == 100
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 200
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 250
    assert not model.canFetchMore(QModelIndex())
    assert model.loaded_ids() == ids  # in number order, none twice, none missing


def test_nothing_is_read_before_the_first_reload(db):
    many_invoices(3)
    model = InvoiceTableModel(Tab.DRAFT)
    assert model.rowCount() == 0
    assert not model.canFetchMore(QModelIndex())
    model.reload()
    assert model.rowCount() == 3


def test_reload_keeps_what_was_loaded(db):
    many_invoices(250)
    model = make_model(Tab.DRAFT, page_size=100)
    model.fetchMore(QModelIndex())
    model.reload()
    assert model.rowCount() == 200
    model.set_search("BULK")  # a new search starts again from the first page
    assert model.rowCount() == 100


def test_the_view_fetches_more_when_scrolled_to_the_bottom(qtbot, db):
    many_invoices(120)
    model = make_model(Tab.DRAFT, page_size=50)
    view = InvoiceTableView(model)
    qtbot.addWidget(view)
    view.show()
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 50)


def test_data_reads_only_the_cached_rows(books, db, monkeypatch):
    model = make_model()

    def no_queries(*args, **kwargs):
        raise AssertionError("data() went to the database")

    monkeypatch.setattr(db, "execute_sql", no_queries)
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            for role in ALL_ROLES:
                model.data(model.index(row, column), role)


# --- sorting and searching ---------------------------------------------------------------------------------


def test_sorting_requeries_in_sql(books):
    model = make_model()
    model.sort(COLUMN["Total"], Qt.SortOrder.DescendingOrder)
    assert model.sort_key is SortKey.TOTAL and model.descending
    totals = [model.index(r, COLUMN["Total"]).data(ItemRole.RECORD).total for r in range(model.rowCount())]
    assert totals == sorted(totals, reverse=True)
    assert column_text(model, "Invoice #")[0] == "INV-0096"  # 13,200.00

    model.sort(COLUMN["Xero"], Qt.SortOrder.AscendingOrder)
    assert column_text(model, "Xero")[:4] == [SYNC_FAILED] * 4  # what needs attention first


def test_clicking_a_header_sorts(qtbot, books):
    model = make_model()
    view = InvoiceTableView(model)
    qtbot.addWidget(view)
    view.sortByColumn(COLUMN["Client"], Qt.SortOrder.AscendingOrder)
    clients = column_text(model, "Client")
    assert clients == sorted(clients, key=str.casefold)
    assert clients[0] == "Acme Ltd"


def test_search_filters_in_sql(books):
    model = make_model(Tab.ALL)
    model.set_search("harbour")
    assert set(column_text(model, "Client")) == {"Harbourside Dental"}
    assert model.rowCount() == 3
    model.set_search("fleet service")  # the reference
    assert column_text(model, "Invoice #") == ["INV-0091"]
    model.set_search("ōtaki")  # non-ASCII, case-folded
    assert column_text(model, "Invoice #") == ["INV-0090"]
    model.set_search("")
    assert model.rowCount() == 20


def test_search_box_is_debounced(qtbot, books):
    model = make_model()
    page = InvoiceListPage(model, "Awaiting Payment")
    qtbot.addWidget(page)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    qtbot.keyClicks(page.search_box, "acme")
    assert model.search == ""  # nothing re-queried per keystroke
    qtbot.waitUntil(lambda: model.search == "acme")
    assert set(column_text(model, "Client")) == {"Acme Ltd"}
    assert len(resets) == 1  # one query for the four keystrokes


def test_no_match_says_so(qtbot, books):
    page = InvoiceListPage(make_model(), "Paid")
    qtbot.addWidget(page)
    page.search_box.setText("zzz")
    page.apply_search()
    assert page.model.rowCount() == 0
    assert page.view.empty_text == "No paid invoices match “zzz”"


# --- what the cells show -----------------------------------------------------------------------------------


def test_money_is_right_aligned_with_two_decimals(books):
    model = make_model()
    row = row_of_number(model, "INV-0091")  # 8,640.00 + GST, 2,000.00 paid
    total = model.index(row, COLUMN["Total"])
    assert total.data() == "9,504.00"
    assert model.index(row, COLUMN["Amount Due"]).data() == "7,504.00"
    assert Qt.AlignmentFlag(total.data(Qt.ItemDataRole.TextAlignmentRole)) & Qt.AlignmentFlag.AlignRight
    header_alignment = model.headerData(COLUMN["Total"], Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(header_alignment) & Qt.AlignmentFlag.AlignRight
    assert model.index(row, COLUMN["Date"]).data() == "20 Apr 2024"


def test_xero_column_states_and_error_tooltip(books):
    model = make_model()
    xero = COLUMN["Xero"]
    failed = model.index(row_of_number(model, "INV-0089"), xero)
    assert failed.data() == SYNC_FAILED == "Sync Failed"  # as the Xero Exports tab says it
    assert shown(failed.data(Qt.ItemDataRole.ToolTipRole)) == (
        "Account mapping is incorrect: Account code '200' is not a valid code for this document."
    )
    assert isinstance(failed.data(Qt.ItemDataRole.ForegroundRole), QColor)
    assert model.index(row_of_number(model, "INV-0088"), xero).data() == "Synced"
    assert model.index(row_of_number(model, "INV-0095"), xero).data() == "Not attempted"
    assert model.index(row_of_number(model, "INV-0092"), xero).data() == "Queued"
    archived = model.index(row_of_number(model, "INV-0090"), xero)
    assert shown(archived.data(Qt.ItemDataRole.ToolTipRole)).startswith("Contact is archived in Xero: ")


def test_hovering_the_failed_cell_shows_the_error(qtbot, books):
    model = make_model()
    view = InvoiceTableView(model)
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    qtbot.waitExposed(view)
    index = model.index(row_of_number(model, "INV-0096"), COLUMN["Xero"])
    pos = view.visualRect(index).center()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible)
    tip = visible_tooltip()
    assert shown(tip.text(), tip.textFormat()) == "Xero connection has been dropped: invalid_grant"
    QToolTip.hideText()


def test_rows_are_found_by_invoice_id(books):
    model = make_model()
    row = model.row_of(books["INV-0093"])
    assert row is not None
    assert model.index(row, 0).data(ItemRole.ID) == books["INV-0093"]
    assert model.index(row, 0).data() == "INV-0093"
    assert model.invoice_at(row).client == "Summit Physio"
    assert model.row_of(books["INV-0101"]) is None  # a draft: not on this tab
    model.sort(COLUMN["Total"], Qt.SortOrder.DescendingOrder)
    assert model.index(model.row_of(books["INV-0093"]), 0).data() == "INV-0093"


def test_activating_a_row_hands_out_the_invoice_id(qtbot, books):
    model = make_model()
    view = InvoiceTableView(model)
    qtbot.addWidget(view)
    row = model.row_of(books["INV-0094"])
    with qtbot.waitSignal(view.invoice_activated) as signal:
        view.activated.emit(model.index(row, COLUMN["Client"]))
    assert signal.args == [books["INV-0094"]]


def test_an_invoice_voided_in_xero_is_flagged_in_the_xero_column(books):
    from decimal import Decimal

    from invoice_desktop.store.models import XeroInvoiceState

    XeroInvoiceState.create(
        invoice=books["INV-0088"],
        xero_status="VOIDED",
        amount_paid=Decimal("0"),
        amount_credited=Decimal("0"),
        amount_due=Decimal("0"),
    )
    model = make_model()
    voided = model.index(row_of_number(model, "INV-0088"), COLUMN["Xero"])
    assert voided.data() == "Synced: voided in Xero"
    assert "voided in Xero" in voided.data(Qt.ItemDataRole.ToolTipRole)
    assert isinstance(voided.data(Qt.ItemDataRole.ForegroundRole), QColor)


def test_drafts_have_no_xero_state_to_show(books):
    model = make_model(Tab.DRAFT)
    draft = model.index(row_of_number(model, "INV-0101"), COLUMN["Xero"])
    assert draft.data() == "—"
    assert shown(draft.data(Qt.ItemDataRole.ToolTipRole)) == "Drafts are not sent to Xero; approving one exports it"
