"""Approving drafts from the window (the Draft tab's Approve, the editor's Save & Approve) and saying what
happened: "3 invoices approved", and which were refused and why. Approving is one transaction: when the company file
cannot take it (busy past the GUI thread's short patience, a full disk), nothing was approved and the message says so
and why."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from invoice_desktop.ledger.invoices import ApproveResult, approve_invoices
from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.store.models import ExportState
from invoice_desktop.ui.message_bar import Tone
from invoice_desktop.ui.tick_action_bar import plural

log = logging.getLogger(__name__)


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
    try:
        result = approve_invoices(invoice_ids)
    except CompanyFileError as exc:
        log.warning("approving %d invoice(s) failed: %s", len(invoice_ids), exc)
        return ApproveResult(approved=(), rejected=()), f"Nothing was approved: {exc}", Tone.PROBLEM
    return (result, *approval_message(result))
