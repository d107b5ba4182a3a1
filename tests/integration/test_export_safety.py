"""Never a duplicate in Xero, never an approved invoice without a state: a mixed 120-invoice run, sends left
unresolved by a run that died (replayed with their key, or looked up and linked), two engines racing."""

from __future__ import annotations

import threading

import pytest
from export_fixtures import Company, approve, die_after_send, export_row, line

from invoice_desktop.sandbox import seed
from invoice_desktop.store.models import ExportState, XeroBatch, XeroExport
from invoice_desktop.xero import export_queue


@pytest.fixture
def company_settings() -> dict[str, object]:
    """Account 400 mapped to itself, and Sales Tax 5 to a tax type Xero does not have (for the mixed run)."""
    return {
        "account_map": {"400": "400"},
        "tax_map": {"GST on Income": "OUTPUT", "GST Free Income": "EXEMPTOUTPUT", "Sales Tax 5": "NOSUCHTAX"},
    }


def _number(invoice_id: int) -> str:
    return export_row(invoice_id).invoice.number


def test_mixed_batch_of_120(company: Company) -> None:
    expected: dict[int, str] = {}
    for i in range(120):
        if i % 20 == 7:
            expected[approve(seed.DEMO_ARCHIVED_CONTACT)] = "archived_contact"
        elif i % 10 == 3:
            expected[approve("Greenway Builders", line(account="400"))] = "account_mapping"
        elif i % 15 == 5:
            expected[approve("Coastal Property Management", line(tax="Sales Tax 5"))] = "tax_mapping"
        else:
            expected[approve(seed.DEMO_ACTIVE_CONTACTS[i % 5], line(f"{i + 1}.25"))] = "synced"
    progress: list[tuple[int, int]] = []
    summary = company.exporter(use_cache=False).run(progress=lambda done, total: progress.append((done, total)))

    assert summary.invoice_requests == 3  # 50 + 50 + 20
    got = {o.invoice_id: (o.category.value if o.category else o.state.value) for o in summary.outcomes}
    assert got == expected
    assert progress[-1] == (120, 120) and [d for d, _ in progress] == sorted(d for d, _ in progress)
    for invoice_id, outcome in expected.items():
        copies = company.xero_invoices(_number(invoice_id))
        assert len(copies) == (1 if outcome == "synced" else 0)
    assert XeroExport.select().where(XeroExport.state.not_in(["synced", "failed"])).count() == 0


def _die_after_send(company: Company, ids: list[int], owner: str | None = None) -> None:
    die_after_send(company, owner)
    assert {export_row(i).state for i in ids} == {ExportState.SENDING}
    assert XeroBatch.get().sent_at is not None


def test_send_of_a_dead_run_is_replayed_with_its_key(company: Company) -> None:
    ids = [approve("Greenway Builders") for _ in range(3)]
    _die_after_send(company, ids)
    summary = company.exporter().run()

    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED] * 3
    assert summary.invoice_requests == 1  # the replay, with the same key: Xero answers from its cache
    for invoice_id in ids:
        company.assert_one_copy(_number(invoice_id))
    assert XeroBatch.get().state == "resolved"


def test_send_of_a_dead_run_after_the_replay_window_is_looked_up_and_linked(company: Company) -> None:
    ids = [approve("Greenway Builders") for _ in range(2)]
    _die_after_send(company, ids)
    company.time.advance(7 * 60)
    summary = company.exporter().run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED] * 2
    assert summary.invoice_requests == 0 and summary.api_calls == 1  # one look-up, no new PUT
    assert all("interrupted export" in o.note for o in summary.outcomes)
    for invoice_id in ids:
        company.assert_one_copy(_number(invoice_id))


def test_send_of_a_live_run_is_left_alone_until_stale(company: Company) -> None:
    ids = [approve("Greenway Builders")]
    _die_after_send(company, ids, export_queue.new_owner())  # "another engine of this process", silent
    assert company.exporter().run().outcomes == []
    assert export_row(ids[0]).state == ExportState.SENDING
    company.time.advance(export_queue.STALE_AFTER.total_seconds() + 1)
    summary = company.exporter().run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    company.assert_one_copy(_number(ids[0]))


def test_two_engines_racing_never_send_one_invoice_twice(company: Company) -> None:
    ids = [approve(seed.DEMO_ACTIVE_CONTACTS[i % 5], line(f"{i + 10}.00")) for i in range(60)]
    company.sandbox.faults.set_latency(0.02, path="/Invoices")
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(company.exporter(batch_size=5).run())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    sent = [o.invoice_id for summary in results for o in summary.outcomes]  # type: ignore[attr-defined]
    assert sorted(sent) == sorted(ids)  # each invoice reported by exactly one engine
    assert all(len(summary.outcomes) > 0 for summary in results)  # type: ignore[attr-defined]
    for invoice_id in ids:
        assert export_row(invoice_id).state == ExportState.SYNCED
        company.assert_one_copy(_number(invoice_id))
