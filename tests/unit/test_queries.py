"""Invoice list queries: tabs, overdue against a given day, search, sorting (Xero state too), paging, counts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    record_payment,
    void_invoice,
)
from invoice_desktop.ledger.queries import SortKey, Tab, count_invoices, list_invoices, tab_counts
from invoice_desktop.store.models import XeroExport

TODAY = date(2024, 5, 15)


def make(number: str, client: str, unit: str, due: date, reference: str = "") -> int:
    line = LineDraft("Work", D(1), D(unit), "200", "GST on Income")
    return create_invoice(InvoiceDraft(client, date(2024, 4, 1), due, reference=reference, lines=[line], number=number))


@pytest.fixture
def books(db):
    """INV-1 draft; INV-2 awaiting, overdue, failed in Xero; INV-3 awaiting, not yet due, synced;
    INV-4 paid; INV-5 void; INV-6 draft for a client with a non-ASCII name."""
    catalog.get_or_create_account("200")
    catalog.create_tax_rate("GST on Income", D(10))
    ids = {
        "INV-1": make("INV-1", "Beta Traders", "10.00", date(2024, 6, 1), reference="PO-77"),
        "INV-2": make("INV-2", "acme ltd", "300.00", date(2024, 5, 1)),
        "INV-3": make("INV-3", "Charlie & Co", "200.00", date(2024, 5, 15)),
        "INV-4": make("INV-4", "Acme Ltd 2", "50.00", date(2024, 4, 30)),
        "INV-5": make("INV-5", "Beta Traders", "70.00", date(2024, 5, 1)),
        "INV-6": make("INV-6", "Ōtaki Café", "5.00", date(2024, 6, 1)),
    }
    approve_invoices([ids["INV-2"], ids["INV-3"], ids["INV-4"], ids["INV-5"]])
    record_payment(ids["INV-2"], date(2024, 4, 20), D("30.00"))
    record_payment(ids["INV-4"], date(2024, 4, 20), D("55.00"))
    void_invoice(ids["INV-5"])
    XeroExport.update(
        state="failed",
        category="account_mapping",
        messages=json.dumps(["Account code '200' is not a valid code for this document.", "second"]),
    ).where(XeroExport.invoice == ids["INV-2"]).execute()
    XeroExport.update(state="synced", xero_invoice_id="abc").where(XeroExport.invoice == ids["INV-3"]).execute()
    return ids


def numbers(rows) -> list[str]:
    return [r.number for r in rows]


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        (Tab.DRAFT, ["INV-1", "INV-6"]),
        (Tab.AWAITING_PAYMENT, ["INV-2", "INV-3"]),
        (Tab.OVERDUE, ["INV-2"]),  # INV-3 is due today: not overdue yet
        (Tab.PAID, ["INV-4"]),
        (Tab.ALL, ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5", "INV-6"]),
    ],
)
def test_tabs(books, tab, expected):
    assert numbers(list_invoices(tab, today=TODAY)) == expected
    assert count_invoices(tab, today=TODAY) == len(expected)


def test_counts_for_every_tab_in_one_go(books):
    assert tab_counts(TODAY) == {
        Tab.DRAFT: 2,
        Tab.AWAITING_PAYMENT: 2,
        Tab.OVERDUE: 1,
        Tab.PAID: 1,
        Tab.ALL: 6,
    }
    assert tab_counts(date(2024, 5, 16))[Tab.OVERDUE] == 2


def test_row_contents(books):
    rows = {r.number: r for r in list_invoices(Tab.ALL, today=TODAY)}
    overdue = rows["INV-2"]
    assert overdue.client == "acme ltd"
    assert (overdue.total, overdue.amount_paid, overdue.amount_due) == (D("330.00"), D("30.00"), D("300.00"))
    assert (overdue.subtotal, overdue.total_tax) == (D("300.00"), D("30.00"))
    assert overdue.overdue is True and overdue.status == "awaiting_payment"
    assert overdue.xero_state == "failed"
    first_message = "Account code '200' is not a valid code for this document."
    assert overdue.xero_error == f"Account mapping is incorrect: {first_message}"
    assert overdue.approved_at is not None
    assert rows["INV-3"].xero_state == "synced" and rows["INV-3"].xero_error == "" and not rows["INV-3"].overdue
    assert rows["INV-1"].xero_state == "not_sent" and rows["INV-1"].reference == "PO-77"
    assert rows["INV-4"].amount_due == D("0.00") and rows["INV-4"].status == "paid"
    assert rows["INV-5"].status == "void" and rows["INV-5"].xero_state == "skipped"


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("inv-3", ["INV-3"]),  # number, any case
        ("ACME", ["INV-2", "INV-4"]),  # client name, any case
        ("po-7", ["INV-1"]),  # reference
        ("ōtaki", ["INV-6"]),  # non-ASCII letters fold too
        ("& co", ["INV-3"]),
        ("%", []),  # wildcards are literal
        ("  beta  ", ["INV-1", "INV-5"]),
    ],
)
def test_search(books, search, expected):
    assert numbers(list_invoices(Tab.ALL, search=search, today=TODAY)) == expected
    assert count_invoices(Tab.ALL, search=search, today=TODAY) == len(expected)


def test_search_within_a_tab(books):
    assert numbers(list_invoices(Tab.DRAFT, search="beta", today=TODAY)) == ["INV-1"]
    assert count_invoices(Tab.DRAFT, search="beta", today=TODAY) == 1


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (SortKey.NUMBER, ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5", "INV-6"]),
        (SortKey.CLIENT, ["INV-2", "INV-4", "INV-1", "INV-5", "INV-3", "INV-6"]),  # case-insensitive
        (SortKey.DUE, ["INV-4", "INV-2", "INV-5", "INV-3", "INV-1", "INV-6"]),
        (SortKey.TOTAL, ["INV-6", "INV-1", "INV-4", "INV-5", "INV-3", "INV-2"]),
        (SortKey.AMOUNT_DUE, ["INV-4", "INV-6", "INV-1", "INV-5", "INV-3", "INV-2"]),
        # failed first, then not sent, skipped, synced
        (SortKey.XERO, ["INV-2", "INV-1", "INV-4", "INV-6", "INV-5", "INV-3"]),
    ],
)
def test_sorting(books, sort, expected):
    assert numbers(list_invoices(Tab.ALL, sort=sort, today=TODAY)) == expected
    assert numbers(list_invoices(Tab.ALL, sort=sort, descending=True, today=TODAY)) == expected[::-1]


def test_equal_keys_keep_a_stable_order_across_pages(books):
    # Every invoice has the same date: the pages must still partition the list.
    pages = [numbers(list_invoices(Tab.ALL, sort=SortKey.DATE, offset=o, limit=2, today=TODAY)) for o in (0, 2, 4)]
    assert pages == [["INV-1", "INV-2"], ["INV-3", "INV-4"], ["INV-5", "INV-6"]]
    assert numbers(list_invoices(Tab.ALL, offset=5, today=TODAY)) == ["INV-6"]
    assert list_invoices(Tab.ALL, offset=6, limit=10, today=TODAY) == []


def test_empty_company_file(db):
    assert list_invoices(Tab.ALL) == []
    assert tab_counts() == dict.fromkeys(Tab, 0)


def test_stored_messages_reads_xero_words_and_tolerates_damage() -> None:
    from invoice_desktop.store.failures import stored_messages

    assert stored_messages('["Invoice # must be unique."]') == ("Invoice # must be unique.",)
    assert stored_messages(None) == ()
    assert stored_messages("not json") == ()
    assert stored_messages('{"a": 1}') == ()


@pytest.mark.sqlite_only
def test_tab_counts_reads_while_another_connection_holds_the_write_lock(db, monkeypatch):
    """tab_counts reads in a DEFERRED transaction: it never waits for another connection's write lock. Waiting is
    made impossible here (no busy timeout, no patience), so a transaction that wanted the lock fails busy at once."""
    import sqlite3

    from invoice_desktop.store import faults
    from invoice_desktop.store.errors import CompanyFileBusyError
    from invoice_desktop.store.models import database_proxy

    monkeypatch.setattr(faults, "PATIENCE_S", 0.0)
    db.execute_sql("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(db.database, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        with pytest.raises(CompanyFileBusyError), database_proxy.atomic():  # a writer's transaction: refused
            pass
        assert tab_counts()[Tab.ALL] == 0
    finally:
        other.rollback()
        other.close()
