"""Regression tests for the fixes of a code review (one section per fix)."""

from __future__ import annotations

import sqlite3
import time
from datetime import date

# 1. tab_counts reads in a DEFERRED transaction: it does not wait for another connection's write lock.


def test_tab_counts_does_not_wait_for_a_writer(db):
    from invoice_desktop.ledger.queries import Tab, tab_counts

    other = sqlite3.connect(db.database, timeout=0.1)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        started = time.monotonic()
        counts = tab_counts()
        assert time.monotonic() - started < 2
        assert counts[Tab.ALL] == 0
    finally:
        other.rollback()
        other.close()


# 2. The CSV import reads the numbers in use once per import, not once per invoice it creates.


def test_csv_import_reads_the_numbers_in_use_once_per_import(db, monkeypatch):
    from decimal import Decimal

    from invoice_desktop.ledger import catalog, csv_import, invoices
    from invoice_desktop.ledger.invoices import invoice_ids_by_number

    catalog.get_or_create_account("200", "Sales")
    catalog.create_tax_rate("GST on Income", Decimal(10))
    calls = []
    real = invoices.numbers_in_use

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(invoices, "numbers_in_use", counting)
    monkeypatch.setattr(csv_import, "numbers_in_use", counting)
    header = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,"
    header += "*TaxType"
    rows = [f"Acme,CSV-{n:03d},01/03/2024,31/03/2024,Work,1,100.00,200,GST on Income" for n in range(20)]

    result = csv_import.import_csv_text("\r\n".join([header, *rows]) + "\r\n")

    assert result.ok, result.errors
    assert len(result.invoice_ids) == 20
    assert len(calls) <= 2  # the planner's check and the write's, not one per invoice
    assert len(invoice_ids_by_number([f"CSV-{n:03d}" for n in range(20)])) == 20


def test_create_invoice_with_taken_refuses_a_number_added_earlier_in_the_import(db):
    from decimal import Decimal

    import pytest

    from invoice_desktop.ledger import catalog
    from invoice_desktop.ledger.errors import LedgerError
    from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, create_invoice, numbers_in_use

    catalog.get_or_create_account("200", "Sales")
    catalog.create_tax_rate("GST on Income", Decimal(10))
    line = LineDraft("Work", Decimal(1), Decimal(5), "200", "GST on Income")
    draft = InvoiceDraft("Acme", date(2024, 3, 1), date(2024, 3, 31), lines=[line], number="T-1")
    taken = numbers_in_use()
    create_invoice(draft, taken)
    assert taken == {"t-1": "T-1"}
    with pytest.raises(LedgerError, match="already used"):
        create_invoice(draft, taken)


# 5. A token endpoint error that is not a dead grant (429 / 5xx at the sign-in service) is transient.


def test_token_endpoint_trouble_is_xero_unavailable_but_a_dead_grant_is_a_connection_failure():
    from invoice_desktop.store.failures import FailureCategory
    from invoice_desktop.xero.client import TokenEndpointError
    from invoice_desktop.xero.failure_classifier import classify_exception

    for error, status in (("temporarily_unavailable", 503), ("rate_limited", 429), ("server_error", 500)):
        failure = classify_exception(TokenEndpointError("sign-in service trouble", error, status))
        assert failure.category is FailureCategory.XERO_UNAVAILABLE, error
        assert failure.transient
    dead = classify_exception(TokenEndpointError("expired", "invalid_grant", 400))
    assert dead.category is FailureCategory.CONNECTION


# 6. The catalog finds a client by name ignoring case as the clients' uniqueness check does (casefold, Unicode).


def test_catalog_finds_a_client_ignoring_non_ascii_case(db):
    from invoice_desktop.ledger import catalog
    from invoice_desktop.ledger.clients import create_client
    from invoice_desktop.store.models import Client

    create_client("Ōtaki Café")
    found, created = catalog.get_or_create_client("ŌTAKI CAFÉ")
    assert not created and found.name == "Ōtaki Café"
    assert catalog.find_client("ōtaki café").name == "Ōtaki Café"
    assert Client.select().count() == 1


# 11. Only a reply that is not JSON is transient; any other ValueError (the SDK's ApiValueError: our bug) goes up.


def test_only_unreadable_json_is_transient_not_any_value_error():
    import json

    import pytest
    from xero_python.exceptions import ApiValueError

    from invoice_desktop.store.failures import FailureCategory
    from invoice_desktop.xero.failure_classifier import classify_exception

    unreadable = classify_exception(json.JSONDecodeError("Expecting value", "<html>", 0))
    assert unreadable.category is FailureCategory.XERO_UNAVAILABLE
    with pytest.raises(ApiValueError):
        classify_exception(ApiValueError("Missing the required parameter `xero_tenant_id`"))
