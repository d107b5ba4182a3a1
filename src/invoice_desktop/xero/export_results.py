"""Typed results of an export run: one ExportOutcome per invoice, an ExportSummary per run (no Qt, no SDK)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState
from invoice_desktop.xero.export_park import RunStop


@dataclass(frozen=True)
class ExportOutcome:
    invoice_id: int
    number: str
    state: ExportState
    xero_invoice_id: str | None = None
    category: FailureCategory | None = None
    messages: tuple[str, ...] = ()
    hint: str = ""
    note: str = ""
    attempts: int = 0
    next_retry_at: datetime | None = None
    correlation_id: str | None = None
    warnings: tuple[str, ...] = ()  # what Xero warned about on an invoice it created
    kind: str = "invoice"  # "invoice" | "payment" (then `number` is its invoice's, `payment_id` the payment)
    payment_id: int | None = None  # | "credit_note" (then `number` is the credit note's, `credit_note_id` it)
    credit_note_id: int | None = None

    @property
    def title(self) -> str:
        return self.category.title if self.category else ""

    @property
    def message(self) -> str:
        return " ".join(self.messages)

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "number": self.number,
            "state": self.state.value,
            "xero_invoice_id": self.xero_invoice_id if self.kind == "invoice" else None,
            "category": self.category.value if self.category else None,
            "title": self.title or None,
            "message": self.message or None,
            "hint": self.hint or None,
            "note": self.note or None,
            "attempts": self.attempts,
            "next_retry_at": self.next_retry_at.isoformat() if self.next_retry_at else None,
            "warnings": list(self.warnings),
            **(
                {"payment_id": self.payment_id, "xero_payment_id": self.xero_invoice_id}
                if self.kind == "payment"
                else {}
            ),
            **(
                {"credit_note_id": self.credit_note_id, "xero_credit_note_id": self.xero_invoice_id}
                if self.kind == "credit_note"
                else {}
            ),
        }


NAMED_SYNCED = 3  # a run's message names the invoices it exported up to this many


@dataclass
class ExportSummary:
    total: int = 0
    outcomes: list[ExportOutcome] = field(default_factory=list)
    api_calls: int = 0
    invoice_requests: int = 0  # PUT /Invoices calls (tries included)
    cancelled: bool = False
    stop: RunStop | None = None  # why the run stopped early: connection dropped, Xero unreachable, a park
    unresolved: list[str] = field(default_factory=list)  # numbers whose arrival in Xero could not be confirmed yet

    @property
    def parked_until(self) -> datetime | None:
        return self.stop.resumes_at if self.stop is not None else None

    @property
    def synced(self) -> list[ExportOutcome]:
        return [o for o in self.outcomes if o.state is ExportState.SYNCED]

    @property
    def failed(self) -> list[ExportOutcome]:
        return [o for o in self.outcomes if o.state is ExportState.FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed and self.stop is None

    def message(self) -> str:
        """E.g. "4 exported, 1 still failing: INV-0042 — account mapping is incorrect"; up to NAMED_SYNCED
        exported invoices are named ("1 exported (INV-0013)": which one went through, at a glance)."""
        synced = self.synced
        text = f"{len(synced)} exported"
        if 0 < len(synced) <= NAMED_SYNCED:
            text += f" ({', '.join(o.number for o in synced)})"
        failed = self.failed
        if failed:
            shown = ", ".join(f"{o.number} — {o.title[:1].lower()}{o.title[1:]}" for o in failed[:3])
            more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
            text += f", {len(failed)} still failing: {shown}{more}"
        if self.unresolved:
            more = f" and {len(self.unresolved) - 3} more" if len(self.unresolved) > 3 else ""
            shown = ", ".join(self.unresolved[:3]) + more
            text += f"; not confirmed by Xero yet (never sent twice, checked again next time): {shown}"
        if self.cancelled:
            text += " (cancelled)"
        if self.stop is not None:
            text += f". Stopped: {self.stop.message}"
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "exported": len(self.synced),
            "failed": len(self.failed),
            "total": self.total,
            "api_calls": self.api_calls,
            "cancelled": self.cancelled,
            "stopped": self.stop.message if self.stop is not None else None,
            "parked_until": self.parked_until.isoformat() if self.parked_until else None,
            "stopped_category": self.stop.category.value if self.stop is not None else None,
            "unresolved": list(self.unresolved),
            "invoices": [o.to_json() for o in self.outcomes],
        }
