"""The exactly-once rules in isolation: which query carries a number, what counts as ours, what a created element
is, which 403 drops the connection, an unknown contact status, and which settings a Resync reads again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from xero_python.exceptions import HTTPStatusException

from invoice_desktop.ledger.catalog import ClientDetails, ClientInfo
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.xero.export_actions import stale_parts
from invoice_desktop.xero.export_preflight import choose_contact
from invoice_desktop.xero.failure_classifier import ZERO_GUID, classify_exception, element_created, element_warnings
from invoice_desktop.xero.invoice_lookup import Wanted, look_up, query_form, whose
from invoice_desktop.xero.invoice_mapping import LineMapping, MappedInvoice
from invoice_desktop.xero.xero_cache import PARTS, XeroCache, XeroContact

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "form"),
    [
        ("INV-0001", "numbers"),
        ("O'Brien-1", "numbers"),
        ("A&B=1 (x)", "numbers"),
        ("CAFÉ-1", "numbers"),
        ("CM,1", "where"),
        ('Q"1', "date"),
        ("B\\1", "date"),
        (" LEAD-1", "date"),
        ("TRAIL-1 ", "date"),
        ("ZW\u200b1", "date"),
    ],
)
def test_each_number_goes_by_a_query_that_carries_it_verbatim(number: str, form: str) -> None:
    assert query_form(number) == form


def _xero(number: str, *, contact_id: str = "c-1", name: str = "Bayside Cafe", total: str = "110.00", **extra: object):
    contact = SimpleNamespace(contact_id=contact_id, name=name)
    fields = {"type": "ACCREC", "status": "AUTHORISED", "currency_code": "AUD", "invoice_id": f"id-{number}"}
    return SimpleNamespace(invoice_number=number, contact=contact, total=Decimal(total), **{**fields, **extra})


def test_every_page_of_a_look_up_is_read_and_matched_as_xero_compares_numbers() -> None:
    pages = {1: [_xero(f"OTHER-{i}") for i in range(1000)], 2: [_xero("cm,1"), _xero("CM,10")]}
    asked: list[dict[str, object]] = []

    def read_page(query: dict[str, object]) -> object:
        asked.append(query)
        return SimpleNamespace(invoices=pages.get(int(query["page"]), []))  # type: ignore[call-overload]

    found = look_up([Wanted("CM,1", date(2026, 3, 2))], read_page)

    assert [q["page"] for q in asked] == [1, 2]
    assert asked[0]["where"] == 'Type=="ACCREC" AND (InvoiceNumber=="CM,1")'
    assert [i.invoice_number for i in found.invoices("CM,1")] == ["cm,1"]


def test_a_look_up_that_fails_is_reported_for_its_numbers_only() -> None:
    from invoice_desktop.xero.failure_classifier import Failure

    def read_page(query: dict[str, object]) -> object:
        if "where" in query:
            return Failure(FailureCategory.XERO_UNAVAILABLE, ("500",), transient=True)
        return SimpleNamespace(invoices=[_xero("INV-1")])

    found = look_up([Wanted("INV-1", date(2026, 3, 2)), Wanted("CM,1", date(2026, 3, 2))], read_page)

    assert found.failure("CM,1") is not None and found.failure("INV-1") is None
    assert found.invoices("INV-1")


def _mapped(total: str = "110.00", lines: int = 1, contact_id: str | None = "C-1", currency: str = "") -> MappedInvoice:
    line = LineMapping(1, "200", "200", "mapping", "GST on Income", "OUTPUT", True)
    return MappedInvoice(
        7, "INV-7", "Bayside Cafe", contact_id, date(2026, 3, 2), Decimal(total), (line,) * lines, None, currency
    )


def test_ours_needs_the_contact_and_a_total_within_a_cent_a_line() -> None:
    assert whose(_mapped(), [_xero("inv-7")]).rule.startswith("ours: same number, same ContactID")
    assert whose(_mapped(contact_id=None), [_xero("INV-7")]).rule.startswith("ours: same number, same contact name")
    assert whose(_mapped(total="110.01"), [_xero("INV-7")]).invoice is not None
    assert whose(_mapped(total="110.02"), [_xero("INV-7")]).invoice is None
    assert whose(_mapped(total="110.02", lines=2), [_xero("INV-7")]).invoice is not None
    assert whose(_mapped(), [_xero("INV-7", contact_id="other", name="Someone Else")]).invoice is None
    assert whose(_mapped(), [_xero("INV-7", status="VOIDED")]).invoice is None
    assert whose(_mapped(currency="USD"), [_xero("INV-7")]).invoice is None


def _element(**fields: object) -> SimpleNamespace:
    defaults = {"invoice_id": "5f7a612b-fdcc-4d33-90fa-a9f6bc6db32f", "has_errors": False, "validation_errors": [],
                "warnings": None, "status_attribute_string": "OK", "line_items": [], "contact": None}  # fmt: skip
    return SimpleNamespace(**{**defaults, **fields})


def test_a_warning_element_is_created_an_error_or_an_empty_id_is_not() -> None:
    warned = _element(status_attribute_string="WARNING", warnings=[SimpleNamespace(message="Watch out.")])
    assert element_created(warned) and element_warnings(warned) == ["Watch out."]
    flagged = _element(status_attribute_string="WARNING", has_errors=True,
                       validation_errors=[SimpleNamespace(message="Kept.")])  # fmt: skip
    assert element_created(flagged) and element_warnings(flagged) == ["Kept."]
    assert not element_created(_element(status_attribute_string="ERROR"))
    assert not element_created(_element(invoice_id=ZERO_GUID))
    assert not element_created(_element(validation_errors=[SimpleNamespace(message="Invoice # must be unique.")]))


def _forbidden(detail: str) -> HTTPStatusException:
    body = f'{{"Type":null,"Title":"Forbidden","Status":403,"Detail":"{detail}"}}'.encode()
    response = SimpleNamespace(status=403, reason="Forbidden", data=body, text=body.decode(), getheaders=lambda: {})
    return HTTPStatusException(http_resp=response)


def test_only_a_403_for_the_organisation_itself_is_a_dropped_connection() -> None:
    assert classify_exception(_forbidden("AuthenticationUnsuccessful")).category is FailureCategory.CONNECTION
    permission = classify_exception(_forbidden("AuthorizationUnsuccessful"))
    assert permission.category is FailureCategory.PERMISSION and not permission.transient


def test_a_contact_whose_status_could_not_be_read_is_not_archived() -> None:
    client = ClientInfo(1, "Bayside Cafe", ClientDetails(), None)
    cache = XeroCache("t", NOW.isoformat(), contacts=(XeroContact("c-9", "Bayside Cafe", ""),))
    assert choose_contact(client, cache).failure is None
    archived = XeroCache("t", NOW.isoformat(), contacts=(XeroContact("c-9", "Bayside Cafe", "ARCHIVED"),))
    assert choose_contact(client, archived).failure is not None


def test_a_resync_reads_again_the_parts_its_failures_depend_on_and_the_stale_ones() -> None:
    fresh = {part: NOW.isoformat() for part in PARTS}
    cache = XeroCache("t", NOW.isoformat(), contacts=(), currencies=(), part_times=fresh)
    assert stale_parts([FailureCategory.ARCHIVED_CONTACT], cache, NOW) == {"contacts"}
    assert stale_parts([FailureCategory.XERO_UNAVAILABLE], cache, NOW) == set()
    assert stale_parts([FailureCategory.LOCK_DATE, None], cache, NOW) == {"organisation"}
    old = {**fresh, "accounts": (NOW - timedelta(hours=2)).isoformat()}
    stale = XeroCache("t", NOW.isoformat(), contacts=(), currencies=(), part_times=old)
    assert stale_parts([], stale, NOW) == {"accounts"}
    assert stale_parts([], None, NOW) == set(PARTS)
