"""GET /Invoices as the engine's exactly-once rules rely on it, through the real SDK: InvoiceNumbers split on every
comma (so a number holding a comma cannot be asked for that way), the exact `where=InvoiceNumber=="..."` form with
Dynamic LINQ's string literals (a `"` doubled, a backslash plain), Date/Type conditions, and paging."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sandbox_helpers import DEMO, Connected
from xero_python.accounting import AccountingApi, Contact, Invoice, Invoices, LineAmountTypes, LineItem
from xero_python.exceptions import AccountingBadRequestException

from invoice_desktop.sandbox import seed

CUSTOMER = seed.DEMO_ACTIVE_CONTACTS[1]


def invoice(number: str, on: date = date(2026, 12, 2), status: str = "AUTHORISED") -> Invoice:
    line = LineItem(description="Hot water service", quantity=Decimal(1), unit_amount=Decimal("100.00"),
                    account_code="200", tax_type="OUTPUT")  # fmt: skip
    return Invoice(type="ACCREC", contact=Contact(name=CUSTOMER), line_items=[line], date=on,
                   due_date=on + timedelta(days=14), invoice_number=number, status=status,
                   line_amount_types=LineAmountTypes.EXCLUSIVE)  # fmt: skip


def create(api: AccountingApi, *numbers: str) -> list[Invoice]:
    created = api.create_invoices(DEMO, Invoices(invoices=[invoice(n) for n in numbers]), summarize_errors=False)
    assert not any(i.has_errors for i in created.invoices), [i.validation_errors for i in created.invoices]
    return list(created.invoices)


def literal(text: str) -> str:
    """A Dynamic LINQ string literal: in double quotes, a `"` written twice, nothing else escaped."""
    return '"' + text.replace('"', '""') + '"'


def by_where(api: AccountingApi, number: str) -> list[str]:
    return [i.invoice_number for i in api.get_invoices(DEMO, where=f"InvoiceNumber=={literal(number)}").invoices]


def by_numbers(api: AccountingApi, *numbers: str) -> list[str]:
    return sorted(i.invoice_number for i in api.get_invoices(DEMO, invoice_numbers=list(numbers)).invoices)


# Numbers the InvoiceNumbers parameter still finds (no comma in them), and the ones it cannot.
FOUND_BY_BOTH = ['Q"7', "O'Brien-3", "A&B=1", "(P)-2", "in ner 6", "CAFÉ-1", "Ōtaki-7", "BS\\8", 'end"']
WITH_COMMA = ["CM,1", "a,b,c", ",lead-comma"]


@pytest.mark.parametrize("number", FOUND_BY_BOTH + WITH_COMMA)
def test_every_number_is_found_by_the_exact_where_form(connected: Connected, number: str) -> None:
    api = connected.accounting()
    (made,) = create(api, number)
    assert made.invoice_number == number
    assert by_where(api, number) == [number]
    assert by_where(api, number.lower()) == [number]  # text comparisons ignore case, as Xero's do
    assert by_where(api, number + " ") == []  # but not spaces: the where form matches the whole number


@pytest.mark.parametrize("number", FOUND_BY_BOTH)
def test_invoice_numbers_finds_a_number_without_a_comma(connected: Connected, number: str) -> None:
    api = connected.accounting()
    create(api, number)
    assert by_numbers(api, number) == [number]


@pytest.mark.parametrize("number", WITH_COMMA)
def test_invoice_numbers_splits_on_every_comma(connected: Connected, number: str) -> None:
    api = connected.accounting()
    parts = [p.strip() for p in number.split(",") if p.strip()]
    create(api, number, *parts)  # the number itself, and an invoice for each piece it splits into
    assert by_numbers(api, number) == sorted(parts)  # the pieces are found, never the number with the comma


def test_invoice_numbers_trims_each_part_and_takes_it_out_of_quotes(connected: Connected) -> None:
    api = connected.accounting()
    create(api, "T-1", '"T-2"')
    assert by_numbers(api, "  T-1  ") == ["T-1"]
    assert by_numbers(api, " T-1 ,  ,INV-0042") == ["INV-0042", "T-1"]
    assert by_numbers(api, '"T-1", "INV-0042"') == ["INV-0042", "T-1"]  # the spec's own example form
    assert by_numbers(api, '"T-2"') == [] and by_numbers(api, "T-2") == []  # a quoted number: only `where` finds it
    assert by_where(api, '"T-2"') == ['"T-2"']


def test_leading_and_trailing_spaces_are_trimmed_when_the_invoice_is_created(connected: Connected) -> None:
    api = connected.accounting()
    (made,) = create(api, "  lead-4")
    (trail,) = create(api, "trail-5   ")
    assert (made.invoice_number, trail.invoice_number) == ("lead-4", "trail-5")
    assert by_where(api, "lead-4") == ["lead-4"] and by_where(api, "  lead-4") == []
    assert by_numbers(api, "  lead-4", "trail-5   ") == ["lead-4", "trail-5"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ('InvoiceNumber=="Q\\"7"', "Unterminated string literal"),  # a backslash escapes nothing
        ('InvoiceNumber=="open', "Unterminated string literal"),
        ("InvoiceNumber=='INV-0042'", "Character literal must contain exactly one character"),
        ("Date==DateTime(2026, 13, 2)", "is not a valid date"),
        ("Date==DateTime(2026, x, 2)", "expected a whole number"),
    ],
)
def test_unreadable_where_is_a_query_parse_exception(connected: Connected, where: str, message: str) -> None:
    with pytest.raises(AccountingBadRequestException) as raised:
        connected.accounting().get_invoices(DEMO, where=where)
    body = raised.value.error_data
    assert (body["ErrorNumber"], body["Type"]) == (16, "QueryParseException")
    assert message in body["Message"]


def test_where_dates_and_type_combined_with_and(connected: Connected) -> None:
    api = connected.accounting()
    created = api.create_invoices(DEMO, Invoices(invoices=[invoice("D-1", date(2026, 12, 1)),
                                                           invoice("D-2", date(2026, 12, 2)),
                                                           invoice("D-3", date(2026, 12, 3))]))  # fmt: skip
    assert len(created.invoices) == 3

    def numbers(where: str) -> list[str]:
        return sorted(i.invoice_number for i in api.get_invoices(DEMO, where=where).invoices)

    assert numbers('Type=="ACCREC" AND Date==DateTime(2026,12,02)') == ["D-2"]
    assert numbers('Type=="ACCREC" AND Date>=DateTime(2026, 12, 02)') == ["D-2", "D-3"]
    assert numbers('Type=="ACCPAY" AND Date>=DateTime(2026,12,02)') == []
    assert numbers('Date>=DateTime(2026,12,01) && Date<DateTime(2026,12,03) && Type=="ACCREC"') == ["D-1", "D-2"]


def test_paging_up_to_1000_and_larger_sizes_clamp(connected: Connected) -> None:
    api = connected.accounting()
    numbers = [f"P-{n:04d}" for n in range(1005)]
    for start in range(0, len(numbers), 250):
        create(api, *numbers[start : start + 250])
    ours = 'InvoiceNumber.StartsWith("P-")'
    first = api.get_invoices(DEMO, where=ours, order="InvoiceNumber", page=1, page_size=5000)
    assert len(first.invoices) == 1000
    assert (first.pagination.page, first.pagination.page_size) == (1, 1000)
    assert (first.pagination.page_count, first.pagination.item_count) == (2, 1005)
    second = api.get_invoices(DEMO, where=ours, order="InvoiceNumber", page=2, page_size=1000)
    assert [i.invoice_number for i in second.invoices] == numbers[1000:]
    default = api.get_invoices(DEMO, where=ours, page=3)
    assert len(default.invoices) == 100 and default.pagination.page_size == 100
    assert api.get_invoices(DEMO, where=ours, page=99).invoices == []
