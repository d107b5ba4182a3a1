"""One invoice's Xero export attempts, newest first, for the Invoice Information screen's history.

Read-only; no Qt, no Xero. The exporter writes the rows (store.models.XeroAttempt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from invoice_desktop.store.failures import FailureCategory, stored_messages
from invoice_desktop.store.models import AttemptOutcome, XeroAttempt


@dataclass(frozen=True)
class AttemptDetail:
    at: datetime
    outcome: AttemptOutcome
    category: FailureCategory | None
    messages: tuple[str, ...]
    correlation_id: str | None = None  # Xero's, when Xero answered the attempt

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
        AttemptDetail(row.at, row.outcome, row.category, stored_messages(row.messages), row.correlation_id)
        for row in query
    )
