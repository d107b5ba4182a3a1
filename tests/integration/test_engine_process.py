"""A Resync's engine in a process of its own (jobs.engine_process), through the real ExportWorker: what the child
reports reaches the worker's signals as on a thread; its failures are classified where they happened; Cancel
reaches it between steps; a child that ends without its last word is a failure, never a hang."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from export_fixtures import approve, connect_company, line

from invoice_desktop.config import AppPaths
from invoice_desktop.jobs.engine_process import CHILD_NICENESS, ChildFailed, _listen
from invoice_desktop.jobs.export_worker import ExportWorker
from invoice_desktop.jobs.failure import FailureKind
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.models import ExportState, XeroExport
from invoice_desktop.xero.export_results import ExportSummary


def paths_of(data_dir: Path, company_location: Path | str) -> AppPaths:
    """The paths the child opens: the test's company file on either engine (a URL in the PostgreSQL leg)."""
    return AppPaths(data_dir, database_url=company_location if isinstance(company_location, str) else None)


def run(worker: ExportWorker) -> dict[str, list]:
    heard: dict[str, list] = {name: [] for name in ("batch", "outcomes", "progress", "succeeded", "failed")}
    worker.batch_started.connect(heard["batch"].append)
    worker.outcomes_done.connect(heard["outcomes"].extend)
    worker.progress.connect(lambda done, total: heard["progress"].append((done, total)))
    worker.succeeded.connect(heard["succeeded"].append)
    worker.failed.connect(heard["failed"].append)
    worker.run()  # on this thread: the signals are delivered directly
    return heard


def test_a_resync_in_a_child_process_exports_and_reports_as_on_a_thread(
    sandbox: RunningSandbox, db, data_dir: Path, company_location: Path | str
) -> None:
    connect_company(sandbox, data_dir)
    ids = [approve("Greenway Builders", line("12.00")) for _ in range(7)]
    XeroExport.update(state=ExportState.FAILED.value).where(XeroExport.invoice.in_(ids)).execute()
    heard = run(ExportWorker(paths_of(data_dir, company_location), sandbox.endpoints, ids, in_child=True))
    assert not heard["failed"]
    (summary,) = heard["succeeded"]
    assert isinstance(summary, ExportSummary) and len(summary.synced) == 7
    assert sorted(k for batch in heard["batch"] for k in batch) == sorted(ids)
    assert sorted(o.invoice_id for o in heard["outcomes"]) == sorted(ids)
    assert heard["progress"][-1] == (7, 7)
    assert {e.state for e in XeroExport.select().where(XeroExport.invoice.in_(ids))} == {ExportState.SYNCED}


def test_the_childs_failure_is_classified_there_and_carried_whole(
    sandbox: RunningSandbox, db, data_dir: Path, company_location: Path | str
) -> None:
    connect_company(sandbox, data_dir)
    ids = [approve("Greenway Builders", line("12.00"))]
    for token in data_dir.glob("xero-token*"):
        token.unlink()  # the sign-in gone: the child's open_client raises NotConnected
    heard = run(ExportWorker(paths_of(data_dir, company_location), sandbox.endpoints, ids, in_child=True))
    (failure,) = heard["failed"]
    assert failure.kind is not FailureKind.BUG and "Reconnect" in failure.message, failure
    assert not heard["succeeded"]


class _Gone:
    exitcode = -9

    def join(self, timeout: float | None = None) -> None:
        return None


class _Listener:
    is_cancelled = False

    def _on_outcome(self, outcome: object) -> None: ...
    def _report(self, done: int, total: int) -> None: ...
    def _batch(self, keys: list[int]) -> None: ...


def test_a_child_that_ends_without_its_last_word_is_a_failure_not_a_hang() -> None:
    ours, theirs = multiprocessing.Pipe(duplex=False)
    theirs.send(("progress", 1, 2))
    theirs.close()  # killed before its summary
    with pytest.raises(ChildFailed, match=r"process ended unexpectedly \(exit code -9\)") as raised:
        _listen(ours, multiprocessing.Event(), _Gone(), _Listener())
    assert raised.value.failure.kind is FailureKind.BUG


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX niceness (Windows: below-normal priority class)")
def test_the_engine_process_stands_back_for_the_window_on_the_cpu() -> None:
    """give_way_to_the_window, as the child calls it first: its niceness goes up by CHILD_NICENESS (at most 19)."""
    script = (
        "import os\n"
        "from invoice_desktop.jobs.engine_process import give_way_to_the_window\n"
        "before = os.nice(0)\n"
        "give_way_to_the_window()\n"
        "print(before, os.nice(0))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    before, after = map(int, done.stdout.split())
    assert after == min(before + CHILD_NICENESS, 19)
