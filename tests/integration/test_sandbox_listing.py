"""GET lists through the sandbox's indexes (sandbox/listing.py) answer exactly what a scan of every record's JSON
answers (the rule before the indexes), for random organisations, histories and queries; and a page of the common
forms builds the JSON of that page only (work counted, never timed)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from invoice_desktop.sandbox import accounting, queries, seed, xero_json
from invoice_desktop.sandbox.context import SandboxContext, build_context
from invoice_desktop.sandbox.http_messages import Request
from invoice_desktop.sandbox.state import Invoice, LineItem, Organisation, Payment, new_id
from invoice_desktop.sandbox.wire import loads

CLIENT = "LISTINGTESTCLIENT"
NUMBERS = ["INV-1", "inv-1", "INV-2", "Q-7", "q-7", "/Date(5)/", "/date(5)/", "A,B", "  ", "N-9"]


def organisation(ctx: SandboxContext) -> Organisation:
    return ctx.state.organisations[seed.DEMO_TENANT_ID]


def random_invoice(rng: random.Random, org: Organisation, now: float) -> Invoice:
    contacts = [c.contact_id for c in org.contacts]
    line = LineItem(new_id(), "Work", Decimal(1), Decimal(100), "200", "", "OUTPUT", Decimal(10), Decimal(100))
    invoice_date = date(2026, 3, 1) + timedelta(days=rng.randrange(4))
    return Invoice(new_id(), rng.choice(["ACCREC", "ACCREC", "ACCPAY"]), rng.choice(NUMBERS), rng.choice(contacts),
                   invoice_date, status=rng.choice(["DRAFT", "AUTHORISED", "PAID", "VOIDED"]), line_items=[line],
                   total=Decimal(110), reference=rng.choice(["", "Job 7", "job 8"]), created=now, updated=now,
                   created_by_client_id=rng.choice([CLIENT, "other"]))  # fmt: skip


def history(ctx: SandboxContext, rng: random.Random, steps: int) -> None:
    """Invoices added, replaced by changed copies (a batch's update) and changed in place (touch_invoice), with
    UpdatedDateUTCs that often tie."""
    org = organisation(ctx)
    now = 1_790_000_000.0
    for _ in range(steps):
        now += rng.choice([0.0, 0.0004, 0.5, 3.0])  # ties, and the same millisecond
        existing = list(org.invoices.values())
        roll = rng.random()
        if roll < 0.6 or not existing:
            org.add_invoice(random_invoice(rng, org, now))
        elif roll < 0.8:
            changed = random_invoice(rng, org, now)
            changed.invoice_id = rng.choice(existing).invoice_id
            org.add_invoice(changed)
        else:
            invoice = rng.choice(existing)
            invoice.status = rng.choice(["AUTHORISED", "PAID", "VOIDED"])
            org.touch_invoice(invoice, now)


def scan(org: Organisation, request: Request, since: float | None) -> dict[str, Any]:
    """GET /Invoices as the sandbox answered it before the indexes: every invoice's JSON filtered and sorted."""
    invoices = queries.filter_modified(org.invoices.values(), since, lambda i: i.updated)
    ids = {i.lower() for i in request.query_list("IDs")}
    numbers = {n.casefold() for n in request.query_list("InvoiceNumbers")}
    contact_ids = {c.lower() for c in request.query_list("ContactIDs")}
    statuses = {s.upper() for s in request.query_list("Statuses")}
    term = (request.query("searchTerm") or "").casefold()
    mine = request.query_flag("createdByMyApp")
    invoices = [
        i for i in invoices
        if (not ids or i.invoice_id in ids) and (not numbers or i.invoice_number.casefold() in numbers)
        and (not contact_ids or i.contact_id.lower() in contact_ids) and (not statuses or i.status in statuses)
        and (not term or term in i.invoice_number.casefold() or term in i.reference.casefold())
        and (not mine or i.created_by_client_id == CLIENT)
    ]  # fmt: skip
    paged, summary = bool(request.query("page")), bool(request.query_flag("summaryOnly"))
    return scan_documents([xero_json.invoice_json(org, i, with_lines=paged, summary=summary) for i in invoices],
                          "Invoices", request)  # fmt: skip


def scan_documents(documents: list[dict[str, Any]], key: str, request: Request) -> dict[str, Any]:
    """where, order and paging over every record's JSON."""
    predicate = queries.where_filter(request.query("where"))
    if predicate is not None:
        documents = [d for d in documents if predicate(d)]
    documents = queries.order_records(documents, request.query("order"))
    page = queries.page_of(request.query("page"), request.query("pageSize"))
    if page is None:
        return {key: documents}
    shown = queries.slice_page(documents, page)
    return {"pagination": xero_json.pagination(page.number, page.size, len(documents)), key: shown}


def served(ctx: SandboxContext, query: dict[str, str], since: float | None, resource: str = "Invoices") -> Any:
    headers = {} if since is None else {"If-Modified-Since": since_header(since)}
    request = Request("GET", f"/api.xro/2.0/{resource}", urlencode(query), headers)
    call = accounting.ApiCall(ctx, request, organisation(ctx), CLIENT, "corr", resource.lower(), None)
    handler = accounting.RESOURCES[resource.lower()][1]["GET"]
    body = loads(handler(call).body)
    return {k: v for k, v in body.items() if k in ("pagination", resource)}


def since_header(moment: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(moment), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


Choices = list[str | None]
WHERES: Choices = [
    None, 'Type=="ACCREC"', 'type=="accpay"', 'Status=="PAID"', 'Type=="ACCREC" AND Status=="AUTHORISED"',
    'InvoiceNumber=="INV-1"', 'Type=="ACCREC" AND (InvoiceNumber=="inv-1" OR InvoiceNumber=="Q-7")',
    'InvoiceNumber=="/Date(5)/"', "InvoiceNumber==DateTime(1970, 1, 1)", 'Date==DateTime(2026, 03, 02)',
    'Type=="ACCREC" AND Date==DateTime(2026, 3, 3)', "Date==DateTime(2026, 3, 3, 1, 0, 0)", 'Date=="2026-03-02"',
    'Type=="ACCREC" && Reference.Contains("job")', 'Type=="ACCREC" OR Status=="VOIDED"', 'Type!="ACCREC"',
    'InvoiceNumber.ToLower()=="inv-1"', "AmountDue>0 AND Type==\"ACCREC\"", 'Type=="ACCREC" AND Type=="ACCPAY"',
    'Type==null', "InvoiceNumber==42", 'NOT (Type=="ACCREC") AND Status=="PAID"',
]  # fmt: skip
ORDERS: Choices = [None, "UpdatedDateUTC ASC", "UpdatedDateUTC", "updateddateutc desc", "InvoiceNumber DESC",
          "Date, UpdatedDateUTC DESC", "Total"]  # fmt: skip


def random_query(
    rng: random.Random,
    org: Organisation,
    wheres: list[str | None] | None = None,
    orders: list[str | None] | None = None,
) -> dict[str, str]:
    query: dict[str, str] = {}
    if (where := rng.choice(wheres or WHERES)) is not None:
        query["where"] = where
    if (order := rng.choice(orders or ORDERS)) is not None:
        query["order"] = order
    if rng.random() < 0.7:
        query["page"] = str(rng.choice([1, 1, 2, 3, 9]))
        if rng.random() < 0.8:
            query["pageSize"] = str(rng.choice([1, 5, 20, 1000]))
    extras: list[Callable[[], tuple[str, str]]] = [
        lambda: ("InvoiceNumbers", ",".join(rng.sample(NUMBERS, 2))),
        lambda: ("IDs", ",".join(i.invoice_id.upper() for i in rng.sample(list(org.invoices.values()), 3))),
        lambda: ("ContactIDs", rng.choice(org.contacts).contact_id),
        lambda: ("Statuses", "paid,AUTHORISED"),
        lambda: ("searchTerm", "JOB"),
        lambda: ("createdByMyApp", "true"),
        lambda: ("summaryOnly", "true"),
    ]
    for extra in rng.sample(extras, rng.choice([0, 0, 1, 2]) if wheres is None else 0):
        name, value = extra()
        query[name] = value
    return query


def scanned(org: Organisation, query: dict[str, str], since: float | None, resource: str = "Invoices") -> Any:
    """The scan's answer as it comes over the wire."""
    request = Request("GET", "/", urlencode(query))
    if resource == "Invoices":
        expected = scan(org, request, since)
    else:
        listed = queries.filter_modified(org.payments.values(), since, lambda p: p.updated)
        expected = scan_documents([xero_json.payment_json(org, p) for p in listed], "Payments", request)
    return loads(accounting.Response.json(200, expected).body)


def organisation_after(seed_value: int, steps: int) -> tuple[random.Random, SandboxContext, Organisation]:
    """A fresh sandbox's demo organisation after a random history of `steps` invoice changes."""
    rng = random.Random(seed_value)
    ctx = build_context()
    history(ctx, rng, steps)
    return rng, ctx, organisation(ctx)


def assert_same(ctx: SandboxContext, query: dict[str, str], since: float | None, resource: str) -> None:
    seconds = None if since is None else queries.modified_since(since_header(since))  # as the header says it
    org = organisation(ctx)
    assert answer(served, ctx, query, since, resource) == answer(scanned, org, query, seconds, resource), query


def answer(ask: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any] | str:
    """The answer, or the QueryParseException's message (an order the sandbox cannot sort by)."""
    try:
        return ask(*arguments)
    except queries.QueryError as exc:
        return str(exc)


@pytest.mark.parametrize("seed_value", range(6))
def test_indexed_lists_answer_what_a_scan_answers(seed_value: int) -> None:
    rng, ctx, org = organisation_after(seed_value, 120)
    org.invoice_index  # noqa: B018  built now, then kept up by the rest of the history
    history(ctx, rng, 200)
    times = sorted({i.updated for i in org.invoices.values()})
    for _ in range(120):
        query = random_query(rng, org)
        assert_same(ctx, query, rng.choice([None, None, rng.choice(times), rng.choice(times) + 1]), "Invoices")
        if rng.random() < 0.2:
            history(ctx, rng, 5)


PAYMENT_WHERES: Choices = [None, 'Status=="AUTHORISED"', 'status=="deleted" AND PaymentType=="ACCRECPAYMENT"',
                  'Reference=="eft"', 'Date==DateTime(2026, 3, 2)', 'Amount>5 AND Status=="AUTHORISED"']  # fmt: skip


@pytest.mark.parametrize("seed_value", range(3))
def test_indexed_payments_answer_what_a_scan_answers(seed_value: int) -> None:
    rng, ctx, org = organisation_after(seed_value, 40)
    invoices = list(org.invoices.values())
    now = 1_790_000_100.0
    for step in range(300):
        now += rng.choice([0.0, 0.5, 2.0])
        if step % 4 == 3:
            deleted = rng.choice(list(org.payments.values()))
            deleted.status = "DELETED"
            org.touch_payment(deleted, now)
            continue
        day = date(2026, 3, 1 + rng.randrange(3))
        amount, reference = Decimal(rng.randrange(1, 20)), rng.choice(["EFT", "eft", "Cash"])
        org.add_payment(Payment(new_id(), rng.choice(invoices).invoice_id, "", day, amount, reference, updated=now))
    times = sorted({p.updated for p in org.payments.values()})
    for _ in range(80):
        query = random_query(rng, org, PAYMENT_WHERES, [None, "UpdatedDateUTC ASC", "Amount DESC"])
        assert_same(ctx, query, rng.choice([None, rng.choice(times)]), "Payments")


def test_a_page_builds_the_json_of_the_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _rng, ctx, org = organisation_after(1, 3000)
    built: list[str] = []

    def counted(org: Organisation, invoice: Invoice, **options: Any) -> dict[str, Any]:
        built.append(invoice.invoice_id)
        return xero_json.invoice_json(org, invoice, **options)

    monkeypatch.setattr(accounting, "invoice_json", counted)
    first = min(i.updated for i in org.invoices.values())
    common = [
        ({"where": 'Type=="ACCREC"', "order": "UpdatedDateUTC ASC", "page": "3", "pageSize": "100"}, first),
        ({"where": 'Type=="ACCREC" AND (InvoiceNumber=="INV-2" OR InvoiceNumber=="Q-7")', "page": "1"}, None),
        ({"where": 'Type=="ACCREC" AND Date==DateTime(2026, 03, 02)', "page": "2", "pageSize": "10"}, None),
        ({"InvoiceNumbers": "INV-2,Q-7", "page": "1", "pageSize": "10"}, None),
        ({"page": "5", "pageSize": "100"}, None),
    ]
    for query, since in common:
        built.clear()
        answer = served(ctx, query, since)
        assert len(built) == len(answer["Invoices"]) <= int(query.get("pageSize", "100")), query
        assert answer["pagination"]["itemCount"] > len(built), query
