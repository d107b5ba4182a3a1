"""A draft saved with the id of the client picked keeps that client, whatever it is called by now: renaming a client
while a draft is open no longer turns the old name into a new client. Without an id the client is still found by
name, or created (the CSV import, a name typed in)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.catalog import ClientDetails
from invoice_desktop.ledger.clients import delete_client, update_client
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, create_invoice, get_invoice_detail, update_draft
from invoice_desktop.store.models import Client, Invoice


def draft(client_name: str, client_id: int | None = None, reference: str = "") -> InvoiceDraft:
    line = LineDraft("Consulting", D(1), D("100.00"), "200", "GST on Income")
    return InvoiceDraft(
        client_name, date(2024, 3, 1), date(2024, 3, 31), reference=reference, lines=(line,), client_id=client_id
    )


def client_names() -> list[str]:
    return [name for (name,) in Client.select(Client.name).order_by(Client.id).tuples()]


def rename(client_id: int, name: str) -> None:
    update_client(client_id, name, ClientDetails())


def test_update_with_the_client_id_keeps_the_renamed_client(books):
    invoice_id = create_invoice(draft("Acme Pty Ltd"))
    opened = get_invoice_detail(invoice_id).to_draft()  # as the editor opened it
    assert opened.client_id is not None
    rename(opened.client_id, "Acme Holdings Ltd")

    update_draft(invoice_id, replace(opened, reference="PO 7"))

    detail = get_invoice_detail(invoice_id)
    assert (detail.client.id, detail.client.name, detail.reference) == (opened.client_id, "Acme Holdings Ltd", "PO 7")
    assert client_names() == ["Acme Holdings Ltd"]  # no new "Acme Pty Ltd"


def test_create_with_the_client_id_uses_that_client_not_its_old_name(books):
    acme, _ = catalog.get_or_create_client("Acme Pty Ltd")
    rename(acme.id, "Acme Holdings Ltd")

    invoice_id = create_invoice(draft("Acme Pty Ltd", acme.id))

    assert get_invoice_detail(invoice_id).client.name == "Acme Holdings Ltd"
    assert client_names() == ["Acme Holdings Ltd"]


def test_the_client_id_wins_over_the_name(books):
    acme, _ = catalog.get_or_create_client("Acme Pty Ltd")
    catalog.get_or_create_client("Beta Traders")

    invoice_id = create_invoice(draft("Beta Traders", acme.id))

    assert get_invoice_detail(invoice_id).client.id == acme.id


def test_without_an_id_the_name_still_finds_or_creates_the_client(books):
    acme, _ = catalog.get_or_create_client("Acme Pty Ltd")
    assert get_invoice_detail(create_invoice(draft("acme pty ltd"))).client.id == acme.id
    created = get_invoice_detail(create_invoice(draft("Zeta Plumbing"))).client
    assert created.name == "Zeta Plumbing" and client_names() == ["Acme Pty Ltd", "Zeta Plumbing"]


def test_a_deleted_client_is_a_problem_and_nothing_is_written(books):
    gone, _ = catalog.get_or_create_client("Gone Ltd")
    delete_client(gone.id)

    with pytest.raises(LedgerError) as refused:
        create_invoice(draft("Gone Ltd", gone.id))

    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("client_name", "“Gone Ltd” was deleted: pick another client or type a new name")
    ]
    assert Invoice.select().count() == 0 and client_names() == []


def test_an_id_needs_no_name(books):
    acme, _ = catalog.get_or_create_client("Acme Pty Ltd")
    assert get_invoice_detail(create_invoice(draft("", acme.id))).client.id == acme.id
