"""The search through schema 10's trigram index finds exactly what the plain test of every invoice finds: the
candidates are only ever a narrowing (ledger.invoice_search), whatever the text, case or script; and the index
follows every insert, renumber, change of reference and delete."""

from __future__ import annotations

from datetime import date

import pytest

from invoice_desktop.ledger import invoice_search
from invoice_desktop.ledger.queries import Tab, count_invoices, list_invoices
from invoice_desktop.store.models import Client, Invoice, InvoiceStatus, database_proxy

pytestmark = pytest.mark.sqlite_only  # PostgreSQL always tests every invoice (ILIKE)

NUMBERS = ["INV-0042", "inv-0043", "T-004217", "Straße-1", "ÅR-2024-7", "K-ﬁx-9", "N°12", 'Q"uote-1', "100%-off"]
REFERENCES = ["PO-4217", "", "Ōtaki order", "straße 5", "ref_1", "50% deposit", "ǅemal", "x" * 40, "Ärger"]
CLIENTS = ["Kōwhai Dental", "Acme Ltd", "ACME LTD", "Straßenbau GmbH", "Ōtaki Café", "Beta", "Æsir", "Ǆ Co"]
TERMS = ["4217", "inv", "INV-004", "strasse", "STRASSE", "straße", "STRAẞE", "kōwhai", "KŌWHAI", "ōtaki", "acme",
         "ltd", "ﬁx", "fix", "n°1", '"uote', "q\"", "100%", "50%", "_1", "ref_", "ǆ", "Ǆ", "æsir", "ÆSIR", "ärg",
         "zzz", "a", "in", "0042", "t-0", "   4217  "]  # fmt: skip


@pytest.fixture
def many(db):
    Client.insert_many([{"name": n} for n in CLIENTS]).execute()
    clients = [c.id for c in Client.select(Client.id).order_by(Client.id)]
    rows = []
    for n in range(300):
        number = NUMBERS[n] if n < len(NUMBERS) else f"T-{n:06d}"
        rows.append({"number": number, "client": clients[n % len(clients)], "date": date(2024, 1, 1),
                     "due_date": date(2024, 2, 1), "reference": REFERENCES[n % len(REFERENCES)],
                     "status": InvoiceStatus.PAID.value if n % 3 else InvoiceStatus.DRAFT.value,
                     "subtotal": 100, "total_tax": 0, "total": 100, "amount_paid": 0})  # fmt: skip
    Invoice.insert_many(rows).execute()
    return db


def found(term: str, tab: Tab = Tab.ALL) -> tuple[list[str], int]:
    return [r.number for r in list_invoices(tab, term, today=date(2024, 5, 1))], count_invoices(tab, term)


def plainly(monkeypatch, term: str, tab: Tab = Tab.ALL) -> tuple[list[str], int]:
    with monkeypatch.context() as patched:
        patched.setattr(invoice_search, "candidates", lambda _term: None)
        return found(term, tab)


@pytest.mark.parametrize("term", TERMS)
@pytest.mark.parametrize("tab", [Tab.ALL, Tab.PAID])
def test_the_indexed_search_finds_what_the_plain_one_finds(many, monkeypatch, term, tab):
    assert found(term, tab) == plainly(monkeypatch, term, tab)


def test_a_term_with_trigrams_is_searched_among_its_candidates_only(many):
    assert invoice_search.candidates("4217") is not None
    assert invoice_search.candidates("Kōwhai") is not None
    assert invoice_search.candidates("42") is None  # no trigram in it: every invoice is tested
    assert "T-004217" in found("4217")[0] and "INV-0042" in found("4217")[0]  # its reference is PO-4217


def test_thousands_of_candidates_are_not_listed(many, monkeypatch):
    monkeypatch.setattr(invoice_search, "MOST_CANDIDATES", 40)
    assert invoice_search.candidates("T-0") is None  # nearly every invoice: walking the tab is quicker
    assert invoice_search.candidates("4217") is not None


def test_the_index_follows_every_change_of_number_or_reference(many, monkeypatch):
    invoice = Invoice.get(Invoice.number == "T-004217")
    invoice.number = "RENUMBERED-77"
    invoice.save()
    Invoice.update(reference="new ref 9131").where(Invoice.number == "T-000100").execute()
    Invoice.delete().where(Invoice.number == "INV-0042").execute()
    Invoice.insert(number="ADDED-5150", client=Client.select(Client.id).limit(1).scalar(), date=date(2024, 1, 1),
                   due_date=date(2024, 2, 1), status=InvoiceStatus.DRAFT.value, subtotal=1, total_tax=0, total=1,
                   amount_paid=0).execute()  # fmt: skip
    for term in ("RENUMBERED", "004217", "9131", "new ref", "INV-0042", "5150"):
        assert found(term) == plainly(monkeypatch, term), term
    assert found("RENUMBERED")[0] == ["RENUMBERED-77"]
    assert found("9131")[0] == ["T-000100"]
    assert found("INV-0042")[0] == []
    assert found("5150")[0] == ["ADDED-5150"]
    assert database_proxy.execute_sql(
        "INSERT INTO invoice_search (invoice_search) VALUES ('integrity-check')"
    )  # the FTS index agrees with the table
