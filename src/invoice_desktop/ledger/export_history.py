"""One invoice's history, newest first, for the Invoice Information screen: its Xero export attempts and what
people did to it (approved, sends asked for by hand, voided), each with the desk's user name where a person did it.

Read-only; no Qt, no Xero. The exporter writes the attempts (store.models.XeroAttempt), ledger.activity the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from invoice_desktop.ledger.activity import invoice_events
from invoice_desktop.store.failures import FailureCategory, stored_messages
from invoice_desktop.store.models import AttemptOutcome, EventAction, XeroAttempt


@dataclass(frozen=True)
class AttemptDetail:
    at: datetime
    outcome: AttemptOutcome | EventAction
    category: FailureCategory | None
    messages: tuple[str, ...]
    correlation_id: str | None = None  # Xero's, when Xero answered the attempt
    by: str = ""  # the desk's user name, for what a person did ("" for the engine's own attempts)

    @property
    def title(self) -> str:
        """The failure category's title ("Account mapping is incorrect"), or '' when there is none."""
        return self.category.title if self.category else ""


def export_attempts(invoice_id: int, limit: int = 200) -> tuple[AttemptDetail, ...]:
    query = (
        XeroAttempt.select()
        .where(XeroAttempt.invoice == invoice_id)
        .order_by(XeroAttempt.at.desc(), XeroAttempt.id.desc())
        .limit(limit)
    )
    return tuple(
        AttemptDetail(
            row.at, row.outcome, row.category, stored_messages(row.messages), row.correlation_id, row.user_name or ""
        )
        for row in query
    )


def invoice_history(invoice_id: int, limit: int = 200) -> tuple[AttemptDetail, ...]:
    """The attempts and the events together, newest first; of the same instant the event is the older (a Resync
    is asked for before its send's outcome)."""
    events = tuple(
        AttemptDetail(e.at, e.action, None, (e.detail,) if e.detail else (), None, e.user_name)
        for e in invoice_events(invoice_id, limit)
    )
    merged = sorted(
        [(a, 1) for a in export_attempts(invoice_id, limit)] + [(e, 0) for e in events],
        key=lambda pair: (pair[0].at, pair[1]),
        reverse=True,
    )
    return tuple(row for row, _ in merged[:limit])
