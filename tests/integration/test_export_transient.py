"""Transient trouble against the sandbox: 503/500/timeouts/resets retried with the same Idempotency-Key, then
failed with the time of the next automatic retry; the minute limit honoured through Retry-After and paced from
X-MinLimit-Remaining; the day limit parks the queue. Time is a FakeTime: nothing here waits for real."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from export_fixtures import Company, approve, export_row

from invoice_desktop.sandbox.faults import FaultKind
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, XeroAttempt


def _numbers(*ids: int) -> list[str]:
    return [export_row(i).invoice.number for i in ids]


def test_offline_retried_then_failed_with_next_retry_then_synced(company: Company) -> None:
    invoice_id = approve("Greenway Builders")
    company.sandbox.faults.offline(None, path="/Invoices")
    summary = company.exporter().run()

    row = export_row(invoice_id)
    assert row.state == ExportState.FAILED and row.category == FailureCategory.XERO_UNAVAILABLE.value
    assert json.loads(row.messages) == ["503 Service Unavailable: The Organisation is Offline"]
    assert row.attempts == 5 and summary.invoice_requests == 5
    assert row.next_retry_at is not None and row.next_retry_at > company.time.now()
    assert summary.outcomes[0].next_retry_at == row.next_retry_at
    assert len(company.time.slept) == 4 and company.time.slept == sorted(company.time.slept)  # growing backoff
    assert [a.outcome for a in XeroAttempt.select().order_by(XeroAttempt.id)] == ["retry"] * 4 + ["failed"]

    company.sandbox.faults.clear()
    assert company.exporter().run().outcomes == []  # not due yet
    company.time.advance((row.next_retry_at - company.time.now()).total_seconds() + 1)
    summary = company.exporter().run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    company.assert_one_copy(*_numbers(invoice_id))


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.RESET, FaultKind.HANG, FaultKind.MALFORMED_JSON])
def test_transient_fault_retried_with_same_key(company: Company, kind: FaultKind) -> None:
    ids = [approve("Greenway Builders"), approve("Northside Real Estate")]
    company.sandbox.faults.arm(kind, 2, path="/Invoices")
    company.sandbox.faults.hang_seconds = 3
    summary = company.exporter().run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED] * 2
    assert summary.invoice_requests == 3 and export_row(ids[0]).attempts == 3
    keys = {a.batch_key for a in XeroAttempt.select()}
    assert len(keys) == 1
    company.assert_one_copy(*_numbers(*ids))


def test_server_error_every_time_fails_as_unavailable(company: Company) -> None:
    invoice_id = approve("Greenway Builders")
    company.sandbox.faults.fail_next(None, path="/Invoices")
    company.exporter().run()
    row = export_row(invoice_id)
    assert row.category == "xero_unavailable" and "An error occurred in Xero" in json.loads(row.messages)[0]


def test_reply_lost_after_commit_is_replayed_not_duplicated(company: Company) -> None:
    ids = [approve("Greenway Builders") for _ in range(3)]
    company.sandbox.faults.drop_after_commit(1, path="/Invoices")
    summary = company.exporter().run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED] * 3
    company.assert_one_copy(*_numbers(*ids))


def test_minute_limit_retry_after_honoured(company: Company) -> None:
    invoice_id = approve("Greenway Builders")
    company.sandbox.control.exhaust_limit("minute")
    summary = company.exporter().run()
    assert export_row(invoice_id).state == ExportState.SYNCED
    assert summary.invoice_requests == 2
    assert company.time.slept and company.time.slept[0] >= 60  # Retry-After of the exhausted minute window


def test_minute_limit_paced_from_remaining_header(company: Company) -> None:
    company.sandbox.control.set_rate_limits(per_minute=3)
    company.time.advance(61)  # the calls that cached Xero's settings leave the minute window
    ids = [approve("Greenway Builders") for _ in range(7)]
    summary = company.exporter(batch_size=1).run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED] * 7
    assert summary.invoice_requests == 7  # never refused: the pacer waited instead
    assert sum(company.time.slept) >= 120
    company.assert_one_copy(*_numbers(*ids))


def test_day_limit_parks_the_queue_until_reset(company: Company) -> None:
    first, second = approve("Greenway Builders"), approve("Marlow Street Dental")
    company.sandbox.control.exhaust_limit("day")
    summary = company.exporter(batch_size=1).run()
    assert summary.parked_until is not None and summary.invoice_requests == 1
    row = export_row(first)
    assert row.state == ExportState.FAILED and row.category == FailureCategory.RATE_LIMITED.value
    assert row.next_retry_at == summary.parked_until
    assert summary.parked_until - company.time.now() > timedelta(hours=23)
    assert export_row(second).state == ExportState.QUEUED

    again = company.exporter().run()
    assert again.api_calls == 0 and again.parked_until == summary.parked_until

    company.time.advance((summary.parked_until - company.time.now()).total_seconds() + 1)
    done = company.exporter().run()
    assert sorted(o.state for o in done.outcomes) == [ExportState.SYNCED] * 2
