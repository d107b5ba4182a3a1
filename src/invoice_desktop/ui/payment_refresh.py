"""Payments and changes back from Xero in the window (issue 7): the payment import's side of the automatic runs.

The payment import (xero.payment_import: only what changed in Xero since the last time) runs, when the interface is
connected and the setting "import payments" is on (`imports_automatically`),

- in the same run right after each export (a QueueExportWorker with `import_payments`, as `xero sync`),
- on its own (a PaymentImportWorker) when the user presses F5 (`AutoExporter.request_import`) and every
  IMPORT_INTERVAL_MS (`AutoExporter.import_tick`); not at start-up, where an export run, if any, imports after it.

The runs themselves, one at a time through the export gate, belong to ui.auto_export's `AutoExporter`; this module
holds what only the import needs: when it may run on its own, and its note in the status bar ("2 payments imported
from Xero; INV-0012 is now paid").
"""

from __future__ import annotations

from collections.abc import Sequence

from invoice_desktop.store.models import Invoice, InvoiceStatus
from invoice_desktop.ui.tick_action_bar import plural
from invoice_desktop.xero.payment_import import ImportSummary
from invoice_desktop.xero.settings import InterfaceState, interface_state, load_settings

IMPORT_INTERVAL_MS = 5 * 60_000
IMPORT_FAILED = "Payment import from Xero failed"
NUMBERS_SHOWN = 3  # invoice numbers named in a note before "and 2 more"


def connected_with(setting: str) -> bool:
    """The interface is connected and enabled, with the boolean Xero setting `setting` (an attribute of the
    settings: "import_payments", "export_on_approval") on."""
    settings = load_settings()
    return bool(getattr(settings, setting)) and interface_state(settings=settings) is InterfaceState.CONNECTED


def imports_automatically() -> bool:
    """The interface is connected and enabled, with "import payments applied in Xero" on."""
    return connected_with("import_payments")


def now_paid(imported: ImportSummary) -> list[str]:
    """The numbers of the invoices the import added payments to that are paid now, in the import's order."""
    ids = [c.invoice_id for c in imported.changes if c.payments_added]
    if not ids:
        return []
    paid = Invoice.select(Invoice.id).where(Invoice.id.in_(ids), Invoice.status == InvoiceStatus.PAID.value)
    paid_ids = {row.id for row in paid}
    return [c.number for c in imported.changes if c.invoice_id in paid_ids]


def _numbers(numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:NUMBERS_SHOWN])
    rest = len(numbers) - NUMBERS_SHOWN
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def import_note(imported: ImportSummary | None, paid: Sequence[str] = ()) -> str:
    """What the payment import changed, in a few words ("" when nothing): `paid`, the numbers now paid."""
    if imported is None:
        return ""
    parts: list[str] = []
    if imported.payments_imported:
        parts.append(f"{plural(imported.payments_imported, 'payment')} imported from Xero")
    if paid:
        parts.append(f"{_numbers(paid)} {'is' if len(paid) == 1 else 'are'} now paid")
    if imported.payments_removed:
        parts.append(f"{plural(imported.payments_removed, 'payment')} removed in Xero")
    flagged: dict[str, list[str]] = {}
    for change in imported.changes:
        if change.flag and change.number in imported.flagged:
            flagged.setdefault(change.flag, []).append(change.number)
    for flag, numbers in flagged.items():
        parts.append(f"{plural(len(numbers), 'invoice')} {flag}: {_numbers(numbers)}")
    if not parts and imported.invoices_changed:
        parts.append(f"{plural(imported.invoices_changed, 'invoice')} changed in Xero")
    if imported.stop is not None:
        parts.append(f"Payment import stopped: {imported.stop.title}: {imported.stop.message}")
    return "; ".join(parts)
