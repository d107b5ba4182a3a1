"""The invoice lists' sorts walk an index (schemas 6 and 9) rather than sorting the whole tab: EXPLAIN QUERY PLAN
names the index and has no temporary B-tree for the ORDER BY; and the Client sort keeps clients whose names differ
only in case apart (each one's invoices in turn, by id)."""

from __future__ import annotations

from datetime import date

import pytest

from invoice_desktop.ledger.queries import XERO_SORT_ORDER, SortKey, Tab, list_invoices, list_query
from invoice_desktop.store.models import Client, ExportState, Invoice, InvoiceStatus, XeroExport, database_proxy

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself

TODAY = date(2024, 5, 15)
STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.AWAITING_PAYMENT, InvoiceStatus.PAID, InvoiceStatus.VOID)


@pytest.fixture
def many(db):
    """600 invoices of 60 clients (two of them 'acme ltd' and 'ACME LTD'), the planner's statistics gathered."""
    names = ["acme ltd", "ACME LTD"] + [f"Client {n:03d}" for n in range(58)]
    Client.insert_many([{"name": n} for n in names]).execute()
    ids = [c.id for c in Client.select(Client.id).order_by(Client.id)]
    rows = []
    for n in range(600):
        total = 1000 + (n * 7919) % 50000
        status = STATUSES[n % 4]
        rows.append(
            {
                "number": f"T-{n:04d}",
                "client": ids[(n * 13) % len(ids)],
                "date": date(2024, 1 + n % 12, 1 + n % 28),
                "due_date": date(2024, 1 + n % 12, 1 + n % 28),
                "status": status,
                "subtotal": total,
                "total_tax": 0,
                "total": total,
                "amount_paid": total if status is InvoiceStatus.PAID else n % 3,
            }
        )
    Invoice.insert_many(rows).execute()
    database_proxy.execute_sql("ANALYZE")
    return db


def plan(tab: Tab, sort: SortKey, descending: bool) -> list[str]:
    sql, params = list_query(tab, "", sort, descending, 0, 100, TODAY).sql()
    return [row[-1] for row in database_proxy.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]


INDEX_OF = {
    (Tab.PAID, SortKey.NUMBER): "invoice_status_number",
    (Tab.PAID, SortKey.DATE): "invoice_status_date",
    (Tab.PAID, SortKey.DUE): "invoice_status_due_date",
    (Tab.PAID, SortKey.TOTAL): "invoice_status_total",
    (Tab.PAID, SortKey.AMOUNT_DUE): "invoice_status_amount_due",
    (Tab.PAID, SortKey.CLIENT): "client_name_nocase",
    (Tab.ALL, SortKey.NUMBER): "invoice_number",
    (Tab.ALL, SortKey.DATE): "invoice_date",
    (Tab.ALL, SortKey.DUE): "invoice_due_date",
    (Tab.ALL, SortKey.TOTAL): "invoice_total",
    (Tab.ALL, SortKey.AMOUNT_DUE): "invoice_amount_due",
    (Tab.ALL, SortKey.CLIENT): "client_name_nocase",
    (Tab.OVERDUE, SortKey.NUMBER): "invoice_status_number",
    (Tab.PAID, SortKey.XERO): "invoice_status_xero_rank",
    (Tab.OVERDUE, SortKey.XERO): "invoice_status_xero_rank",
    (Tab.ALL, SortKey.XERO): "invoice_xero_rank",
}


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(("tab", "sort"), list(INDEX_OF))
def test_a_sort_walks_its_index_and_sorts_nothing(many, tab, sort, descending):
    steps = plan(tab, sort, descending)
    assert any(INDEX_OF[tab, sort] in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps


@pytest.mark.parametrize("tab", [Tab.DRAFT, Tab.AWAITING_PAYMENT])
@pytest.mark.parametrize("sort", [SortKey.DATE, SortKey.TOTAL, SortKey.AMOUNT_DUE])
def test_every_status_tab_sorts_by_an_index(many, tab, sort):
    assert not any("TEMP B-TREE" in step for step in plan(tab, sort, False))


@pytest.mark.parametrize("sort", [s for s in SortKey if s is not SortKey.XERO])
def test_the_indexed_order_is_the_key_then_the_id_and_descending_is_its_reverse(many, sort):
    rows = list_invoices(Tab.ALL, sort=sort, today=TODAY)
    key = {
        SortKey.NUMBER: lambda r: r.number,
        SortKey.CLIENT: lambda r: r.client.lower(),
        SortKey.DATE: lambda r: r.date,
        SortKey.DUE: lambda r: r.due_date,
        SortKey.TOTAL: lambda r: r.total,
        SortKey.AMOUNT_DUE: lambda r: r.amount_due,
    }[sort]
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)
    assert [r.id for r in list_invoices(Tab.ALL, sort=sort, descending=True, today=TODAY)] == [r.id for r in rows][::-1]


def test_clients_whose_names_differ_in_case_are_kept_apart_each_by_id(many):
    rows = [r for r in list_invoices(Tab.ALL, sort=SortKey.CLIENT, today=TODAY) if r.client.lower() == "acme ltd"]
    clients = [r.client for r in rows]
    first = clients[0]
    split = clients.index("ACME LTD" if first == "acme ltd" else "acme ltd")
    assert set(clients[:split]) == {first} and first not in clients[split:]  # one client's invoices, then the other's
    assert [r.id for r in rows[:split]] == sorted(r.id for r in rows[:split])
    assert [r.id for r in rows[split:]] == sorted(r.id for r in rows[split:])


def xero_ranks() -> dict[int, int]:
    return dict(database_proxy.execute_sql('SELECT "id", "xero_rank" FROM "invoice"').fetchall())


def test_the_xero_rank_follows_every_write_of_the_export_state(many):
    """Schema 9's triggers: whatever writes xero_export (insert, update, delete), the invoice's rank is its state's
    place in XERO_SORT_ORDER, and an invoice with no export row ranks as not sent."""
    ids = [i.id for i in Invoice.select(Invoice.id).order_by(Invoice.id)][: len(ExportState)]
    rank = {state: XERO_SORT_ORDER.index(state) for state in ExportState}
    assert set(xero_ranks().values()) == {rank[ExportState.NOT_SENT]}
    XeroExport.insert_many([{"invoice": i, "state": s} for i, s in zip(ids, ExportState, strict=True)]).execute()
    assert [xero_ranks()[i] for i in ids] == [rank[s] for s in ExportState]
    for state in ExportState:
        XeroExport.update(state=state).where(XeroExport.invoice == ids[0]).execute()
        assert xero_ranks()[ids[0]] == rank[state]
    XeroExport.delete().where(XeroExport.invoice == ids[1]).execute()
    assert xero_ranks()[ids[1]] == rank[ExportState.NOT_SENT]
    invoice = Invoice.get_by_id(ids[0])
    invoice.reference = "saved again"
    invoice.save()  # a save of the model never writes the rank (it is no field of it)
    assert xero_ranks()[ids[0]] == rank[list(ExportState)[-1]]  # the state the loop left


def test_the_xero_sort_is_the_states_order_then_the_id(many):
    ids = [i.id for i in Invoice.select(Invoice.id).where(Invoice.status != InvoiceStatus.DRAFT.value)]
    states = list(ExportState)
    XeroExport.insert_many([{"invoice": i, "state": states[(i * 7) % len(states)]} for i in ids[::2]]).execute()
    rows = list_invoices(Tab.ALL, sort=SortKey.XERO, today=TODAY)
    keys = [(XERO_SORT_ORDER.index(ExportState(r.xero_state)), r.id) for r in rows]
    assert keys == sorted(keys)
    backwards = list_invoices(Tab.ALL, sort=SortKey.XERO, descending=True, today=TODAY)
    assert [r.id for r in backwards] == [r.id for r in rows][::-1]
