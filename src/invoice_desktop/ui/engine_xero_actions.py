"""Invoice Information's Xero actions, done by the export engine (xero.export_actions / the exporter).

Runs on a worker thread (see ui.xero_actions): no widgets here, only the company file and Xero.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl

from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.failure import JobFailure, sentence
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.store.models import ExportState
from invoice_desktop.ui.xero_actions import XeroActionResult
from invoice_desktop.ui.xero_exports_links import xero_invoice_url
from invoice_desktop.xero import export_actions
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.export_results import ExportOutcome
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.settings import load_connection
from invoice_desktop.xero.void_export import void_credit_note_anywhere, void_invoice_anywhere


class EngineXeroActions:
    """The real XeroActions: one invoice exported, marked as already in Xero, kept out of Xero, or voided in Xero
    (or one of its credit notes voided in Xero)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _client(self) -> XeroClient:
        return open_client(self.ctx.paths, self.ctx.endpoints, self.ctx.client_id)

    def export_now(self, invoice_id: int) -> XeroActionResult:
        summary = export_actions.resync(self._client(), [invoice_id])
        outcome = next((o for o in summary.outcomes if o.invoice_id == invoice_id), None)
        if outcome is None:
            number = get_invoice_detail(invoice_id).number
            if summary.stop is None:
                why = "it is not waiting to be exported (already in Xero, or being sent)."
            else:
                why = JobFailure.from_stop(summary.stop).text()
            return XeroActionResult(False, f"{number} was not exported: {sentence(why)}")
        return _result(outcome)

    def mark_in_xero(self, invoice_id: int, xero_number_or_id: str | None) -> XeroActionResult:
        reference = (xero_number_or_id or "").strip()
        client = self._client() if reference else None
        linked = export_actions.mark_already_in_xero(invoice_id, reference, client)
        number = get_invoice_detail(invoice_id).number
        tail = f", linked to Xero invoice {linked}" if linked else ""
        return XeroActionResult(True, f"{number} is marked as already in Xero{tail}; it will not be sent.")

    def dont_send(self, invoice_id: int) -> XeroActionResult:
        export_actions.dont_send(invoice_id)
        return XeroActionResult(True, f"{get_invoice_detail(invoice_id).number} will not be sent to Xero.")

    def xero_page(self, xero_invoice_id: str) -> QUrl:
        return xero_invoice_url(self.ctx.endpoints, load_connection().tenant_id, xero_invoice_id)

    def void(self, invoice_id: int) -> XeroActionResult:
        result = void_invoice_anywhere(invoice_id, lambda: Exporter(self._client()))
        return XeroActionResult(result.voided, result.message)

    def void_credit_note(self, credit_note_id: int) -> XeroActionResult:
        result = void_credit_note_anywhere(credit_note_id, lambda: Exporter(self._client()))
        return XeroActionResult(result.voided, result.message)


def _result(outcome: ExportOutcome) -> XeroActionResult:
    if outcome.state is ExportState.SYNCED:
        note = f" {outcome.note}" if outcome.note else ""
        return XeroActionResult(True, f"{outcome.number} exported to Xero.{note}")
    text = f"{outcome.number} was not exported — {outcome.title}: {outcome.message}"
    if outcome.hint:
        text += f" {outcome.hint}"
    return XeroActionResult(False, text)
