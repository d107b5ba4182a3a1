"""Mapping a local invoice to the SDK model (enums, dates, account/tax rules, tracking, status, contact) and the
queue's atomic claim, raced through two real SQLite connections."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from xero_python.accounting import CurrencyCode, LineAmountTypes

from invoice_desktop.ledger.catalog import create_tax_rate, get_or_create_account
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
)
from invoice_desktop.store.models import AmountsType, BatchState, ExportState, XeroBatch, XeroExport, database_proxy
from invoice_desktop.store.settings import set_setting
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.export_pacing import WINDOW_MARGIN, Pacer, RetryPolicy
from invoice_desktop.xero.invoice_mapping import AccountRule, map_invoice, request_body, request_digest
from invoice_desktop.xero.settings import Destination, XeroSettings
from invoice_desktop.xero.xero_cache import XeroAccount, XeroCache, XeroTaxRate

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CACHE = XeroCache(
    tenant_id="t",
    fetched_at=NOW.isoformat(),
    accounts=(XeroAccount("200", "Sales", "REVENUE", "ACTIVE", "OUTPUT", "REVENUE"),
              XeroAccount("260", "Other Revenue", "REVENUE", "ACTIVE", "OUTPUT", "REVENUE")),
    tax_rates=(XeroTaxRate("OUTPUT", "GST on Income", Decimal(10), True, "ACTIVE"),),
)  # fmt: skip


def _invoice(amounts: AmountsType = AmountsType.EXCLUSIVE, client: str = "Greenway Builders") -> int:
    for code in ("260", "4000", "4100"):
        get_or_create_account(code)
    for name, rate in (("GST on Income", "10"), ("Export", "0")):
        from invoice_desktop.ledger.catalog import find_tax_rate

        if find_tax_rate(name) is None:
            create_tax_rate(name, Decimal(rate))
    lines = (
        LineDraft("Mapped", Decimal("2"), Decimal("10.1234"), "4000", "GST on Income", tracking1_name="Region",
                  tracking1_option="North", tracking2_name="Unused", tracking2_option="X"),
        LineDraft("Same code", Decimal("1"), Decimal("5"), "260", "Export"),
        LineDraft("Default", Decimal("1"), Decimal("5"), "4100", "GST on Income", discount_rate=Decimal("10")),
    )  # fmt: skip
    draft = InvoiceDraft(client, date(2026, 3, 2), date(2026, 3, 16), "PO 7", "AUD", amounts, lines)
    return create_invoice(draft)


def test_mapping_builds_the_sdk_model_with_enums_dates_and_the_account_rule(db: object) -> None:
    settings = XeroSettings(
        destination=Destination.AWAITING_APPROVAL, income_account="200", account_map={"4000": "260"},
        tax_map={"Export": "EXEMPTEXPORT"}, tracking=["Region"],
    )  # fmt: skip
    mapped = map_invoice(get_invoice_detail(_invoice(AmountsType.INCLUSIVE)), settings, CACHE)
    model = mapped.model
    assert model.line_amount_types is LineAmountTypes.INCLUSIVE and model.currency_code is CurrencyCode.AUD
    assert type(model.date) is date and model.status == "SUBMITTED" and model.contact.name == "Greenway Builders"
    assert [(m.xero_account, m.account_rule) for m in mapped.lines] == [
        ("260", AccountRule.MAPPED), ("260", AccountRule.SAME_CODE), ("200", AccountRule.DEFAULT),
    ]  # fmt: skip
    assert [m.xero_tax_type for m in mapped.lines] == ["OUTPUT", "EXEMPTEXPORT", "OUTPUT"]
    body = request_body([model])["Invoices"][0]
    assert body["LineItems"][0]["UnitAmount"] == 10.1234 and body["LineItems"][0]["Tracking"] == [
        {"Name": "Region", "Option": "North"}
    ]
    assert body["LineItems"][2]["DiscountRate"] == 10.0 and body["Date"].startswith("/Date(")
    assert request_digest([model]) == request_digest([map_invoice(get_invoice_detail(1), settings, CACHE).model])


def test_linked_client_is_sent_by_contact_id(db: object) -> None:
    invoice_id = _invoice()
    mapped = map_invoice(get_invoice_detail(invoice_id), XeroSettings(income_account="200"), None, "abc-id")
    assert mapped.model.contact.contact_id == "abc-id" and mapped.model.contact.name is None
    assert mapped.model.status == "AUTHORISED"


def _queued(n: int) -> list[int]:
    set_setting("xero.enabled", True)
    set_setting("xero.export_on_approval", True)
    ids = [_invoice() for _ in range(n)]
    approve_invoices(ids)
    return ids


@pytest.mark.sqlite_only
def test_claim_takes_each_invoice_once_across_two_connections(db: object, data_dir: Path) -> None:
    ids = _queued(40)
    path = str(data_dir / "company.sqlite3")
    results: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def claim_with_own_connection(owner: str) -> None:
        conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        barrier.wait()
        now = NOW.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        marks = ",".join("?" * len(ids))
        cursor = conn.execute(
            f"UPDATE xero_export SET state='sending', claimed_by=?, batch_key=? WHERE invoice_id IN ({marks}) "
            "AND (state='queued' OR (state='failed' AND next_retry_at <= ?))",
            [owner, owner, *ids, now],
        )
        results[owner] = cursor.rowcount
        conn.close()

    threads = [threading.Thread(target=claim_with_own_connection, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [0, 40]


def test_claim_takes_each_invoice_once_across_threads_on_either_engine(db: object) -> None:
    """Each thread has its own connection (peewee's per-thread state): on SQLite two writers, on PostgreSQL two
    sessions; of two claims of the same queued invoices at once, one takes all and the other none."""
    ids = _queued(40)
    results: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def claim_in_own_thread(owner: str) -> None:
        barrier.wait()
        results[owner] = queue.claim(ids, owner, f"key-{owner}", NOW)
        database_proxy.close()

    threads = [threading.Thread(target=claim_in_own_thread, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(taken) for taken in results.values()) == [0, 40]
    assert XeroExport.select().where(XeroExport.state == ExportState.SENDING.value).count() == 40


def test_claim_function_and_guarded_outcomes(db: object) -> None:
    ids = _queued(3)
    first = queue.claim(ids, "me", "k1", NOW)
    assert first == ids and queue.claim(ids, "other", "k2", NOW) == []
    assert XeroBatch.get(XeroBatch.key == "k1").state == BatchState.PENDING
    assert not queue.record_synced(ids[0], "other", "k1", "x", NOW).applied  # not the owner
    assert queue.record_synced(ids[0], "me", "k1", "x", NOW).applied
    assert queue.release(ids[1:], "me", NOW) == 2
    assert XeroExport.get(XeroExport.invoice == ids[1]).state == ExportState.QUEUED


def test_failed_invoice_is_claimable_only_when_its_retry_is_due(db: object) -> None:
    (invoice_id,) = _queued(1)
    queue.claim([invoice_id], "me", "k", NOW)
    from invoice_desktop.store.failures import FailureCategory

    later = NOW + timedelta(minutes=5)
    queue.record_failed(invoice_id, "me", "k", FailureCategory.XERO_UNAVAILABLE, ["x"], "h", NOW, next_retry_at=later)
    assert queue.pending_ids(NOW) == [] and queue.pending_ids(later) == [invoice_id]


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_seconds=2, cap_seconds=60)
    assert [policy.delay(i, None, lambda: 0.0) for i in range(6)] == [1, 2, 4, 8, 16, 30]
    assert [policy.delay(i, None, lambda: 1.0) for i in range(3)] == [2, 4, 8]
    assert policy.delay(0, 37, lambda: 0.5) == 37.5
    assert policy.next_automatic_retry(NOW, 1) == NOW + timedelta(minutes=5)
    assert policy.next_automatic_retry(NOW, 30) == NOW + timedelta(hours=6)


def test_pacer_waits_for_the_oldest_call_to_leave_the_window_when_none_remain() -> None:
    clock = [0.0]
    slept: list[float] = []
    pacer = Pacer(now=lambda: clock[0], sleep=lambda s: (slept.append(s), clock.__setitem__(0, clock[0] + s)))
    pacer.before_call()
    clock[0] = 10
    pacer.observe({"X-MinLimit-Remaining": "5"})
    pacer.before_call()
    pacer.observe({"x-minlimit-remaining": "0"})
    pacer.before_call()
    assert slept == [50.0 + WINDOW_MARGIN]  # until the oldest call has surely left Xero's window too
