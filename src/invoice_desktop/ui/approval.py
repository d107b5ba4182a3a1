"""Approving drafts from the window (the Draft tab's Approve, the editor's Save & Approve) and saying what
happened: "3 invoices approved", and which were refused and why."""

from __future__ import annotations

from collections.abc import Sequence

from invoice_desktop.ledger.invoices import ApproveResult, approve_invoices
from invoice_desktop.store.models import ExportState
from invoice_desktop.ui.message_bar import Tone
from invoice_desktop.ui.tick_action_bar import plural


def approval_message(result: ApproveResult) -> tuple[str, Tone]:
    parts: list[str] = []
    if result.approved:
        text = f"{plural(len(result.approved), 'invoice')} approved"
        if len(result.approved) <= 3:
            text += f" ({', '.join(result.approved)})"
        if result.export_state is ExportState.QUEUED:
            text += "; queued for export to Xero"
        parts.append(text + ".")
    if result.rejected:
        refused = "; ".join(f"{number}: {reason}" for number, reason in result.rejected)
        parts.append(f"Not approved — {refused}.")
    if not parts:
        parts.append("Nothing was approved.")
    return " ".join(parts), (Tone.PROBLEM if result.rejected or not result.approved else Tone.SUCCESS)


def approve(invoice_ids: Sequence[int]) -> tuple[ApproveResult, str, Tone]:
    result = approve_invoices(invoice_ids)
    return (result, *approval_message(result))
