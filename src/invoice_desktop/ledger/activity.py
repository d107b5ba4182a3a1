"""Who did what: the desk's user name recorded with what a person does (store.models.Event).

Written in the transaction of the change itself, so a change and its record commit together or not at all.
Plain peewee queries (no SQLite-only SQL): the same on the PostgreSQL store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from invoice_desktop.desk import current_user
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import Event, EventAction

INSERT_CHUNK = 500  # rows per INSERT (SQLite's bound-parameter limit)


@dataclass(frozen=True)
class EventDetail:
    at: datetime
    user_name: str
    action: EventAction
    invoice_id: int | None
    detail: str


def record_event(
    action: EventAction, invoice_ids: Iterable[int | None] = (None,), detail: str = "", at: datetime | None = None
) -> None:
    """One row per invoice (None: an event of the company file), by this desk's user."""
    when = at or utcnow()
    rows = [
        {"at": when, "user_name": current_user(), "action": action.value, "invoice": i, "detail": detail}
        for i in dict.fromkeys(invoice_ids)
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        Event.insert_many(rows[start : start + INSERT_CHUNK]).execute()


def _detail(row: Event) -> EventDetail:
    return EventDetail(row.at, row.user_name, EventAction(row.action), row.invoice_id, row.detail)


def invoice_events(invoice_id: int, limit: int = 200) -> tuple[EventDetail, ...]:
    query = Event.select().where(Event.invoice == invoice_id).order_by(Event.at.desc(), Event.id.desc()).limit(limit)
    return tuple(_detail(row) for row in query)


CONNECTION_ACTIONS = (
    EventAction.XERO_CONNECTED,
    EventAction.XERO_ORGANISATION_CHANGED,
    EventAction.XERO_DISCONNECTED,
)


def last_connection_change() -> EventDetail | None:
    """The newest Xero connection change (connect, organisation change, disconnect), for Settings and status."""
    row = (
        Event.select()
        .where(Event.invoice.is_null() & Event.action.in_([a.value for a in CONNECTION_ACTIONS]))
        .order_by(Event.at.desc(), Event.id.desc())
        .first()
    )
    return None if row is None else _detail(row)
