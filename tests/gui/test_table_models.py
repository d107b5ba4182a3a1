"""Qt's model checks (pytest-qt's qtmodeltester) on every item model of the package, and a check that none is
missed: a new subclass of QAbstractItemModel in src/ fails here until it is given a way to be made below."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from decimal import Decimal

import pytest
from gui_books import TODAY, failed_export_history
from PySide6.QtCore import QAbstractItemModel, Qt

import invoice_desktop
from invoice_desktop.ledger.credit_notes import CreditLineDraft, CreditNoteDraft, create_credit_note
from invoice_desktop.ledger.export_history import export_attempts
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.ui.invoice_information import LINE_COLUMNS, PAYMENT_COLUMNS, payment_rows
from invoice_desktop.ui.models.client_table_model import ClientSortModel, ClientTableModel
from invoice_desktop.ui.models.credit_note_table_model import CreditNoteTableModel
from invoice_desktop.ui.models.invoice_table_model import CheckableInvoiceTableModel, InvoiceTableModel
from invoice_desktop.ui.models.line_items_model import LineEntry, LineItemsModel
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.ui.models.xero_failed_model import FailedTableModel
from invoice_desktop.ui.models.xero_synced_model import SyncedTableModel
from invoice_desktop.ui.xero_panel import ATTEMPT_COLUMNS

Books = dict[str, int]


def invoices(books: Books) -> QAbstractItemModel:
    model = InvoiceTableModel(Tab.ALL, page_size=7, today=lambda: TODAY)
    model.reload()
    model.sort(4, Qt.SortOrder.DescendingOrder)
    return model


def drafts(books: Books) -> QAbstractItemModel:
    model = CheckableInvoiceTableModel(Tab.DRAFT, page_size=3, today=lambda: TODAY)
    model.reload()
    model.checks.set_all(True)  # every draft, the page not loaded included
    model.checks.set_checked([books["INV-0102"]], False)
    return model


def failed(books: Books) -> QAbstractItemModel:
    model = FailedTableModel()
    model.reload()
    model.checks.set_checked(model.loaded_ids()[:2], True)
    model.set_sending(model.loaded_ids()[:1], True)
    model.sort(5, Qt.SortOrder.DescendingOrder)
    return model


def synced(books: Books) -> QAbstractItemModel:
    model = SyncedTableModel(page_size=2)
    model.reload()
    return model


def clients(books: Books) -> QAbstractItemModel:
    model = ClientTableModel()
    model.reload()
    return model


def sorted_clients(books: Books) -> QAbstractItemModel:
    model = ClientSortModel()
    model.setSourceModel(clients(books))
    model.sort(3, Qt.SortOrder.DescendingOrder)
    return model


def line_items(books: Books) -> QAbstractItemModel:
    model = LineItemsModel({"200": "Sales"}, {"GST on Income": Decimal(10)})
    model.set_entries([LineEntry("Work", "2", "100", "200", "GST on Income"), LineEntry("Parts", "abc", "1")])
    model.add_line()
    return model


def small_tables(books: Books) -> QAbstractItemModel:
    """Invoice Information's lines (its payments and attempts are the same class, in the test below)."""
    model: ColumnsModel[object] = ColumnsModel(LINE_COLUMNS)
    model.set_records(get_invoice_detail(books["INV-0091"]).lines)
    return model


def credit_notes(books: Books) -> QAbstractItemModel:
    invoice_id = books["INV-0091"]
    create_credit_note(CreditNoteDraft(invoice_id, TODAY, "Returned", [CreditLineDraft(1, Decimal("10.00"))]))
    create_credit_note(CreditNoteDraft(invoice_id, TODAY, "", [CreditLineDraft(1, Decimal("0.01"))]))
    model = CreditNoteTableModel()
    model.reload()
    return model


MODELS: dict[type[QAbstractItemModel], Callable[[Books], QAbstractItemModel]] = {
    InvoiceTableModel: invoices,
    CheckableInvoiceTableModel: drafts,
    FailedTableModel: failed,
    SyncedTableModel: synced,
    ClientTableModel: clients,
    ClientSortModel: sorted_clients,
    LineItemsModel: line_items,
    ColumnsModel: small_tables,
    CreditNoteTableModel: credit_notes,
}


def item_models_in_the_package() -> set[type]:
    """Every subclass of QAbstractItemModel defined in invoice_desktop (every module imported first)."""
    for module in pkgutil.walk_packages(invoice_desktop.__path__, "invoice_desktop."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: set[type] = set()
    todo: list[type] = [QAbstractItemModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("invoice_desktop."):
                found.add(sub)
    return found


def test_every_item_model_of_the_package_is_checked_here():
    assert item_models_in_the_package() == set(MODELS)


@pytest.mark.parametrize("model_class", list(MODELS), ids=lambda c: c.__name__)
def test_qt_model_tester_passes(qtmodeltester, books, model_class):
    model = MODELS[model_class](books)
    assert type(model) is model_class and model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)


@pytest.mark.parametrize("columns", [PAYMENT_COLUMNS, ATTEMPT_COLUMNS], ids=["payments", "attempts"])
def test_qt_model_tester_passes_on_the_other_small_tables(qtmodeltester, books, columns):
    invoice_id = books["INV-0089"]
    failed_export_history(invoice_id)
    records = payment_rows(get_invoice_detail(books["INV-0091"])) if columns is PAYMENT_COLUMNS else None
    model: ColumnsModel[object] = ColumnsModel(columns)
    model.set_records(records if records is not None else export_attempts(invoice_id))
    assert model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)
