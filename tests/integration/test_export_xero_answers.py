"""What the app says about an invoice is what Xero holds, whatever Xero answers: warnings, the two kinds of 403,
409, 413 and oversized batches, a Retry-After too long to sleep through, currencies, and the settings read before a
Resync (docs/product.md §4). Real SDK against the sandbox."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from export_fixtures import Company, approve, export_row, line

from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.sandbox import seed
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, Invoice
from invoice_desktop.xero.export_actions import resync
from invoice_desktop.xero.export_park import parked_until
from invoice_desktop.xero.invoice_mapping import map_invoice, request_body
from invoice_desktop.xero.settings import ConnectionState, load_connection, load_settings
from invoice_desktop.xero.xero_cache import load_cache

# -- warnings ------------------------------------------------------------------------------------------------------


def test_an_invoice_created_with_warnings_is_synced_and_its_warnings_kept(company: Company) -> None:
    company.sandbox.control.warn_next(1, "Only AUTHORISED invoices may have SentToContact updated.")
    invoice_id = approve("Greenway Builders", line("80.00"))

    summary = company.exporter().run()

    [outcome] = summary.outcomes
    assert outcome.state is ExportState.SYNCED
    assert outcome.warnings == ("Only AUTHORISED invoices may have SentToContact updated.",)
    row = export_row(invoice_id)
    assert row.state == ExportState.SYNCED.value and json.loads(row.warnings) == list(outcome.warnings)
    company.assert_one_copy(outcome.number)


# -- 403, 409 ------------------------------------------------------------------------------------------------------


def test_a_missing_permission_stops_the_run_without_dropping_the_connection(company: Company) -> None:
    company.sandbox.faults.no_permission(1, path="/Invoices", method="PUT")
    invoice_id = approve("Greenway Builders", line("12.00"))

    summary = company.exporter().run()

    assert summary.stop is not None and summary.stop.category is FailureCategory.PERMISSION
    assert "AuthorizationUnsuccessful" in summary.stop.message
    assert load_connection().state is not ConnectionState.DROPPED
    row = export_row(invoice_id)
    assert row.state == ExportState.FAILED.value and row.category == FailureCategory.PERMISSION.value
    assert "role" in row.hint and not row.unconfirmed


def test_a_disconnected_organisation_still_drops_the_connection(company: Company) -> None:
    company.sandbox.control.disconnect_tenant()
    approve("Greenway Builders", line("12.00"))

    summary = company.exporter().run()

    assert summary.stop is not None and summary.stop.connection_dropped
    assert load_connection().state is ConnectionState.DROPPED


def test_a_conflict_is_retried_with_the_same_key(company: Company) -> None:
    company.sandbox.faults.conflict(1, path="/Invoices", method="PUT")
    approve("Greenway Builders", line("13.00"))

    summary = company.exporter().run()

    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED] and summary.invoice_requests == 2


# -- request size ------------------------------------------------------------------------------------------------


def test_a_batch_refused_as_too_large_is_halved_until_it_goes(company: Company) -> None:
    numbers = [export_row(approve("Greenway Builders", line(f"{i + 1}.00"))).invoice.number for i in range(8)]
    company.sandbox.control.set_body_limit(2_500)  # room for about two invoices a request

    summary = company.exporter().run()

    assert sorted(o.number for o in summary.synced) == sorted(numbers) and not summary.failed
    company.assert_one_copy(*numbers)
    refused = [e for e in company.sandbox.requests.entries("PUT", "/Invoices") if e.status == 413]
    assert refused and summary.invoice_requests > len(refused)


def test_requests_are_kept_under_the_size_guard_before_they_are_sent(company: Company) -> None:
    numbers = [export_row(approve("Greenway Builders", line(f"{i + 1}.50"))).invoice.number for i in range(6)]

    one = len(json.dumps(request_body([_mapped(numbers[0])])).encode())

    summary = company.exporter(max_request_bytes=2 * one + one // 2).run()  # two invoices a request at most

    assert sorted(o.number for o in summary.synced) == sorted(numbers)
    assert summary.invoice_requests == 3
    assert all(e.status == 200 for e in company.sandbox.requests.entries("PUT", "/Invoices"))


def _mapped(number: str) -> object:
    detail = get_invoice_detail(Invoice.get(Invoice.number == number).id)
    return map_invoice(detail, load_settings(), load_cache()).model


def test_an_invoice_too_large_for_one_request_fails_without_a_call(company: Company) -> None:
    invoice_id = approve("Greenway Builders", *[line("1.00", description="x" * 400) for _ in range(10)])

    summary = company.exporter(max_request_bytes=3_000).run()

    assert summary.invoice_requests == 0 and company.puts() == 0
    row = export_row(invoice_id)
    assert row.category == FailureCategory.VALIDATION.value and "too large" in json.loads(row.messages)[0]


# -- a Retry-After too long to wait out ---------------------------------------------------------------------------


def test_a_retry_after_of_hours_parks_the_queue_instead_of_sleeping(company: Company) -> None:
    company.sandbox.limiter.limits.minute_window_seconds = 50_000
    company.sandbox.control.exhaust_limit("minute")
    invoice_id = approve("Greenway Builders", line("14.00"))

    summary = company.exporter().run()

    assert max(company.time.slept, default=0) <= 60
    assert summary.stop is not None and summary.stop.resumes_at is not None
    assert summary.stop.resumes_at - company.time.now() > timedelta(hours=13)
    assert parked_until() == summary.stop.resumes_at
    row = export_row(invoice_id)
    assert row.state == ExportState.FAILED.value and row.next_retry_at == summary.stop.resumes_at
    calls = len(company.sandbox.requests.entries())

    again = company.exporter().run()

    assert again.stop is not None and len(company.sandbox.requests.entries()) == calls  # no call while parked


# -- currencies ----------------------------------------------------------------------------------------------------


def _in_currency(invoice_id: int, code: str) -> None:
    Invoice.update(currency=code).where(Invoice.id == invoice_id).execute()


def test_a_currency_the_organisation_has_not_enabled_fails_before_sending(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line("15.00"))
    _in_currency(invoice_id, "EUR")

    summary = company.exporter().run()

    assert company.puts() == 0
    [outcome] = summary.outcomes
    assert outcome.category is FailureCategory.CURRENCY and "EUR" in outcome.message
    assert "Settings > Currencies" in outcome.hint
    company.sandbox.control.enable_currency("EUR")

    again = resync(company.client, [invoice_id], exporter=company.exporter)

    assert [o.state for o in again.outcomes] == [ExportState.SYNCED]
    [copy] = company.xero_invoices(outcome.number)
    assert copy.currency_code == "EUR"


def test_a_currency_code_xero_does_not_know_is_never_sent_as_the_base_currency(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line("16.00"))
    _in_currency(invoice_id, "AUS")

    summary = company.exporter(use_cache=False).run()  # even without Xero's settings at hand

    assert company.puts() == 0
    assert summary.outcomes[0].category is FailureCategory.CURRENCY
    assert "'AUS' is not a currency code" in summary.outcomes[0].message


# -- settings read again before a Resync ----------------------------------------------------------------------------


def test_a_resync_reads_again_only_what_its_failures_depend_on(company: Company) -> None:
    invoice_id = approve(seed.DEMO_ARCHIVED_CONTACT, line("17.00"))
    company.exporter().run()
    assert export_row(invoice_id).category == FailureCategory.ARCHIVED_CONTACT.value
    company.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    company.sandbox.requests.clear()

    summary = resync(company.client, [invoice_id], exporter=company.exporter)

    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    assert company.requests("GET", "/Contacts") == 1
    for other in ("/Accounts", "/TaxRates", "/TrackingCategories", "/Organisation", "/Currencies"):
        assert company.requests("GET", other) == 0, other


def test_a_resync_retries_a_failing_settings_read(company: Company) -> None:
    invoice_id = approve(seed.DEMO_ARCHIVED_CONTACT, line("18.00"))
    company.exporter().run()
    company.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    company.sandbox.faults.fail_next(2, path="/Contacts", method="GET")

    summary = resync(company.client, [invoice_id], exporter=company.exporter)

    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]


def test_the_day_limit_met_reading_settings_parks_the_queue_and_leaves_the_invoices(company: Company) -> None:
    invoice_id = approve(seed.DEMO_ARCHIVED_CONTACT, line("19.00"))
    company.exporter().run()
    company.sandbox.control.exhaust_limit("day")

    summary = resync(company.client, [invoice_id], exporter=company.exporter)

    assert summary.stop is not None and summary.stop.category is FailureCategory.RATE_LIMITED
    assert parked_until() is not None and not summary.outcomes
    row = export_row(invoice_id)
    assert row.state == ExportState.FAILED.value and row.category == FailureCategory.ARCHIVED_CONTACT.value


def test_the_commands_list_warnings_and_unconfirmed_sends(company: Company, capsys: pytest.CaptureFixture[str]) -> None:
    from invoice_desktop.cli.export_commands import cmd_failed, cmd_synced
    from invoice_desktop.xero.export_pacing import RetryPolicy

    company.sandbox.control.warn_next(1, "Check the contact's address.")
    approve("Greenway Builders", line("21.00"))
    company.exporter().run()
    company.sandbox.faults.drop_after_commit(1, path="/Invoices", method="PUT")
    approve("Greenway Builders", line("22.00"))
    company.exporter(policy=RetryPolicy(retries=0)).run()
    args = SimpleNamespace(json=True)

    cmd_synced(None, args)  # type: ignore[arg-type]
    [synced] = json.loads(capsys.readouterr().out)
    cmd_failed(None, args)  # type: ignore[arg-type]
    [failed] = json.loads(capsys.readouterr().out)

    assert synced["warnings"] == ["Check the contact's address."]
    assert failed["unconfirmed"] is True and "reply never came" in failed["note"]
