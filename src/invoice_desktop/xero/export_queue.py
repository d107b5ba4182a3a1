"""The export queue in the company file: which invoices may be sent, who is sending them, what came of it.

The claim rule (the window and a scheduled `xero sync` run at once, in two processes or two threads):
an invoice is taken for sending by ONE statement,

    UPDATE xero_export SET state='sending', claimed_by=:me, batch_key=:key, ...
     WHERE invoice_id IN (:candidates) AND (state='queued' OR (state='failed' AND next_retry_at <= :now))

SQLite runs it under its single write lock, so of two engines racing for the same rows exactly one sees them
still queued and moves them; the other updates nothing and reads back no rows for its key. Every later write of
an outcome is guarded the same way (`WHERE state='sending' AND claimed_by=:me`), so a run that lost its claim
(taken over as stale) cannot overwrite what the new owner recorded.

The same queue holds payments recorded here (`PAYMENTS`: xero_payment_export, the columns of xero_export keyed
by payment) and credit notes (`CREDIT_NOTES`: xero_credit_note_export): every function takes the `table` it
works on, invoices by default, so the rules above are one code.

A send left unresolved (`sending`, its XeroBatch key saved before the request) is taken over by a later run
when its owner is gone: a process on this machine that no longer exists, or a claim older than STALE_AFTER
(live engines refresh `claimed_at` before every request). The take-over is again one guarded UPDATE.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from peewee import Field, fn

from invoice_desktop.store.change_feed import notify_changed
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import (
    AttemptOutcome,
    BaseModel,
    BatchState,
    ExportState,
    Invoice,
    Payment,
    XeroAttempt,
    XeroBatch,
    XeroCreditNoteAttempt,
    XeroCreditNoteExport,
    XeroExport,
    XeroPaymentAttempt,
    XeroPaymentExport,
    database_proxy,
)
from invoice_desktop.store.query_rows import tuple_rows

STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class QueueTable:
    """One kind of document in the export queue: its export table (the columns of xero_export, keyed by the
    document), its attempt history, and the column that keeps the document's id in Xero."""

    kind: str  # "invoice" | "payment" | "credit_note": the `type` of the Failed/Synced rows
    export: type[BaseModel]
    attempt: type[BaseModel]
    xero_id_column: str

    @property
    def key(self) -> Field:
        """The export table's primary key (the document's id)."""
        key = self.export._meta.primary_key
        assert key is not False  # every export table is keyed by its document
        return key

    @property
    def key_column(self) -> str:
        return self.key.column_name

    @cached_property
    def synced_sql(self) -> str:
        return (
            f'UPDATE "{self.export._meta.table_name}" SET "state" = ?, "{self.xero_id_column}" = ?, "category" = NULL, '
            '"messages" = \'[]\', "hint" = \'\', "note" = ?, "attempts" = "attempts" + 1, "last_attempt_at" = ?, '
            '"next_retry_at" = NULL, "claimed_by" = NULL, "claimed_at" = NULL, "synced_at" = ?, "updated_at" = ?, '
            f'"warnings" = ?, "unconfirmed" = 0 WHERE "{self.key_column}" = ? AND "state" = ? AND "claimed_by" = ? '
            'RETURNING "attempts"'
        )

    @cached_property
    def failed_sql(self) -> str:
        return (
            f'UPDATE "{self.export._meta.table_name}" SET "state" = ?, "category" = ?, "messages" = ?, "hint" = ?, '
            '"note" = ?, "attempts" = "attempts" + 1, "last_attempt_at" = ?, "next_retry_at" = ?, "claimed_by" = NULL, '
            f'"claimed_at" = NULL, "updated_at" = ?, "unconfirmed" = ? WHERE "{self.key_column}" = ? AND "state" = ? '
            'AND "claimed_by" = ? RETURNING "attempts"'
        )

    @cached_property
    def attempt_sql(self) -> str:
        return (
            f'INSERT INTO "{self.attempt._meta.table_name}" ("{self.key_column}", "batch_key", "at", "outcome", '
            '"category", "messages", "correlation_id") VALUES (?, ?, ?, ?, ?, ?, ?)'
        )


INVOICES = QueueTable("invoice", XeroExport, XeroAttempt, "xero_invoice_id")
PAYMENTS = QueueTable("payment", XeroPaymentExport, XeroPaymentAttempt, "xero_payment_id")
CREDIT_NOTES = QueueTable("credit_note", XeroCreditNoteExport, XeroCreditNoteAttempt, "xero_credit_note_id")


def new_owner() -> str:
    """Who is sending: host, process id and a token unique to one engine."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def new_batch_key() -> str:
    return f"invd-{uuid.uuid4()}"


def owner_alive(owner: str | None) -> bool | None:
    """False when the owner was a process of this machine that is gone; None when that cannot be told."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or os.name == "nt":
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return None  # another engine of this process: only its age tells
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _eligible(now: datetime, table: QueueTable = INVOICES) -> object:
    model: Any = table.export
    retry_due = (
        (model.state == ExportState.FAILED.value) & model.next_retry_at.is_null(False) & (model.next_retry_at <= now)
    )
    return (model.state == ExportState.QUEUED.value) | retry_due


def pending_ids(
    now: datetime, only: Sequence[int] | None = None, limit: int | None = None, *, table: QueueTable = INVOICES
) -> list[int]:
    """Documents ready to send: queued, or failed with their automatic retry due; invoices in number order,
    payments in the order they were recorded, those whose invoice is in Xero (has its InvoiceID); credit notes in
    the order they were made."""
    model: Any = table.export
    if table is INVOICES:
        query = (
            XeroExport.select(XeroExport.invoice)
            .join(Invoice, on=(XeroExport.invoice == Invoice.id))
            .where(_eligible(now))
            .order_by(Invoice.number)
        )
    elif table is PAYMENTS:  # a payment goes once its invoice is in Xero (one recorded before that waits for it)
        query = (
            model.select(table.key)
            .join(Payment, on=(table.key == Payment.id))
            .join(XeroExport, on=(Payment.invoice == XeroExport.invoice))
            .where(_eligible(now, table) & XeroExport.xero_invoice_id.is_null(False))
            .order_by(table.key)
        )
    else:  # a credit note goes on its own; its allocation waits for both (xero.credit_note_export)
        query = model.select(table.key).where(_eligible(now, table)).order_by(table.key)
    if only is not None:
        query = query.where(table.key.in_(list(only)))
    if limit is not None:
        query = query.limit(limit)
    return [getattr(row, table.key_column) for row in query]


def claim(candidates: Sequence[int], owner: str, key: str, now: datetime, *, table: QueueTable = INVOICES) -> list[int]:
    """Take `candidates` for sending under batch `key` (one atomic UPDATE; see the module rule)."""
    if not candidates:
        return []
    model: Any = table.export
    with database_proxy.atomic():
        (
            model.update(
                state=ExportState.SENDING.value,
                claimed_by=owner,
                claimed_at=now,
                batch_key=key,
                updated_at=now,
            )
            .where(table.key.in_(list(candidates)) & _eligible(now, table))
            .execute()
        )
        rows = model.select(table.key).where((model.batch_key == key) & (model.claimed_by == owner))
        taken = [getattr(row, table.key_column) for row in rows]
        order = {document_id: i for i, document_id in enumerate(candidates)}
        taken.sort(key=lambda i: order.get(i, len(order)))
        if taken:
            XeroBatch.insert(key=key, created_at=now, invoice_ids=json.dumps(taken), state=BatchState.PENDING).execute()
    return taken


def _mine(ids: Iterable[int], owner: str, table: QueueTable = INVOICES) -> object:
    model: Any = table.export
    return table.key.in_(list(ids)) & (model.state == ExportState.SENDING.value) & (model.claimed_by == owner)


def heartbeat(ids: Sequence[int], owner: str, now: datetime, *, table: QueueTable = INVOICES) -> None:
    model: Any = table.export
    model.update(claimed_at=now).where(_mine(ids, owner, table)).execute()


def mark_sent(key: str, invoice_ids: Sequence[int], digest: str, now: datetime) -> None:
    """Written before the request goes out: from here on the batch may be in Xero (`invoice_ids`: the batch's
    documents, invoices or payments)."""
    XeroBatch.update(
        sent_at=now, request_digest=digest, invoice_ids=json.dumps(list(invoice_ids)), state=BatchState.SENT
    ).where(XeroBatch.key == key).execute()


def resolve_batch(key: str, now: datetime) -> None:
    XeroBatch.update(resolved_at=now, state=BatchState.RESOLVED).where(XeroBatch.key == key).execute()


@dataclass(frozen=True)
class Recorded:
    """What an outcome write changed (attempts after it); `applied` is False when the claim was lost."""

    applied: bool
    attempts: int = 0


# The outcome writes run once per document. peewee takes far longer to build a statement (~0.7 ms) than SQLite takes
# to run it, so these few are written out once (QueueTable.*_sql). Same guard as _mine(): state='sending' AND
# claimed_by=:me.
_LINK_CONTACT_SQL = (
    'UPDATE "client" SET "xero_contact_id" = ? '
    'WHERE "id" = (SELECT "client_id" FROM "invoice" WHERE "id" = ?) AND "xero_contact_id" IS NULL'
)


def _utc_text(value: datetime | None) -> str | None:
    return XeroExport.updated_at.db_value(value)


def _sending_by(owner: str) -> tuple[str, str]:
    return ExportState.SENDING.value, owner


def _returned_attempts(cursor: Any) -> int | None:
    """The attempts count an `UPDATE ... RETURNING attempts` of one row gave back; None when no row changed."""
    returned = cursor.fetchall()
    return int(returned[0][0]) if returned else None


def record_synced(
    invoice_id: int,
    owner: str,
    key: str | None,
    xero_invoice_id: str,
    now: datetime,
    *,
    note: str = "",
    correlation_id: str | None = None,
    contact_id: str | None = None,
    outcome: AttemptOutcome = AttemptOutcome.SYNCED,
    warnings: Sequence[str] = (),
    table: QueueTable = INVOICES,
) -> Recorded:
    """The document is in Xero as `xero_invoice_id` (its InvoiceID, or a payment's PaymentID); `outcome` is
    "synced" (created now) or "linked" (found there), `note` says how, and Xero's warnings are kept with it."""
    at = _utc_text(now)
    said = json.dumps(list(warnings))
    with database_proxy.atomic():
        notify_changed()
        changed = database_proxy.execute_sql(
            table.synced_sql,
            (ExportState.SYNCED.value, xero_invoice_id, note, at, at, at, said, invoice_id, *_sending_by(owner)),
        )
        attempts = _returned_attempts(changed)
        if attempts is None:
            return Recorded(False)
        history = json.dumps(([note] if note else []) + list(warnings))
        database_proxy.execute_sql(
            table.attempt_sql, (invoice_id, key, at, outcome.value, None, history, correlation_id)
        )
        if contact_id:
            link_contact(invoice_id, contact_id)
        return Recorded(True, attempts)


def record_failed(
    invoice_id: int,
    owner: str,
    key: str | None,
    category: FailureCategory,
    messages: Sequence[str],
    hint: str,
    now: datetime,
    *,
    next_retry_at: datetime | None = None,
    note: str = "",
    correlation_id: str | None = None,
    unconfirmed: bool = False,
    table: QueueTable = INVOICES,
) -> Recorded:
    """The document failed; `unconfirmed` when the request may have reached Xero all the same (its reply was lost
    or never came): it is then looked up in Xero before it is ever sent again."""
    at, retry_at = _utc_text(now), _utc_text(next_retry_at)
    texts = json.dumps(list(messages))
    state = ExportState.FAILED.value
    values = (state, category.value, texts, hint, note, at, retry_at, at, int(unconfirmed), invoice_id)
    with database_proxy.atomic():
        notify_changed()
        changed = database_proxy.execute_sql(table.failed_sql, (*values, *_sending_by(owner)))
        attempts = _returned_attempts(changed)
        if attempts is None:
            return Recorded(False)
        failed = AttemptOutcome.FAILED.value
        database_proxy.execute_sql(
            table.attempt_sql, (invoice_id, key, at, failed, category.value, texts, correlation_id)
        )
        return Recorded(True, attempts)


def record_retry(
    invoice_ids: Sequence[int], owner: str, key: str, category: FailureCategory, messages: Sequence[str],
    now: datetime, correlation_id: str | None = None, *, table: QueueTable = INVOICES,
) -> None:  # fmt: skip
    """A try that will be retried: counted and kept in the history; the documents stay `sending`."""
    model: Any = table.export
    with database_proxy.atomic():
        model.update(attempts=model.attempts + 1, last_attempt_at=now, claimed_at=now).where(
            _mine(invoice_ids, owner, table)
        ).execute()
        rows = [
            {table.key_column: i, "batch_key": key, "at": now, "outcome": AttemptOutcome.RETRY,
             "category": category.value, "messages": json.dumps(list(messages)), "correlation_id": correlation_id}
            for i in invoice_ids
        ]  # fmt: skip
        if rows:
            table.attempt.insert_many(rows).execute()


def release(
    invoice_ids: Sequence[int], owner: str, now: datetime, note: str = "", *, table: QueueTable = INVOICES
) -> int:
    """Give claimed documents back to the queue (not sent: cancelled, or a send found never to have happened)."""
    model: Any = table.export
    return (
        model.update(
            state=ExportState.QUEUED.value, claimed_by=None, claimed_at=None, batch_key=None, note=note, updated_at=now
        )
        .where(_mine(invoice_ids, owner, table))
        .execute()
    )


def skip_claimed(
    invoice_ids: Sequence[int], owner: str, now: datetime, note: str, *, table: QueueTable = INVOICES
) -> int:
    """Take claimed documents out of the export for good (they can no longer be sent: voided, back to draft)."""
    model: Any = table.export
    return (
        model.update(
            state=ExportState.SKIPPED.value,
            claimed_by=None,
            claimed_at=None,
            batch_key=None,
            next_retry_at=None,
            note=note,
            updated_at=now,
        )
        .where(_mine(invoice_ids, owner, table))
        .execute()
    )


def unconfirmed_among(invoice_ids: Sequence[int], *, table: QueueTable = INVOICES) -> set[int]:
    """Those of `invoice_ids` whose last send's outcome is unknown (they may be in Xero)."""
    if not invoice_ids:
        return set()
    model: Any = table.export
    query = model.select(table.key).where(table.key.in_(list(invoice_ids)) & (model.unconfirmed == True))  # noqa: E712
    return {getattr(row, table.key_column) for row in query}


def confirm_absent(invoice_ids: Sequence[int], owner: str, *, table: QueueTable = INVOICES) -> None:
    """Xero was shown not to hold these (a complete look-up found nothing): they may be sent."""
    model: Any = table.export
    model.update(unconfirmed=False).where(_mine(invoice_ids, owner, table)).execute()


def link_contact(invoice_id: int, contact_id: str) -> None:
    """Remember the Xero contact of the invoice's client (only when the client has none yet)."""
    database_proxy.execute_sql(_LINK_CONTACT_SQL, (contact_id, invoice_id))  # no such invoice: no change


# -- unresolved sends ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnresolvedBatch:
    key: str
    owner: str | None
    invoice_ids: tuple[int, ...]
    sent_at: datetime | None
    request_digest: str


def unresolved_batches(now: datetime, me: str, *, table: QueueTable = INVOICES) -> list[UnresolvedBatch]:
    """Batches whose documents are still `sending` under an owner that is gone (or silent for STALE_AFTER)."""
    model: Any = table.export
    rows = (
        model.select(model.batch_key, model.claimed_by, fn.MAX(model.claimed_at).alias("seen"))
        .where((model.state == ExportState.SENDING.value) & model.batch_key.is_null(False))
        .group_by(model.batch_key, model.claimed_by)
    )
    found: list[UnresolvedBatch] = []
    for key, owner, last_claimed in tuple_rows(rows):
        if owner == me:
            continue
        seen = model.claimed_at.python_value(last_claimed) if isinstance(last_claimed, str) else last_claimed
        alive = owner_alive(owner)
        if alive is False or seen is None or now - seen >= STALE_AFTER:
            batch = XeroBatch.get_or_none(XeroBatch.key == key)
            ids = tuple(json.loads(batch.invoice_ids)) if batch is not None else ()
            found.append(
                UnresolvedBatch(
                    key=key,
                    owner=owner,
                    invoice_ids=ids,
                    sent_at=batch.sent_at if batch is not None else None,
                    request_digest=batch.request_digest if batch is not None else "",
                )
            )
    return found


def take_over(batch: UnresolvedBatch, me: str, now: datetime, *, table: QueueTable = INVOICES) -> list[int]:
    """Become the owner of an unresolved batch's documents (one guarded UPDATE); returns those taken, in order."""
    model: Any = table.export
    owner_is = model.claimed_by.is_null() if batch.owner is None else (model.claimed_by == batch.owner)
    with database_proxy.atomic():
        model.update(claimed_by=me, claimed_at=now, updated_at=now).where(
            (model.batch_key == batch.key) & (model.state == ExportState.SENDING.value) & owner_is
        ).execute()
        rows = model.select(table.key).where((model.batch_key == batch.key) & (model.claimed_by == me))
        taken = {getattr(row, table.key_column) for row in rows}
    ordered = [i for i in batch.invoice_ids if i in taken]
    return ordered + sorted(taken - set(ordered))
