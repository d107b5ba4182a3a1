"""The Synced table of the Xero Exports tab reads a page at a time, sorted in SQL (SyncedTableModel over
xero.synced_pages): opening the tile reads one page, scrolling reads the next, a sort starts again from the first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from gui_books import many_invoices
from PySide6.QtCore import QModelIndex, Qt

from invoice_desktop.ledger.invoices import approve_invoices
from invoice_desktop.store.models import XeroExport, database_proxy
from invoice_desktop.ui.models.paging import DEFAULT_PAGE_SIZE
from invoice_desktop.ui.models.xero_synced_model import SyncedTableModel
from invoice_desktop.ui.xero_exports_page import XeroExportsPage
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.xero.export_actions import list_synced
from invoice_desktop.xero.synced_pages import SyncedSort, synced_page

COUNT = DEFAULT_PAGE_SIZE + 30
NUMBER, CLIENT, TOTAL, TYPE, SYNCED_AT = 0, 1, 2, 3, 4
FIRST_SYNC = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def synced(db) -> list[int]:
    """COUNT synced invoices BULK-00001... (total n × 1.1), synced a minute apart in reverse number order."""
    ids = many_invoices(COUNT)
    approve_invoices(ids)
    with database_proxy.atomic():
        for n, invoice_id in enumerate(ids):
            XeroExport.update(
                state="synced", xero_invoice_id=f"x-{n}", synced_at=FIRST_SYNC + timedelta(minutes=COUNT - n)
            ).where(XeroExport.invoice == invoice_id).execute()
    return ids


def numbers(model: SyncedTableModel) -> list[str]:
    return [model.record_at(r).number for r in range(model.rowCount())]


def test_the_model_reads_a_page_at_a_time(qtmodeltester, synced):
    model = SyncedTableModel(page_size=100)
    model.reload()
    assert model.rowCount() == 100 and model.canFetchMore(QModelIndex())
    assert numbers(model) == [f"BULK-{n:05d}" for n in range(1, 101)]
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == COUNT and not model.canFetchMore(QModelIndex())
    assert numbers(model) == sorted(r.number for r in list_synced())  # the whole list, once each

    model.reload()  # a refresh keeps what is loaded
    assert model.rowCount() == COUNT

    model.sort(TOTAL, Qt.SortOrder.DescendingOrder)  # sorted in SQL, from the first page again
    assert model.rowCount() == 100
    totals = [Decimal(model.record_at(r).total) for r in range(model.rowCount())]
    assert totals == sorted(totals, reverse=True) and totals[0] == Decimal(COUNT) * Decimal("1.1")

    model.sort(SYNCED_AT, Qt.SortOrder.AscendingOrder)  # the last numbers were synced first
    assert numbers(model)[:2] == [f"BULK-{COUNT:05d}", f"BULK-{COUNT - 1:05d}"]
    qtmodeltester.check(model)


def test_sorting_pages_neither_repeats_nor_skips(synced):
    for sort in SyncedSort:
        pages = [synced_page(sort, True, offset, 70) for offset in range(0, COUNT, 70)]
        seen = [row.invoice_id for page in pages for row in page]
        assert sorted(seen) == sorted(synced), sort


def test_opening_the_tile_reads_one_page(qtbot, synced, app_context, monkeypatch):
    page = XeroExportsPage(app_context)
    qtbot.addWidget(page)
    page.refresh()
    assert page.tiles.buttons[Tile.SYNCED].text() == f"Synced ({COUNT})"
    page.tiles.buttons[Tile.SYNCED].click()
    model = page.synced_model
    assert model.rowCount() == DEFAULT_PAGE_SIZE and model.canFetchMore(QModelIndex())

    monkeypatch.setattr(database_proxy.obj, "execute_sql", lambda *a, **k: pytest.fail("a query in data()"))
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole):
                model.index(row, column).data(role)
