"""What the bookkeeper does with exports (docs/product.md §2/§4): resync chosen invoices or all failed ones, mark an
invoice as already in Xero (optionally linking a Xero invoice number or id), don't send; and the Failed and
Synced lists the window and `xero failed` / `xero synced` show (the rows and their keys are export_rows', named
here too; the Failed list is read through failed_pages)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from peewee import ModelSelect

from invoice_desktop.desk import current_user
from invoice_desktop.ledger.activity import record_event
from invoice_desktop.ledger.invoices import DONT_SEND_NOTE, skip_waiting_payments
from invoice_desktop.store.change_feed import notify_changed
from invoice_desktop.store.failures import FailureCategory, stored_messages
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import (
    AttemptOutcome,
    Client,
    CreditNote,
    EventAction,
    ExportState,
    Invoice,
    Payment,
    XeroAttempt,
    XeroCreditNoteExport,
    XeroExport,
    XeroPaymentExport,
    database_proxy,
)
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.export_park import RunStop, current_stop
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.export_rows import CREDIT_NOTE_KEYS as CREDIT_NOTE_KEYS
from invoice_desktop.xero.export_rows import FailedRow as FailedRow
from invoice_desktop.xero.export_rows import SyncedRow as SyncedRow
from invoice_desktop.xero.export_rows import credit_note_key as credit_note_key
from invoice_desktop.xero.export_rows import key_of as key_of
from invoice_desktop.xero.export_rows import payment_key as payment_key
from invoice_desktop.xero.export_rows import row_key as row_key
from invoice_desktop.xero.export_rows import split_keys as split_keys
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.failed_pages import failed_page
from invoice_desktop.xero.failure_classifier import Failure
from invoice_desktop.xero.invoice_lookup import Wanted, look_up
from invoice_desktop.xero.xero_cache import PARTS, XeroCache, load_cache, refresh_cache

RESYNCABLE = (ExportState.FAILED.value, ExportState.NOT_SENT.value, ExportState.QUEUED.value)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ExportActionError(ValueError):
    """An action that cannot be done on this invoice; the message is for the user."""


def _rows(state: ExportState) -> ModelSelect[XeroExport]:
    return (
        XeroExport.select(XeroExport, Invoice, Client)
        .join(Invoice, on=(XeroExport.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .where(XeroExport.state == state.value)
        .order_by(Invoice.number)
    )


def list_failed(*, payments: bool = False) -> list[FailedRow]:
    """Every failed export (with `payments`, the failed payments recorded here and credit notes among them), by
    number: xero.failed_pages.failed_page with no limit (`xero failed` prints it; the window reads it a page at a
    time)."""
    return failed_page(invoices_only=not payments)


def list_synced(*, payments: bool = False) -> list[SyncedRow]:
    """Every invoice in Xero (with `payments`, then the payments and credit notes sent from here)."""
    return [
        SyncedRow(row.invoice.id, row.invoice.number, row.invoice.client.name, str(row.invoice.total),
                  row.xero_invoice_id or "", row.synced_at, row.note, stored_messages(row.warnings))
        for row in _rows(ExportState.SYNCED)
    ] + (_payment_rows() + _credit_note_rows() if payments else [])  # fmt: skip


def _payment_rows() -> list[SyncedRow]:
    """The payments recorded here that are in Xero, as Synced rows (type "payment")."""
    query = (
        XeroPaymentExport.select(XeroPaymentExport, Payment, Invoice, Client)
        .join(Payment, on=(XeroPaymentExport.payment == Payment.id))
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .where(XeroPaymentExport.state == ExportState.SYNCED.value)
        .order_by(Invoice.number, Payment.id)
    )
    return [
        _document_row(
            row,
            row.payment.invoice,
            row.payment.invoice.number,
            row.payment.amount,
            row.xero_payment_id,
            kind="payment",
            payment_id=row.payment.id,
        )
        for row in query
    ]


def _credit_note_rows() -> list[SyncedRow]:
    """The credit notes in Xero, as Synced rows (type "credit_note", their own number)."""
    query = (
        XeroCreditNoteExport.select(XeroCreditNoteExport, CreditNote, Invoice, Client)
        .join(CreditNote, on=(XeroCreditNoteExport.credit_note == CreditNote.id))
        .join(Invoice, on=(CreditNote.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .where(XeroCreditNoteExport.state == ExportState.SYNCED.value)
        .order_by(CreditNote.number)
    )
    return [
        _document_row(
            row,
            row.credit_note.invoice,
            row.credit_note.number,
            row.credit_note.total,
            row.xero_credit_note_id,
            kind="credit_note",
            credit_note_id=row.credit_note.id,
        )
        for row in query
    ]


def _document_row(row: Any, invoice: Invoice, number: str, amount: Any, xero_id: str | None, **kind: Any) -> SyncedRow:
    """A payment's or credit note's export row (`row`: its export state) as a Synced row, under `number`,
    carrying its invoice's Xero id (Open in Xero opens the invoice's page). The Failed ones: xero.failed_pages."""
    export = XeroExport.get_or_none(XeroExport.invoice == invoice.id)
    return SyncedRow(invoice.id, number, invoice.client.name, str(amount), xero_id or "", row.synced_at,
                     row.note, invoice_xero_id=(export.xero_invoice_id or "") if export else "",
                     **kind)  # fmt: skip


def failed_credit_note_ids() -> list[int]:
    failed = XeroCreditNoteExport.state == ExportState.FAILED.value
    return [row.credit_note_id for row in XeroCreditNoteExport.select(XeroCreditNoteExport.credit_note).where(failed)]


def requeue_credit_notes(credit_note_ids: Sequence[int]) -> list[int]:
    """Put failed credit notes back in the queue (one in Xero already is linked, not sent again, and its
    allocation is tried again; an unconfirmed one is looked up in Xero before it is sent)."""
    return _requeue_failed(XeroCreditNoteExport, XeroCreditNoteExport.credit_note, credit_note_ids)


def failed_ids() -> list[int]:
    failed = XeroExport.state == ExportState.FAILED.value
    return [row.invoice_id for row in XeroExport.select(XeroExport.invoice).where(failed)]


def failed_payment_ids() -> list[int]:
    """The payments recorded here whose send to Xero failed."""
    failed = XeroPaymentExport.state == ExportState.FAILED.value
    return [row.payment_id for row in XeroPaymentExport.select(XeroPaymentExport.payment).where(failed)]


def requeue_payments(payment_ids: Sequence[int]) -> list[int]:
    """Put failed payments back in the queue (an unconfirmed one is still looked up in Xero before it is sent)."""
    return _requeue_failed(XeroPaymentExport, XeroPaymentExport.payment, payment_ids)


def _requeue_failed(model: Any, key: Any, ids: Sequence[int]) -> list[int]:
    eligible = key.in_(list(dict.fromkeys(ids))) & (model.state == ExportState.FAILED.value)
    with database_proxy.atomic():
        moved = [getattr(row, key.column_name) for row in model.select(key).where(eligible)]
        model.update(state=ExportState.QUEUED.value, next_retry_at=None, batch_key=None, updated_at=utcnow()).where(
            eligible
        ).execute()
    return moved


def requeue(invoice_ids: Sequence[int]) -> list[int]:
    """Put failed / not-sent invoices back in the queue (their automatic retry time cleared); returns those moved."""
    ids = list(dict.fromkeys(invoice_ids))
    now = utcnow()
    eligible = XeroExport.invoice.in_(ids) & XeroExport.state.in_(RESYNCABLE)
    with database_proxy.atomic():
        notify_changed()
        moved = [row.invoice_id for row in XeroExport.select(XeroExport.invoice).where(eligible)]
        XeroExport.update(state=ExportState.QUEUED.value, next_retry_at=None, batch_key=None, updated_at=now).where(
            eligible
        ).execute()
        record_event(EventAction.EXPORT_STARTED, moved, at=now)  # Resync or Export to Xero: asked for by hand
    return moved


def resync(
    client: XeroClient,
    invoice_ids: Sequence[int],
    *,
    refresh_settings: bool = True,
    exporter: Callable[[], Exporter] | None = None,
    payment_ids: Sequence[int] = (),
    credit_note_ids: Sequence[int] = (),
    **run_options: object,
) -> ExportSummary:
    """Export these invoices again now. Xero's settings are read again first where the failures depend on them
    (the user may just have fixed the cause in Xero), so the pre-flight checks do not refuse on stale settings.
    They are read before the invoices are put back in the queue: when Xero cannot be read (after the engine's
    retries), the run stops with that reason and the invoices stay as they were."""
    engine = exporter() if exporter is not None else Exporter(client)
    eligible = XeroExport.invoice.in_(list(invoice_ids)) & XeroExport.state.in_(RESYNCABLE)
    if refresh_settings and XeroExport.select().where(eligible).exists():
        stop = refresh_before_resync(client, invoice_ids, engine)
        if stop is not None:
            return ExportSummary(total=len(invoice_ids), stop=stop, api_calls=engine.api_calls)
    moved = requeue(invoice_ids)
    payments = requeue_payments(payment_ids) if payment_ids else None
    credit_notes = requeue_credit_notes(credit_note_ids) if credit_note_ids else None
    return engine.run(moved, payment_ids=payments, credit_note_ids=credit_notes, **run_options)  # type: ignore[arg-type]


def resync_rows(client: XeroClient, keys: Sequence[int], **run: Any) -> ExportSummary:
    """resync_in_batches of the Failed table's row keys (invoices, payments and credit notes among them): what the
    window's Resync runs, on its worker thread or in its process (jobs.engine_process)."""
    ids, payment_ids, credit_note_ids = split_keys(list(keys))
    return resync_in_batches(client, ids, payment_ids=payment_ids, credit_note_ids=credit_note_ids, **run)


def resync_in_batches(
    client: XeroClient,
    invoice_ids: Sequence[int],
    *,
    exporter: Callable[[], Exporter] | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_outcome: Callable[[ExportOutcome], None] | None = None,
    on_batch: Callable[[list[int]], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    payment_ids: Sequence[int] = (),
    credit_note_ids: Sequence[int] = (),
) -> ExportSummary:
    """Resync for the window: Xero's settings are read again once (as resync), then the invoices go a step at a
    time (as many batches as the engine sends at once), each step put back in the queue only when its turn comes.
    So Cancel (checked between steps) leaves the invoices not reached yet failed as they were, with their error,
    rather than queued behind the user's back. Then the failed payments `payment_ids` (after the invoices they are
    paid against), as one step. `on_batch(keys)` is called before each step is sent, with row keys (`row_key`:
    invoice ids, payments' negated ids); `on_outcome` hears of payments too; `progress(done, total)` counts over
    all of them."""
    ids = list(dict.fromkeys(invoice_ids))
    payments = list(dict.fromkeys(payment_ids))
    credit_notes = list(dict.fromkeys(credit_note_ids))
    summary = ExportSummary(total=len(ids) + len(payments) + len(credit_notes))
    if not ids and not payments and not credit_notes:
        return summary
    engine = exporter() if exporter is not None else Exporter(client)
    summary.stop = refresh_before_resync(client, ids, engine) if ids else current_stop(utcnow())
    step = engine.batch_size * engine.in_flight  # as many as go at once; Cancel is checked between such steps
    for start in range(0, len(ids), step):
        if summary.stop is not None:
            break
        if cancel is not None and cancel():
            summary.cancelled = True
            break
        summary.stop = current_stop(utcnow())
        if summary.stop is not None:
            break
        batch = ids[start : start + step]
        if on_batch is not None:
            on_batch(batch)
        before = len(summary.outcomes)

        def report(done: int, _total: int, before: int = before) -> None:
            if progress is not None:
                progress(min(before + done, summary.total), summary.total)

        part = engine.run(requeue(batch), progress=report, on_outcome=on_outcome)
        summary.outcomes.extend(part.outcomes)
        summary.unresolved.extend(part.unresolved)
        summary.stop = part.stop
    if (payments or credit_notes) and summary.stop is None and not summary.cancelled:
        if cancel is not None and cancel():
            summary.cancelled = True
        else:
            _resync_followers(engine, payments, credit_notes, summary, on_batch, on_outcome, progress)
    summary.api_calls, summary.invoice_requests = engine.api_calls, engine.invoice_requests
    summary.total = max(summary.total, len(summary.outcomes))
    return summary


def _resync_followers(
    engine: Exporter,
    payment_ids: list[int],
    credit_note_ids: list[int],
    summary: ExportSummary,
    on_batch: Callable[[list[int]], None] | None,
    on_outcome: Callable[[ExportOutcome], None] | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    """The failed payments and credit notes of a Resync: put back in the queue and sent (the engine reports them
    in its summary only; they are passed on to `on_outcome` here)."""
    summary.stop = current_stop(utcnow())
    if summary.stop is not None:
        return
    if on_batch is not None:
        on_batch([payment_key(p) for p in payment_ids] + [credit_note_key(c) for c in credit_note_ids])
    moved = requeue_payments(payment_ids)
    notes = requeue_credit_notes(credit_note_ids)
    part = engine.run([], payment_ids=moved, credit_note_ids=notes) if moved or notes else ExportSummary()
    for outcome in part.outcomes:
        if on_outcome is not None:
            on_outcome(outcome)
    summary.outcomes.extend(part.outcomes)
    summary.unresolved.extend(part.unresolved)
    summary.stop = part.stop
    if progress is not None:
        progress(len(summary.outcomes), max(summary.total, len(summary.outcomes)))


# Which parts of Xero's settings the pre-flight checks of a failure's category read (xero_cache.PARTS).
PARTS_FOR: dict[FailureCategory, frozenset[str]] = {
    FailureCategory.ACCOUNT_MAPPING: frozenset({"accounts", "tax_rates"}),
    FailureCategory.TAX_MAPPING: frozenset({"accounts", "tax_rates"}),
    FailureCategory.ARCHIVED_CONTACT: frozenset({"contacts"}),
    FailureCategory.LOCK_DATE: frozenset({"organisation"}),
    FailureCategory.CURRENCY: frozenset({"currencies", "organisation"}),
}
STALE_AFTER = timedelta(hours=1)  # any part older than this is read again too


def stale_parts(categories: Iterable[FailureCategory | None], cache: XeroCache | None, now: datetime) -> set[str]:
    """The parts to read again before a Resync: those the failures' causes live in, and any that are old."""
    if cache is None:
        return set(PARTS)
    wanted = {part for category in categories if category is not None for part in PARTS_FOR.get(category, ())}
    for part in PARTS:
        age = cache.age(part, now)
        if age is None or age > STALE_AFTER:
            wanted.add(part)
    if cache.contacts is None:
        wanted.discard("contacts")  # never fetched with contacts: not now either
    return wanted


class _SettingsUnreadable(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def refresh_before_resync(client: XeroClient, invoice_ids: Sequence[int], engine: Exporter) -> RunStop | None:
    """Read again the parts of Xero's settings the invoices' failures depend on (or that are stale), through the
    engine's calls: paced, transient trouble retried, the day limit parking the queue. Returns why the Resync
    cannot go on (and leaves the invoices as they were), or None."""
    categories = [row.category for row in XeroExport.select(XeroExport.category).where(
        XeroExport.invoice.in_(list(invoice_ids)))]  # fmt: skip
    parts = stale_parts(categories, load_cache(), utcnow())
    if not parts:
        return None

    def call(request: Callable[[], Any]) -> Any:
        result = engine.call(request)
        if isinstance(result, Failure):
            raise _SettingsUnreadable(result)
        return result

    try:
        refresh_cache(client, parts=parts, call=call)
    except _SettingsUnreadable as exc:
        stop = engine.stop_for(exc.failure)
        return stop or RunStop(exc.failure.category, f"Xero's settings could not be read: {exc.failure.message}")
    return None


def mark_already_in_xero(invoice_id: int, xero_ref: str = "", client: XeroClient | None = None) -> str | None:
    """The invoice is in Xero already (entered there by hand): never send it. `xero_ref` may be Xero's InvoiceID
    or its invoice number (looked up through `client`); returns the linked InvoiceID, if any."""
    row = _export_row(invoice_id)
    if row.state in (ExportState.SENDING.value, ExportState.SYNCED.value):
        raise ExportActionError(f"{row.invoice.number} is {row.state} in Xero already")
    xero_id: str | None = None
    ref = xero_ref.strip()
    if ref and _GUID.match(ref):
        xero_id = ref.lower()
    elif ref:
        if client is None:
            raise ExportActionError("Connect to Xero to link an invoice number")
        xero_id = _xero_id_of(client, ref, row.invoice.date)
    note = f"Marked as already in Xero (linked to {ref})." if ref else "Marked as already in Xero."
    _skip(invoice_id, note, xero_id)
    return xero_id


def _xero_id_of(client: XeroClient, number: str, day: date) -> str:
    """The InvoiceID of Xero's sales invoice numbered `number`, by the look-up that cannot miss (invoice_lookup)."""
    engine = Exporter(client)

    def read_page(query: dict[str, Any]) -> Any:
        return engine.call(lambda: client.accounting().get_invoices(client.tenant_id, **query))

    lookup = look_up([Wanted(number, day)], read_page)
    problem = lookup.failure(number)
    if problem is not None:
        raise ExportActionError(f"Xero could not be asked about {number}: {problem.message}")
    found = lookup.invoices(number)
    if not found:
        raise ExportActionError(
            f"Xero has no sales invoice numbered {number} (dated {day:%d %b %Y}, if the number needs a search by "
            "date); paste its InvoiceID from Xero instead"
        )
    return str(found[0].invoice_id)


def dont_send(invoice_id: int) -> None:
    row = _export_row(invoice_id)
    if row.state in (ExportState.SENDING.value, ExportState.SYNCED.value):
        raise ExportActionError(f"{row.invoice.number} is {row.state} in Xero already")
    _skip(invoice_id, DONT_SEND_NOTE, None)


def _export_row(invoice_id: int) -> XeroExport:
    row = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
    if row is None:
        raise ExportActionError("only approved invoices have a Xero export state")
    return row


def _skip(invoice_id: int, note: str, xero_id: str | None) -> None:
    now = utcnow()
    not_busy = XeroExport.state.not_in((ExportState.SENDING.value, ExportState.SYNCED.value))
    with database_proxy.atomic():
        notify_changed()
        changed = (
            XeroExport.update(
                state=ExportState.SKIPPED.value, note=note, xero_invoice_id=xero_id, next_retry_at=None, updated_at=now
            )
            .where((XeroExport.invoice == invoice_id) & not_busy)
            .execute()
        )
        if not changed:
            raise ExportActionError("the invoice is being sent to Xero right now; try again in a moment")
        skipped = AttemptOutcome.SKIPPED
        XeroAttempt.insert(
            invoice=invoice_id, at=now, outcome=skipped, messages=json.dumps([note]), user_name=current_user()
        ).execute()
        if xero_id is None:  # it never reaches Xero from here: its payments waiting for it stay here
            number = Invoice.get_by_id(invoice_id).number
            skip_waiting_payments(invoice_id, f"Not sent: {number} is not going to Xero from here ({note})")
