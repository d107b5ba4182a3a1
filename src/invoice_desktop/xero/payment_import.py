"""Payments and changes back from Xero (docs/product.md §3, issue 7): `import_changes(client) -> ImportSummary`.

Asks Xero only for what changed since the last import, never one request per invoice:

    GET /Invoices?where=Type=="ACCREC"&order=UpdatedDateUTC ASC&page=1&pageSize=100
    If-Modified-Since: <the high-water mark>

The mark (setting `xero.import_modified_since`) is the newest UpdatedDateUTC applied so far; it moves forward only
after a page has been applied, so a crash mid-run re-reads, never skips. One If-Modified-Since for the whole walk,
page=1, 2, ... until a short page or Xero's `pagination.itemCount` says that was all (so 100 changed invoices cost
one call). The filter is inclusive: the invoice(s) at the mark come back once more, and applying them again
changes nothing. An invoice changed in Xero while we page moves to the end of the order and shifts the rest one
place back, so one invoice could slip onto a page already read; the moved invoice then shows up a second time, and
when that happens the mark is held at the newest UpdatedDateUTC before the page that first had it, so the next
import reads that stretch again instead of skipping it.

Why not `createdByMyApp=true`: invoices linked rather than created (a number already in Xero that was ours, "Mark
as already in Xero", an app registered again under another client id) would silently stop following Xero. Sales
invoices not ours are dropped here by InvoiceID (they only cost page space). The first import, with no mark yet,
asks from a little before the oldest export.

Calls go through the exporter's Pacer and RetryPolicy (pass the exporter's own `pacer` to share its view of the
minute limit): transient trouble is retried with backoff honouring Retry-After; a dead connection is recorded as
the exporter records it (interface state "connection dropped"); the day limit parks the export queue too (the
limit is the organisation's). Clock and sleep are injectable. Gated by the setting xero.import_payments.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from peewee import fn

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import XeroExport
from invoice_desktop.store.query_rows import tuple_rows
from invoice_desktop.store.settings import get_setting, set_setting
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.export_pacing import Pacer, RetryPolicy
from invoice_desktop.xero.export_park import DAY_LIMIT_FALLBACK, KEY_PARKED_UNTIL, RunStop, parked_until
from invoice_desktop.xero.failure_classifier import Failure
from invoice_desktop.xero.payment_import_apply import AppliedChange, apply_views, view_of
from invoice_desktop.xero.settings import ConnectionState, load_connection, load_settings, mark_dropped
from invoice_desktop.xero.xero_calls import XeroCaller

log = logging.getLogger(__name__)

KEY_IMPORT_MARK = "xero.import_modified_since"
PAGE_SIZE = 1000  # Xero's largest page (docs/xero-facts.md §3.2): the first import of 10,000 is 10 calls, not 100
# Only what can carry payments or a flag: a draft or one awaiting approval in Xero has neither payments nor credit.
SALES_INVOICES = 'Type=="ACCREC" AND Status!="DRAFT" AND Status!="SUBMITTED"'
OLDEST_FIRST = "UpdatedDateUTC ASC"
FIRST_IMPORT_MARGIN = timedelta(minutes=10)  # our clock against Xero's, for the first import only


@dataclass
class ImportSummary:
    api_calls: int = 0
    invoices_seen: int = 0  # invoices in Xero's answers (ours or not, repeats at the mark included)
    invoices_changed: int = 0  # local invoices whose payments, amount due, status or flag changed
    payments_imported: int = 0  # payment / allocation rows added
    payments_removed: int = 0  # rows of payments or allocations no longer in Xero
    flagged: list[str] = field(default_factory=list)  # numbers newly found voided or deleted in Xero
    changes: list[AppliedChange] = field(default_factory=list)
    skipped: str = ""  # why nothing was asked (setting off, nothing exported yet, ...)
    stopped_reason: str = ""  # why the run stopped early
    failure: Failure | None = None
    stop: RunStop | None = None  # the same, typed (for the window to decide from)
    mark: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.stopped_reason

    def message(self) -> str:
        if self.skipped:
            return f"Payments not imported: {self.skipped}"
        text = f"{self.payments_imported} payments imported from Xero, {self.invoices_changed} invoices changed"
        if self.flagged:
            text += f"; voided or deleted in Xero: {', '.join(self.flagged)}"
        if self.stopped_reason:
            text += f". Stopped: {self.stopped_reason}"
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "payments_imported": self.payments_imported,
            "invoices_changed": self.invoices_changed,
            "payments_removed": self.payments_removed,
            "flagged_in_xero": list(self.flagged),
            "import_api_calls": self.api_calls,
            "import_skipped": self.skipped or None,
            "import_stopped": self.stopped_reason or None,
        }


def load_mark() -> datetime | None:
    value = get_setting(KEY_IMPORT_MARK)
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def first_mark() -> datetime | None:
    """For the first import: a little before the oldest invoice linked to Xero (None when there is none)."""
    linked = XeroExport.xero_invoice_id.is_null(False)
    oldest = XeroExport.select(fn.MIN(fn.COALESCE(XeroExport.synced_at, XeroExport.updated_at))).where(linked)
    value = oldest.scalar()
    if not value:
        return None
    moment: datetime | None = XeroExport.synced_at.python_value(value) if isinstance(value, str) else value
    return None if moment is None else moment - FIRST_IMPORT_MARGIN


def modified_since_header(moment: datetime) -> str:
    """If-Modified-Since as Xero documents it: UTC, whole seconds, `yyyy-mm-ddThh:mm:ss` (docs/xero-facts.md §1.5).
    Rounded down, so nothing changed within that second is missed (the filter is inclusive)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def known_invoices(xero_ids: list[str]) -> dict[str, int]:
    """Local invoice ids by (lower-case) Xero InvoiceID, for those of `xero_ids` we exported or linked."""
    if not xero_ids:
        return {}
    query = XeroExport.select(XeroExport.invoice, XeroExport.xero_invoice_id).where(
        fn.LOWER(XeroExport.xero_invoice_id).in_(xero_ids)
    )
    return {xero_id.lower(): invoice_id for invoice_id, xero_id in tuple_rows(query)}


class PaymentImporter:
    def __init__(
        self,
        client: XeroClient,
        *,
        policy: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        jitter: Callable[[], float] = random.random,
        page_size: int = PAGE_SIZE,
        request_timeout: tuple[int, int] | None = None,
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self.pacer = pacer or Pacer(now=lambda: clock().timestamp(), sleep=sleep)
        self.caller = XeroCaller(self.pacer, self.policy, jitter)
        self._clock = clock
        self.page_size = page_size
        self._timeout = {"_request_timeout": request_timeout} if request_timeout else {}

    def run(self, *, force: bool = False) -> ImportSummary:
        """Import what changed in Xero since the last import (`force`: even with the setting off)."""
        summary = ImportSummary()
        reason = self._not_now(force)
        mark = load_mark() or first_mark()
        if not reason and mark is None:
            reason = "no invoice has been exported to Xero yet"
        if reason:
            summary.skipped = reason
            return summary
        assert mark is not None
        since, page = mark, 1
        first_page: dict[str, int] = {}  # InvoiceID -> the page that first answered it
        through: list[datetime] = [since]  # through[p]: the newest UpdatedDateUTC on pages 1..p
        held: datetime | None = None  # the mark may not pass this once an invoice came back during the walk
        while True:
            reply = self._get_page(summary, since, page)
            if isinstance(reply, Failure):
                self._stop(summary, reply)
                break
            invoices = list(reply.invoices or [])
            newest, ids = self._apply_page(summary, invoices)
            repeats = [first_page[i] for i in ids if i in first_page]
            for invoice_id in ids:
                first_page.setdefault(invoice_id, page)
            through.append(max(through[-1], newest or through[-1]))
            if repeats:
                cap = through[min(repeats) - 1]
                held = cap if held is None else min(held, cap)
            advanced = through[-1] if held is None else min(through[-1], held)
            if advanced != mark:
                mark = advanced
                set_setting(KEY_IMPORT_MARK, mark.isoformat())  # only now that the page is applied
            if not _more(reply, invoices, self.page_size):
                break
            page += 1
        summary.mark = mark
        return summary

    def _not_now(self, force: bool) -> str:
        if not force and not load_settings().import_payments:
            return "the setting 'Automatically import payments applied to invoices in Xero' is off"
        if load_connection().state is ConnectionState.DROPPED:
            return "the Xero connection has been dropped; reconnect in Settings > Xero"
        parked = parked_until()
        if parked is not None and parked > self._clock():
            return f"Xero's daily API limit is used up until {parked.isoformat()}"
        return ""

    def _get_page(self, summary: ImportSummary, since: datetime, page: int) -> Any:
        """One GET /Invoices page; transient failures are retried (the exporter's pacing and backoff)."""
        before = self.caller.api_calls

        def get() -> Any:
            return self.client.accounting().get_invoices(
                self.client.tenant_id, if_modified_since=modified_since_header(since), where=SALES_INVOICES,
                order=OLDEST_FIRST, page=page, page_size=self.page_size, _return_http_data_only=False,
                **self._timeout,
            )  # fmt: skip

        def retrying(failure: Failure) -> None:
            log.info("payment import page %d: %s (%s)", page, failure.category.value, failure.message)

        result = self.caller.call(get, on_retry=retrying)
        summary.api_calls += self.caller.api_calls - before
        return result if isinstance(result, Failure) else result[0]

    def _apply_page(self, summary: ImportSummary, invoices: list[Any]) -> tuple[datetime | None, list[str]]:
        """Apply the page's invoices that are ours; returns the page's newest UpdatedDateUTC and its InvoiceIDs."""
        summary.invoices_seen += len(invoices)
        views = [view_of(i) for i in invoices if getattr(i, "invoice_id", None)]
        known = known_invoices([v.xero_invoice_id for v in views])
        ours = [(known[v.xero_invoice_id], v) for v in views if v.xero_invoice_id in known]
        for change in apply_views(ours, self._clock()):
            summary.payments_imported += change.payments_added
            summary.payments_removed += change.payments_removed
            if change.changed:
                summary.invoices_changed += 1
                summary.changes.append(change)
                if change.flag:
                    summary.flagged.append(change.number)
        stamps = [v.updated for v in views if v.updated is not None]
        return (max(stamps) if stamps else None), [v.xero_invoice_id for v in views]

    def _stop(self, summary: ImportSummary, failure: Failure) -> None:
        summary.failure = failure
        resumes_at = None
        if failure.category is FailureCategory.CONNECTION:
            mark_dropped(failure.message)
        elif failure.category is FailureCategory.RATE_LIMITED:
            wait = timedelta(seconds=failure.retry_after) if failure.retry_after else DAY_LIMIT_FALLBACK
            resumes_at = self._clock() + wait
            set_setting(KEY_PARKED_UNTIL, resumes_at.isoformat())
        summary.stopped_reason = f"{failure.title}: {failure.message}"
        hint = failure.hint or failure.category.default_hint
        summary.stop = RunStop(failure.category, failure.message, hint, resumes_at)


def _more(reply: Any, invoices: list[Any], page_size: int) -> bool:
    """Whether another request is needed: after a full page, unless Xero's pagination says that was all."""
    if len(invoices) < page_size:
        return False
    pagination = getattr(reply, "pagination", None)
    count = getattr(pagination, "item_count", None)
    shown_page = getattr(pagination, "page", None)
    if isinstance(count, int) and isinstance(shown_page, int):
        return count > shown_page * page_size
    return True


def import_changes(client: XeroClient, *, force: bool = False, **options: Any) -> ImportSummary:
    """Import payments and changes from Xero now (see PaymentImporter for the options)."""
    return PaymentImporter(client, **options).run(force=force)
