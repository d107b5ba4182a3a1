"""Three desks on one PostgreSQL company file sync 3,000 invoices at once against the sandbox with faults on (500s,
replies lost after Xero committed, Xero's limit of 5 calls at once, an archived contact): no invoice is in Xero
twice, and every one ends synced or failed with Xero's reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_fixtures import Company
from team_desks import copies_in_xero, queue_invoices, start_desks

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.faults import FaultKind
from invoice_desktop.store.models import Client, ExportState, Invoice, XeroExport

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

INVOICES = 3000


def test_three_desks_sync_3000_invoices_with_faults_on_and_send_none_twice(
    company: Company, company_location: str, data_dir: Path, tmp_path: Path
) -> None:
    ids = queue_invoices(INVOICES, tmp_path)
    sandbox = company.sandbox
    archived = seed.DEMO_ACTIVE_CONTACTS[-1]
    sandbox.control.archive_contact(archived)  # after the cache: Xero refuses those in its reply
    sandbox.control.set_rate_limits(per_minute=10**6, per_day=10**6)  # 5 at once stays: 3 desks x 4 in flight
    sandbox.faults.fail_next(6, path="/Invoices")
    sandbox.faults.drop_after_commit(3, path="/Invoices")
    sandbox.faults.set_latency(0.05, path="/Invoices")

    desks = start_desks(3, data_dir, sandbox, company_location)
    results = [desk.communicate(timeout=900) for desk in desks]
    reports = []
    for desk, (out, err) in zip(desks, results, strict=True):
        assert desk.returncode in (0, 1), err
        assert "Traceback" not in err, err
        reports.append(json.loads(out))
    assert sum(len(report["invoices"]) for report in reports) == INVOICES  # each invoice reported by one desk
    assert sum(1 for report in reports if report["invoices"]) >= 2, "one desk did all the work: no race happened"
    fired = {kind for kind, _, _ in sandbox.faults.fired}
    assert {FaultKind.SERVER_ERROR, FaultKind.DROP_AFTER_COMMIT} <= fired

    rows = {row.invoice_id: row for row in XeroExport.select().where(XeroExport.invoice.in_(ids))}
    assert len(rows) == INVOICES
    states = {row.state for row in rows.values()}
    assert states <= {ExportState.SYNCED, ExportState.FAILED}, states
    failed = [row for row in rows.values() if row.state == ExportState.FAILED]
    assert all(row.category and json.loads(row.messages) for row in failed), "failed without a reason"
    archived_ids = {
        i.id for i in Invoice.select(Invoice.id).join(Client).where((Client.name == archived) & Invoice.id.in_(ids))
    }
    assert {row.invoice_id for row in failed} >= archived_ids

    in_xero = copies_in_xero(sandbox)
    assert {n: c for n, c in in_xero.items() if c != 1} == {}, "an invoice is in Xero twice"
    synced = {Invoice.get_by_id(i).number for i, row in rows.items() if row.state == ExportState.SYNCED}
    assert synced <= set(in_xero)
    # In Xero but not marked synced: only a send whose reply never came, marked to be looked up before any resend.
    unsure = set(in_xero) - synced
    assert all(row.unconfirmed for row in rows.values() if Invoice.get_by_id(row.invoice_id).number in unsure)
    assert len(synced) >= INVOICES - len(archived_ids) - 150  # the faults cost a few batches at most
