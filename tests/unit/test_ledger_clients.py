"""Client services: create, edit (names unique ignoring case, a Xero link kept), delete only without invoices,
search with invoice counts and amounts awaiting payment; every refusal writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.catalog import ClientDetails
from invoice_desktop.ledger.clients import (
    client_problems,
    create_client,
    delete_client,
    delete_problems,
    describe,
    search_clients,
    update_client,
)
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    record_payment,
)
from invoice_desktop.store.models import Client

DAY = date(2024, 5, 15)
ADDRESS = ClientDetails(
    email="accounts@acme.example", address_line1="12 Wharf St", city="Wellington", postal_code="6011", country="NZ"
)


def invoice(client: str, unit: str) -> int:
    line = LineDraft("Bookkeeping", D(1), D(unit), "200", "GST on Income")
    return create_invoice(InvoiceDraft(client, DAY, DAY, lines=[line]))


def snapshot() -> list[tuple]:
    return list(Client.select().order_by(Client.id).tuples())


def problems_of(exc: pytest.ExceptionInfo[LedgerError]) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in exc.value.problems]


# --- create ----------------------------------------------------------------------------------------------


def test_create_keeps_every_detail_trimmed(books):
    client = create_client("  Acme Ltd ", ClientDetails(email=" accounts@acme.example ", city="Wellington "))
    assert client.name == "Acme Ltd"
    assert client.details.email == "accounts@acme.example" and client.details.city == "Wellington"
    assert catalog.get_client(client.id) == client
    assert client.xero_contact_id is None


def test_create_refuses_an_empty_name(books):
    with pytest.raises(LedgerError) as exc:
        create_client("   ", ADDRESS)
    assert problems_of(exc) == [("name", "a client needs a name")]
    assert snapshot() == []


@pytest.mark.parametrize("twin", ["acme ltd", "ACME LTD", " Acme Ltd "])
def test_create_refuses_a_name_taken_ignoring_case(books, twin):
    create_client("Acme Ltd")
    before = snapshot()
    with pytest.raises(LedgerError) as exc:
        create_client(twin, ADDRESS)
    assert problems_of(exc) == [("name", "there is already a client named “Acme Ltd”")]
    assert snapshot() == before


def test_names_compare_beyond_ascii(books):
    create_client("Ōtaki Café")
    with pytest.raises(LedgerError, match="already a client named “Ōtaki Café”"):
        create_client("ōTAKI CAFÉ")


@pytest.mark.parametrize("email", ["accounts", "a@b", "a b@c.com", "a@@b.com", "@acme.example", "a@.com", "a@b..com"])
def test_create_refuses_a_malformed_email(books, email):
    with pytest.raises(LedgerError) as exc:
        create_client("Acme Ltd", ClientDetails(email=email))
    assert [p.field for p in exc.value.problems] == ["email"]
    assert "is not an email address" in str(exc.value)
    assert snapshot() == []


@pytest.mark.parametrize("email", ["", "accounts@acme.example", "first.last+inv@mail.co.nz"])
def test_good_or_empty_email_is_accepted(books, email):
    assert create_client("Acme Ltd", ClientDetails(email=email)).details.email == email


def test_every_problem_is_listed_at_once(books):
    create_client("Acme Ltd")
    problems = client_problems("ACME LTD", ClientDetails(email="nope", postal_code="9" * 51))
    assert [p.field for p in problems] == ["name", "email", "postal_code"]
    assert describe(problems[2]) == "Postal code: at most 50 characters (Xero's limit); this has 51"


# --- update ----------------------------------------------------------------------------------------------


def test_rename_changes_the_name_on_every_invoice(books):
    client = create_client("Acme Ltd", ADDRESS)
    invoice_id = invoice("Acme Ltd", "100.00")
    renamed = update_client(client.id, "Acme Holdings Ltd", ADDRESS)
    assert renamed.name == "Acme Holdings Ltd" and renamed.id == client.id
    assert get_invoice_detail(invoice_id).client.name == "Acme Holdings Ltd"


def test_update_may_change_the_case_of_its_own_name_and_details(books):
    client = create_client("acme ltd")
    updated = update_client(client.id, "Acme Ltd", ADDRESS)
    assert updated.name == "Acme Ltd" and updated.details == ADDRESS


def test_rename_to_a_taken_name_changes_nothing(books):
    create_client("Beta Traders")
    acme = create_client("Acme Ltd", ADDRESS)
    before = snapshot()
    with pytest.raises(LedgerError) as exc:
        update_client(acme.id, "beta traders", ClientDetails(email="new@acme.example"))
    assert problems_of(exc) == [("name", "there is already a client named “Beta Traders”")]
    assert snapshot() == before  # not even the email


def test_a_linked_client_can_be_renamed_and_keeps_its_xero_link(books):
    client = create_client("Acme Ltd")
    Client.update(xero_contact_id="c0ffee00-0000-4000-8000-000000000001").where(Client.id == client.id).execute()
    renamed = update_client(client.id, "Acme Group", ADDRESS)
    assert renamed.name == "Acme Group"
    assert renamed.xero_contact_id == "c0ffee00-0000-4000-8000-000000000001"


def test_update_of_a_missing_client_is_refused(books):
    with pytest.raises(LedgerError, match="no client with id 999"):
        update_client(999, "Ghost", ClientDetails())


def test_twins_made_before_the_rule_stay_editable(books):
    Client.create(name="Ōtaki Café")
    twin = Client.create(name="ōtaki café")  # SQLite's lower() does not fold Ō: the CSV import could make these
    assert update_client(twin.id, "ōtaki café", ADDRESS).details == ADDRESS
    with pytest.raises(LedgerError, match="already a client"):
        update_client(twin.id, "ŌTAKI CAFÉ", ADDRESS)


# --- delete ----------------------------------------------------------------------------------------------


def test_delete_a_client_without_invoices(books):
    client = create_client("Acme Ltd")
    assert delete_problems(client.id) == []
    assert delete_client(client.id) == "Acme Ltd"
    assert catalog.find_client("Acme Ltd") is None


def test_delete_refused_while_the_client_has_invoices(books):
    invoice("Acme Ltd", "10.00")
    invoice("Acme Ltd", "20.00")
    client = catalog.find_client("Acme Ltd")
    before = snapshot()
    with pytest.raises(LedgerError) as exc:
        delete_client(client.id)
    assert str(exc.value) == "“Acme Ltd” has 2 invoices and cannot be deleted: every invoice keeps its client."
    assert snapshot() == before


def test_delete_of_a_missing_client_is_refused(books):
    with pytest.raises(LedgerError, match="no client with id 5"):
        delete_client(5)


# --- search ----------------------------------------------------------------------------------------------


def test_search_lists_counts_and_amounts_awaiting_payment(books):
    create_client("Zeta Ltd", ClientDetails(city="Auckland"))
    invoice("Acme Ltd", "100.00")  # stays a draft
    first, second, paid = invoice("Acme Ltd", "200.00"), invoice("Acme Ltd", "50.00"), invoice("Acme Ltd", "10.00")
    approve_invoices([first, second, paid])
    record_payment(first, DAY, D("20.00"))
    record_payment(paid, DAY, D("11.00"))
    rows = {s.name: s for s in search_clients()}
    assert list(rows) == ["Acme Ltd", "Zeta Ltd"]
    assert rows["Acme Ltd"].invoice_count == 4  # the draft counts as an invoice, not as money owed
    assert rows["Acme Ltd"].outstanding == D("220.00") + D("55.00") - D("20.00")
    assert rows["Zeta Ltd"].invoice_count == 0 and rows["Zeta Ltd"].outstanding == D("0.00")


def test_search_matches_name_email_or_city_ignoring_case(books):
    create_client("Acme Ltd", ADDRESS)
    create_client("Beta Traders", ClientDetails(city="Auckland"))
    create_client("Ōtaki Café", ClientDetails(email="hello@otaki.example"))
    assert [s.name for s in search_clients("WELLING")] == ["Acme Ltd"]
    assert [s.name for s in search_clients("ōTAKI")] == ["Ōtaki Café"]
    assert [s.name for s in search_clients("otaki.example")] == ["Ōtaki Café"]
    assert [s.name for s in search_clients("  ")] == ["Acme Ltd", "Beta Traders", "Ōtaki Café"]
    assert search_clients("nobody") == []


def test_search_says_which_clients_are_linked_in_xero(books):
    linked = create_client("Acme Ltd")
    create_client("Beta Traders")
    Client.update(xero_contact_id="abc").where(Client.id == linked.id).execute()
    assert [(s.name, s.linked_in_xero) for s in search_clients()] == [("Acme Ltd", True), ("Beta Traders", False)]


def test_the_catalog_finds_a_client_ignoring_non_ascii_case_as_the_uniqueness_check_does(db):
    create_client("Ōtaki Café")
    found, created = catalog.get_or_create_client("ŌTAKI CAFÉ")
    assert not created and found.name == "Ōtaki Café"
    assert catalog.find_client("ōtaki café").name == "Ōtaki Café"
    assert Client.select().count() == 1
