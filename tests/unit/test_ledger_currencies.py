"""Currencies: an invoice's currency is an ISO 4217 code that Xero invoices in (ledger.currencies), wherever it
enters: the CSV import, a draft, and approving an invoice stored before the rule. 'AUS' was imported and would
have been booked in the base currency."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ledger_books import HEADER
from xero_python.accounting import CurrencyCode

from invoice_desktop.ledger.csv_import import import_csv_text
from invoice_desktop.ledger.currencies import ISO_4217, NOT_IN_XERO, XERO_CURRENCIES, currency_problem
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
)
from invoice_desktop.store.models import Invoice

ISO_TABLE = Path(__file__).parents[2] / "docs" / "iso_4217.json"
# Codes the SDK still lists that ISO 4217 has withdrawn (replaced by BYN, EUR, MRU, STN, VES, ZMW, ...).
WITHDRAWN_IN_SDK = {"BYR", "EEK", "LTL", "LVL", "MRO", "SKK", "STD", "VEF", "ZMK", "ZWD"}


def test_the_iso_list_is_the_standards_table_kept_in_docs():
    table = {c["alpha_3"]: c["name"] for c in json.loads(ISO_TABLE.read_text(encoding="utf-8"))["4217"]}
    assert table == ISO_4217


def test_the_list_agrees_with_the_xero_sdks_currency_codes():
    sdk = {code.value for code in CurrencyCode}
    assert sdk >= XERO_CURRENCIES  # everything accepted here, Xero takes
    assert not sdk & NOT_IN_XERO  # a code Xero took since would show up here
    assert sdk - set(ISO_4217) == WITHDRAWN_IN_SDK


@pytest.mark.parametrize("code", ["AUD", "aud", " NZD ", "EUR", "", "JPY"])
def test_known_codes_are_kept(code):
    assert currency_problem(code) == ""


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("AUS", "'AUS' is not an ISO 4217 currency code (did you mean AUD, Australian Dollar?)"),
        ("NZ$", "'NZ$' is not an ISO 4217 currency code (did you mean NZD, New Zealand Dollar?)"),
        ("XAU", "XAU (Gold) is an ISO 4217 code but not a currency Xero invoices in"),
        ("STD", "'STD' is not an ISO 4217 currency code"),  # withdrawn in 2018 (now STN)
        ("QQQ", "'QQQ' is not an ISO 4217 currency code"),
    ],
)
def test_unknown_codes_are_refused_saying_why(code, words):
    assert currency_problem(code).startswith(words)


def csv_with(currency: str) -> str:
    row = f"Acme,Q-1,01/03/2024,31/03/2024,Work,1,100.00,200,GST on Income,{currency}"
    return f"{HEADER},Currency\r\n{row}\r\n"


def test_the_csv_import_refuses_an_unknown_currency(books):
    result = import_csv_text(csv_with("AUS"))
    assert [(e.line, e.column) for e in result.errors] == [(2, "Currency")]
    assert "did you mean AUD" in result.errors[0].message
    assert Invoice.select().count() == 0


def test_the_csv_import_keeps_a_known_currency_in_capitals(books):
    result = import_csv_text(csv_with("nzd"))
    assert result.ok, result.errors
    assert get_invoice_detail(result.invoice_ids[0]).currency == "NZD"


def draft(currency: str) -> InvoiceDraft:
    line = LineDraft("Work", D(1), D(100), "200", "GST on Income")
    return InvoiceDraft("Acme", date(2024, 3, 1), date(2024, 3, 31), currency=currency, lines=(line,), number="Q-1")


def test_a_draft_with_an_unknown_currency_is_refused(books):
    with pytest.raises(LedgerError) as error:
        create_invoice(draft("AUS"))
    assert [p.field for p in error.value.problems] == ["currency"]
    assert error.value.problems[0].describe().startswith("Currency: 'AUS' is not an ISO 4217 currency code")
    assert Invoice.select().count() == 0


def test_an_invoice_stored_with_an_unknown_currency_before_the_rule_is_not_approved(books):
    invoice_id = create_invoice(draft("AUD"))
    Invoice.update(currency="AUS").where(Invoice.id == invoice_id).execute()  # as an older version imported it
    result = approve_invoices([invoice_id])
    assert result.approved == ()
    assert result.rejected == (
        ("Q-1", "its currency: 'AUS' is not an ISO 4217 currency code (did you mean AUD, Australian Dollar?)"),
    )
