"""Crash safety and two-process races of the export engine, with REAL processes (docs/product.md §4, issue 5).

One sandbox runs in the test process; the exporting processes are started with `python -m invoice_desktop
--data-dir D --xero-endpoint SANDBOX xero sync --json` (the product as shipped) or with a small driver that runs the
real `Exporter` in its own process (`DRIVER` below: batch size, a start barrier, and optionally a pause right after
one of the engine's export_queue steps so the kill lands exactly there). Processes are killed with SIGKILL, reaped,
and the engine is run again; then every approved invoice must be synced (or failed with a reason), none `sending`,
the sandbox must hold exactly one copy of each, and `PRAGMA integrity_check` must say ok.

Where each kill lands is decided by events, not sleeps: a PUT /Invoices arriving at the sandbox, the sandbox having
committed it (the spy below holds the reply back after the commit, so the process is killed with Xero's answer
unread), a `retry` attempt written to the company file (reply lost by `drop_after_commit`, process in its backoff),
or the driver's pause marker. The engine's clock is the real one (no flag or variable moves it), so a restart
within seconds takes the replay path (same Idempotency-Key); the look-up path is reached by moving the batch's
`sent_at` (and the claim) back 6 minutes in the company file and the sandbox clock forward past Xero's 6-minute
idempotency window.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import Company

from invoice_desktop.ledger.credit_notes import CreditLineDraft, CreditNoteDraft, create_credit_note
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    record_payment,
)
from invoice_desktop.sandbox import api as sandbox_api
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.limits import RateLimits
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox
from invoice_desktop.store.models import (
    AllocationState,
    CreditNote,
    ExportState,
    Invoice,
    XeroAttempt,
    XeroBatch,
    XeroCreditNoteExport,
    XeroExport,
    XeroPaymentExport,
)
from invoice_desktop.xero.settings import load_settings, save_settings
from waiting import wait_until

REPLAY_WINDOW_PASSED = timedelta(minutes=6, seconds=5)

# The real engine in its own process. argv: data dir, sandbox URL, batch size, pause point ("" or
# "<export_queue function>#<nth call>"), marker file (written when paused), go file ("" or a file to wait for; the
# driver writes MARKER.ready when it is about to wait for it).
DRIVER = r"""
import json, sys, time
from pathlib import Path

data_dir, endpoint, batch_size, pause_at, marker, go, in_flight = sys.argv[1:8]
from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.store.database import open_database
from invoice_desktop.xero import export_queue
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.exporter import Exporter

if pause_at:
    name, _, nth = pause_at.partition("#")
    original = getattr(export_queue, name)
    calls = [0]

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == int(nth or 1):
            Path(marker).write_text(name)
            while True:
                time.sleep(60)
        return result

    setattr(export_queue, name, paused)

paths = AppPaths(Path(data_dir))
open_database(paths.database, paths.backup_dir)
client = open_client(paths, XeroEndpoints.under(endpoint))
if go:
    Path(marker + ".ready").write_text("ready")
while go and not Path(go).exists():
    time.sleep(0.005)
summary = Exporter(client, batch_size=int(batch_size), in_flight=int(in_flight)).run()
print(json.dumps(summary.to_json()))
"""


# -- the sandbox, watched --------------------------------------------------------------------------------------------


def _is_put_invoices(request: Any) -> bool:
    return request.method == "PUT" and request.path.rstrip("/").lower().endswith("/invoices")


@dataclass
class Spy:
    """Counts PUT /Invoices arriving at the sandbox and being committed there; `hold` keeps the reply of a
    committed PUT back for that many seconds (the sandbox has stored the invoices and its idempotent answer)."""

    arrived: int = 0
    committed: int = 0
    looking_up: int = 0  # GET /Invoices arriving (the engine's look-ups by number)
    hold: float = 0.0
    hold_from: int = 1  # the first commit (1-based) whose reply is held
    stall_arrival: int = 0  # the PUT (1-based) that waits, unprocessed, until `release` is set; 0 = none
    release: threading.Event = field(default_factory=threading.Event)
    sizes: list[int] = field(default_factory=list)  # invoices in each committed PUT, in commit order
    changed: threading.Condition = field(default_factory=threading.Condition)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        fault_response, run = sandbox_api.fault_response, sandbox_api._run

        def arriving(ctx: Any, request: Any, correlation_id: str) -> Any:
            if _is_put_invoices(request):
                self._bump("arrived")
                if self.arrived == self.stall_arrival:
                    self.release.wait(timeout=60)
            elif request.method == "GET" and request.path.rstrip("/").lower().endswith("/invoices"):
                self._bump("looking_up")
            return fault_response(ctx, request, correlation_id)

        def committing(call: Any, handler: Any) -> Any:
            response = run(call, handler)
            if _is_put_invoices(call.request):
                if self.hold and self.committed + 1 >= self.hold_from:
                    response.delay_seconds = self.hold
                self.sizes.append(len(json.loads(call.request.body)["Invoices"]))
                self._bump("committed")
            return response

        monkeypatch.setattr(sandbox_api, "fault_response", arriving)
        monkeypatch.setattr(sandbox_api, "_run", committing)

    def _bump(self, name: str) -> None:
        with self.changed:
            setattr(self, name, getattr(self, name) + 1)
            self.changed.notify_all()


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """Limits high enough that repeated runs never wait on the minute limit (pacing is not what is tested)."""
    with start_sandbox(auto_approve=True, limits=RateLimits(per_minute=100_000, per_day=1_000_000)) as running:
        running.faults.hang_seconds = 3.0
        yield running


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    watching = Spy()
    watching.install(monkeypatch)
    return watching


# -- processes -------------------------------------------------------------------------------------------------------


@dataclass
class Proc:
    popen: subprocess.Popen[str]
    what: str
    out: str = ""
    err: str = ""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL, then reap (a zombie would still look alive to the engine's owner check)."""
        self.popen.send_signal(signal.SIGKILL)
        self.out, self.err = self.popen.communicate(timeout=10)
        assert self.popen.returncode == -signal.SIGKILL, f"{self.what} ended by itself before the kill: {self.err}"

    def finish(self, timeout: float = 60) -> int:
        self.out, self.err = self.popen.communicate(timeout=timeout)
        return self.popen.returncode

    def report(self) -> dict[str, Any]:
        return json.loads(self.out)


@dataclass
class Runner:
    company: Company
    data_dir: Path
    tmp: Path
    started: list[Proc] = field(default_factory=list)

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "INVOICE_DESKTOP_KEYRING": "file", "QT_QPA_PLATFORM": "offscreen"}
        for name in ("INVOICE_DESKTOP_DATA_DIR", "INVOICE_DESKTOP_XERO_ENDPOINT", "INVOICE_DESKTOP_XERO_CLIENT_ID"):
            env.pop(name, None)
        return env

    def _start(self, command: list[str], what: str) -> Proc:
        popen = subprocess.Popen(
            command, env=self._env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.tmp
        )
        proc = Proc(popen, what)
        self.started.append(proc)
        return proc

    def sync(self) -> Proc:
        """`invoice-desktop xero sync --json` in its own process."""
        base = self.company.sandbox.base_url
        command = [sys.executable, "-m", "invoice_desktop", "--data-dir", str(self.data_dir),
                   "--xero-endpoint", base, "xero", "sync", "--json"]  # fmt: skip
        return self._start(command, "xero sync")

    def driver(
        self, batch_size: int = 50, pause_at: str = "", go: Path | None = None, in_flight: int = 1
    ) -> tuple[Proc, Path]:
        marker = self.tmp / f"paused-{len(self.started)}"
        command = [sys.executable, "-c", DRIVER, str(self.data_dir), self.company.sandbox.base_url, str(batch_size),
                   pause_at, str(marker), str(go or ""), str(in_flight)]  # fmt: skip
        return self._start(command, f"exporter (batch {batch_size}, pause at {pause_at or '-'})"), marker

    def sync_to_the_end(self) -> dict[str, Any]:
        proc = self.sync()
        status = proc.finish()
        assert status in (0, 1), f"xero sync exited {status}: {proc.err}"
        assert "Traceback" not in proc.err, proc.err
        return proc.report()

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.running():
                proc.popen.kill()
                proc.popen.communicate(timeout=10)


@pytest.fixture
def runner(company: Company, data_dir: Path, tmp_path: Path) -> Iterator[Runner]:
    running = Runner(company, data_dir, tmp_path)
    yield running
    running.stop_all()


def wait_for(condition: Callable[[], object], what: str, proc: Proc | None = None, timeout: float = 20) -> None:
    """Until `condition()` holds; polled briskly, so a kill lands at the step waited for, not a later one."""
    wait_until(condition, what, process=proc.popen if proc else None, timeout=timeout, poll=0.002)


def wait_ready(*drivers: tuple[Proc, Path]) -> None:
    """Until each driver has imported, opened the company file and the client, and waits for its go file."""
    for proc, marker in drivers:
        wait_until(marker.with_name(marker.name + ".ready").exists, f"{proc.what} ready", process=proc.popen)


def wait_spy(spy: Spy, name: str, at_least: int, proc: Proc | None = None, timeout: float = 20) -> None:
    wait_for(lambda: getattr(spy, name) >= at_least, f"{at_least} PUT /Invoices {name}", proc, timeout)


def kill_with_the_reply_unread(runner: Runner, spy: Spy) -> None:
    """`xero sync` killed once Xero has committed its first batch, the reply held back (never read)."""
    spy.hold = 30
    proc = runner.sync()
    wait_spy(spy, "committed", 1, proc)
    proc.kill()
    spy.hold = 0


# -- the company file and the sandbox --------------------------------------------------------------------------------


def approve_many(count: int, start: int = 0) -> list[int]:
    """`count` new approved invoices (queued for export), for the demo organisation's active contacts."""
    day = date(2026, 3, 2)
    ids = []
    for i in range(start, start + count):
        line = LineDraft(
            "Plumbing work", Decimal(1), Decimal(f"{100 + i}.50"), seed.DEMO_SALES_ACCOUNT, "GST on Income"
        )
        client = seed.DEMO_ACTIVE_CONTACTS[i % len(seed.DEMO_ACTIVE_CONTACTS)]
        ids.append(create_invoice(InvoiceDraft(client, day, day + timedelta(days=14), lines=(line,))))
    result = approve_invoices(ids)
    assert len(result.approved) == count, result.rejected
    return ids


def states() -> Counter[str]:
    return Counter(row.state for row in XeroExport.select(XeroExport.state))


def sending_batches() -> list[XeroBatch]:
    keys = {row.batch_key for row in XeroExport.select().where(XeroExport.state == ExportState.SENDING.value)}
    return list(XeroBatch.select().where(XeroBatch.key.in_(list(keys))))


def sandbox_numbers(sandbox: RunningSandbox) -> Counter[str]:
    org = sandbox.control.organisation()
    with sandbox.state.lock:
        return Counter(i.invoice_number for i in org.invoices.values() if i.invoice_number.startswith("T-"))


def move_past_the_replay_window(company: Company) -> None:
    """As if the restart came 6 minutes later: the unresolved batches were sent (and claimed) 6 minutes earlier in
    the company file, and the sandbox clock moved past Xero's 6-minute idempotency window."""
    for batch in sending_batches():
        XeroBatch.update(
            sent_at=batch.sent_at - REPLAY_WINDOW_PASSED if batch.sent_at else None,
            created_at=batch.created_at - REPLAY_WINDOW_PASSED,
        ).where(XeroBatch.key == batch.key).execute()
    for row in XeroExport.select().where(XeroExport.state == ExportState.SENDING.value):
        XeroExport.update(claimed_at=row.claimed_at - REPLAY_WINDOW_PASSED).where(
            XeroExport.invoice == row.invoice_id
        ).execute()
    company.sandbox.control.advance_clock(REPLAY_WINDOW_PASSED.total_seconds())


def integrity(data_dir: Path) -> tuple[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(data_dir / "company.sqlite3")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0], conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()


def assert_crash_safe(company: Company, data_dir: Path, ids: list[int], failing: Collection[int] = ()) -> None:
    """Every approved invoice synced, or (those in `failing`) failed with Xero's reason; none left `sending` or
    queued. Exactly one copy in the sandbox of each synced one, none of a failed one, nothing else of ours; the
    Xero id recorded is the one copy's; the company file intact."""
    approved = [i.id for i in Invoice.select().where(Invoice.status.in_(["awaiting_payment", "paid"]))]
    assert sorted(approved) == sorted(ids)
    rows = {row.invoice_id: row for row in XeroExport.select().where(XeroExport.invoice.in_(approved))}
    assert set(rows) == set(approved), "an approved invoice has no export state"
    wrong = {rows[i].invoice.number: (rows[i].state, rows[i].category, rows[i].note) for i in approved
             if rows[i].state != (ExportState.FAILED.value if i in failing else ExportState.SYNCED.value)}  # fmt: skip
    assert not wrong, f"not in the expected state: {wrong}"
    for invoice_id in failing:
        assert rows[invoice_id].category and json.loads(rows[invoice_id].messages), "failed without a reason"
    synced = {rows[i].invoice.number: rows[i] for i in approved if i not in failing}
    in_xero = sandbox_numbers(company.sandbox)
    duplicates = {n: c for n, c in in_xero.items() if c != 1}
    assert not duplicates, f"copies in Xero: {duplicates}"
    assert set(in_xero) == set(synced)
    for number, row in synced.items():
        (copy,) = company.xero_invoices(number)
        assert row.xero_invoice_id == copy.invoice_id  # type: ignore[attr-defined]
    assert integrity(data_dir) == ("ok", [])


def archive_in_xero_only(company: Company, ids: list[int]) -> list[int]:
    """Archive one contact in the sandbox after Xero's settings were cached: the pre-flight check passes and Xero
    refuses that contact's invoices in its reply (a failure recorded from the reply, not before the call)."""
    contact = seed.DEMO_ACTIVE_CONTACTS[-1]
    company.sandbox.control.archive_contact(contact)
    return [i for i in ids if Invoice.get_by_id(i).client.name == contact]


def numbers_reported(*reports: dict[str, Any]) -> list[str]:
    return sorted(o["number"] for report in reports for o in report["invoices"])


def all_numbers(ids: list[int]) -> list[str]:
    return sorted(Invoice.get_by_id(i).number for i in ids)


# -- kills of `xero sync` at points the sandbox can see --------------------------------------------------------------


def test_killed_after_xero_committed_before_the_reply_was_read(
    runner: Runner, company: Company, spy: Spy, data_dir: Path
) -> None:
    """The representative crash: Xero has stored the batch (and its idempotent answer); the process dies before it
    reads the reply. The restart replays the same key, Xero answers from its cache, nothing is created twice."""
    ids = approve_many(8)
    spy.hold = 30
    proc = runner.sync()
    wait_spy(spy, "committed", 1, proc)
    assert sandbox_numbers(company.sandbox) == Counter({n: 1 for n in all_numbers(ids)})
    assert states() == Counter({"sending": 8}) and XeroBatch.get().state == "sent"
    proc.kill()
    spy.hold = 0

    report = runner.sync_to_the_end()
    assert numbers_reported(report) == all_numbers(ids)
    assert spy.committed == 1 and spy.arrived == 2  # the replay was answered from Xero's cache
    assert_crash_safe(company, data_dir, ids)
    assert XeroBatch.get().state == "resolved"


@pytest.mark.slow
@pytest.mark.parametrize("after_window", [False, True], ids=["replayed", "looked-up"])
def test_killed_after_commit_reply_unread(
    runner: Runner, company: Company, spy: Spy, data_dir: Path, after_window: bool
) -> None:
    """Same kill; restarted within the replay window (replay) or after it (one GET by number, linked, no PUT)."""
    ids = approve_many(12)
    kill_with_the_reply_unread(runner, spy)
    if after_window:
        move_past_the_replay_window(company)

    report = runner.sync_to_the_end()
    assert numbers_reported(report) == all_numbers(ids)
    assert spy.committed == 1
    if after_window:
        assert spy.arrived == 1  # no PUT at all: looked up and linked
        assert all("interrupted export" in (o["note"] or "") for o in report["invoices"])
    else:
        assert spy.arrived == 2
    assert_crash_safe(company, data_dir, ids)


@pytest.mark.slow
def test_killed_during_the_look_up_of_an_interrupted_send(
    runner: Runner, company: Company, spy: Spy, data_dir: Path
) -> None:
    """Killed after Xero committed the batch, restarted after the replay window, and killed again while Xero is
    answering the look-up: the third run looks up again and links. One PUT in all, one copy of each."""
    ids = approve_many(10)
    kill_with_the_reply_unread(runner, spy)
    move_past_the_replay_window(company)
    company.sandbox.faults.set_latency(30, path="/Invoices")  # the look-up hangs in Xero
    second = runner.sync()
    wait_for(lambda: spy.looking_up >= 1, "a look-up arriving", second)
    second.kill()
    company.sandbox.faults.set_latency(0)

    report = runner.sync_to_the_end()
    assert numbers_reported(report) == all_numbers(ids)
    assert spy.committed == 1 and spy.arrived == 1  # never sent again
    assert spy.looking_up >= 2
    assert_crash_safe(company, data_dir, ids)


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1, 3, 6])
def test_killed_with_several_requests_in_flight(
    runner: Runner, company: Company, spy: Spy, data_dir: Path, kill_after: int
) -> None:
    """Four requests in flight (batches of 5, each held in Xero a while): killed once `kill_after` batches were
    committed in Xero, some replies read and recorded, others not. The restart replays or looks up the rest: one
    copy of each invoice in Xero, every one synced."""
    ids = approve_many(40)
    company.sandbox.faults.set_latency(0.3, path="/Invoices")
    proc, _marker = runner.driver(batch_size=5, in_flight=4)
    wait_spy(spy, "committed", kill_after, proc)
    wait_for(lambda: spy.arrived >= kill_after + 1, "a further request in flight", proc)
    proc.kill()
    company.sandbox.faults.set_latency(0)

    runner.sync_to_the_end()
    assert_crash_safe(company, data_dir, ids)
    assert integrity(data_dir) == ("ok", [])


@pytest.mark.slow
def test_killed_while_the_request_was_in_flight_and_xero_finished_it(
    runner: Runner, company: Company, spy: Spy, data_dir: Path
) -> None:
    """Killed while Xero is still working on the request (latency); Xero commits it after the process is gone."""
    ids = approve_many(6)
    company.sandbox.faults.set_latency(1.0, path="/Invoices")
    proc = runner.sync()
    wait_spy(spy, "arrived", 1, proc)
    proc.kill()
    assert spy.committed == 0
    company.sandbox.faults.set_latency(0)
    wait_spy(spy, "committed", 1)  # the orphaned request completes in Xero

    runner.sync_to_the_end()
    assert spy.committed == 1
    assert_crash_safe(company, data_dir, ids)


@pytest.mark.slow
def test_killed_while_xero_hung_without_processing(runner: Runner, company: Company, spy: Spy, data_dir: Path) -> None:
    """The request went out (key written) but Xero never processed it: the replay creates the invoices, once."""
    ids = approve_many(6)
    company.sandbox.faults.hang(path="/Invoices", method="PUT")
    proc = runner.sync()
    wait_spy(spy, "arrived", 1, proc)
    assert XeroBatch.get().state == "sent"
    proc.kill()

    runner.sync_to_the_end()
    assert spy.committed == 1
    assert_crash_safe(company, data_dir, ids)


@pytest.mark.slow
def test_killed_in_the_backoff_after_a_reply_lost_after_commit(
    runner: Runner, company: Company, spy: Spy, data_dir: Path
) -> None:
    """drop_after_commit: Xero stored the batch and closed the socket; the process recorded a `retry` attempt and is
    waiting to re-send the same key when it is killed."""
    ids = approve_many(6)
    company.sandbox.faults.drop_after_commit(path="/Invoices", method="PUT")
    spy.stall_arrival = 2  # however short the backoff, the re-send cannot finish before the kill
    proc = runner.sync()
    wait_for(lambda: XeroAttempt.select().where(XeroAttempt.outcome == "retry").exists(), "a retry attempt", proc)
    assert spy.committed == 1 and states() == Counter({"sending": 6})
    proc.kill()
    spy.release.set()

    runner.sync_to_the_end()
    assert spy.committed == 1  # replayed from Xero's cache
    assert_crash_safe(company, data_dir, ids)
    history = Counter(a.outcome for a in XeroAttempt.select())
    assert history == Counter({"retry": 6, "synced": 6})


@pytest.mark.slow
def test_killed_with_the_second_batch_in_flight(runner: Runner, company: Company, spy: Spy, data_dir: Path) -> None:
    """60 invoices (50 + 10): killed when one batch is recorded and the other is committed, reply unread. The two
    are in flight together, so either may commit first: the first to commit is the one whose reply is not held."""
    ids = approve_many(60)
    spy.hold, spy.hold_from = 30, 2
    proc = runner.sync()
    wait_spy(spy, "committed", 2, proc)
    recorded = spy.sizes[0]
    wait_for(lambda: states()["synced"] == recorded, "the first committed batch recorded", proc)
    proc.kill()
    spy.hold = 0
    assert sorted(spy.sizes) == [10, 50]
    assert states() == Counter({"synced": recorded, "sending": 60 - recorded})

    runner.sync_to_the_end()
    assert spy.committed == 2 and spy.arrived == 3
    assert_crash_safe(company, data_dir, ids)


# -- kills at points inside the engine (the driver pauses right after an export_queue step) -------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pause_at", "after_window", "batch_size", "count", "put_commits"),
    [
        # (the restart is `xero sync`: one batch of up to 50 for what is still queued)
        ("claim#1", False, 5, 12, 1),  # claimed, key not yet marked sent: released, all 12 sent by the restart
        ("mark_sent#1", False, 5, 12, 2),  # key written, request never left: replayed (Xero creates them), + 7
        ("mark_sent#1", True, 5, 12, 1),  # ... restarted after the window: looked up, not found, released, all 12
        ("record_synced#3", False, 10, 10, 1),  # mid-recording: replayed or looked up, nothing new sent
        ("resolve_batch#1", False, 5, 12, 2),  # between batches, the first fully done; + 7
        ("heartbeat#2", False, 5, 12, 3),  # right before the second batch's request: replayed, + 2
    ],
    ids=[
        "after-claim",
        "after-key-written",
        "after-key-written-window-passed",
        "mid-recording",
        "between-batches",
        "before-second-request",
    ],
)
def test_killed_inside_the_engine(
    runner: Runner,
    company: Company,
    spy: Spy,
    data_dir: Path,
    pause_at: str,
    after_window: bool,
    batch_size: int,
    count: int,
    put_commits: int,
) -> None:
    ids = approve_many(count)
    proc, marker = runner.driver(batch_size, pause_at)
    wait_for(marker.exists, f"the pause at {pause_at}", proc)
    proc.kill()
    left = states()
    assert left["sending"] > 0 or pause_at.startswith("resolve_batch"), left
    if after_window:
        move_past_the_replay_window(company)

    runner.sync_to_the_end()
    assert spy.committed == put_commits
    assert_crash_safe(company, data_dir, ids)


@pytest.mark.slow
def test_killed_again_and_again_at_points_spread_over_the_run(
    runner: Runner, company: Company, spy: Spy, data_dir: Path
) -> None:
    """One company file, 150 invoices, 10 a batch; ten engine processes killed in turn (request in flight, claim
    just made, commit with the reply unread, recording under way, backoff after a lost reply, a hung request, plain
    delays), two of the restarts as if after the replay window; then `xero sync` to the end."""
    ids = approve_many(150)

    def kill_when(condition: Callable[[], object], what: str, *, hold: float = 0.0, latency: float = 0.0) -> None:
        spy.hold = hold
        company.sandbox.faults.set_latency(latency, path="/Invoices")
        proc, _ = runner.driver(10)
        wait_for(condition, what, proc)
        proc.kill()
        spy.hold = 0
        company.sandbox.faults.set_latency(0)

    def retries() -> int:
        return XeroAttempt.select().where(XeroAttempt.outcome == "retry").count()

    def more(counter: Callable[[], int], by: int = 1) -> Callable[[], bool]:
        before = counter()
        return lambda: counter() >= before + by

    kill_when(more(lambda: spy.arrived), "a PUT arriving", latency=2)
    wait_spy(spy, "committed", 1)  # the orphaned request completes in Xero
    kill_when(more(XeroBatch.select().count), "a new batch claimed")
    kill_when(more(lambda: spy.committed), "a commit, reply unread", hold=30)
    move_past_the_replay_window(company)
    kill_when(more(lambda: spy.committed, 2), "the second commit, reply unread", hold=0.5)
    kill_when(more(lambda: states()["synced"]), "recording under way")
    company.sandbox.faults.drop_after_commit(path="/Invoices", method="PUT")
    kill_when(more(retries), "the backoff after a reply lost after commit")
    company.sandbox.faults.hang(path="/Invoices", method="PUT")
    kill_when(more(lambda: spy.arrived), "a hung PUT")
    move_past_the_replay_window(company)
    for delay in (0.9, 1.4):  # plain timing after the start (~0.7 s of it is start-up): wherever the run is
        started = time.monotonic()
        kill_when(lambda d=delay, t=started: time.monotonic() - t > d, f"{delay} s", latency=0.25)
    assert states()["queued"] > 0  # the timed kills landed before the end of the queue

    runner.sync_to_the_end()
    assert_crash_safe(company, data_dir, ids)
    assert states() == Counter({"synced": 150})


@pytest.mark.slow
@pytest.mark.parametrize("after_window", [False, True], ids=["replayed", "looked-up"])
def test_killed_after_commit_with_a_contact_created_with_the_invoices(
    runner: Runner, company: Company, spy: Spy, data_dir: Path, after_window: bool
) -> None:
    """A client Xero does not know: the killed batch created its contact along with the invoices. The restart
    resolves the batch; later invoices of that client go to the same contact (one contact in Xero, not two)."""
    day = date(2026, 3, 2)
    line = LineDraft("Gas fitting", Decimal(1), Decimal("240.00"), seed.DEMO_SALES_ACCOUNT, "GST on Income")

    def approve_new_client(count: int) -> list[int]:
        drafts = [
            InvoiceDraft("Fresh Fitouts Pty Ltd", day, day + timedelta(days=7), lines=(line,)) for _ in range(count)
        ]
        created = [create_invoice(draft) for draft in drafts]
        assert len(approve_invoices(created).approved) == count
        return created

    ids = approve_new_client(3) + approve_many(3)
    kill_with_the_reply_unread(runner, spy)
    if after_window:
        move_past_the_replay_window(company)
    runner.sync_to_the_end()
    ids += approve_new_client(2)
    runner.sync_to_the_end()

    assert_crash_safe(company, data_dir, ids)
    org = company.sandbox.control.organisation()
    with company.sandbox.state.lock:
        named = [c for c in org.contacts if c.name == "Fresh Fitouts Pty Ltd"]
        used = {i.contact_id for i in org.invoices.values() if i.invoice_number.startswith("T-")}
    assert len(named) == 1 and named[0].contact_id in used


@pytest.mark.slow
@pytest.mark.parametrize("after_window", [False, True], ids=["replayed", "looked-up"])
def test_killed_while_resolving_a_dead_runs_batch(
    runner: Runner, company: Company, spy: Spy, data_dir: Path, after_window: bool
) -> None:
    """A run dies after Xero committed its batch; the next run takes the batch over and dies too (before replaying
    or looking up); the third run resolves it."""
    ids = approve_many(8)
    kill_with_the_reply_unread(runner, spy)
    dead_owner = XeroExport.get().claimed_by
    proc, marker = runner.driver(pause_at="take_over#1")
    wait_for(marker.exists, "the take-over", proc)
    proc.kill()
    assert row_owner(proc) != dead_owner  # the second process took the batch over, then died
    if after_window:
        move_past_the_replay_window(company)

    runner.sync_to_the_end()
    assert spy.committed == 1
    assert_crash_safe(company, data_dir, ids)


def row_owner(proc: Proc) -> str:
    (owner,) = {row.claimed_by for row in XeroExport.select()}
    assert f":{proc.pid}:" in owner
    return owner


@pytest.mark.slow
def test_a_silent_process_is_taken_over_and_cannot_overwrite_the_new_owner(
    runner: Runner, company: Company, spy: Spy, data_dir: Path
) -> None:
    """A live process stops (SIGSTOP) with its batch committed in Xero and the reply unread. While its claim is
    fresh a second run leaves the batch alone; once the claim is 5 minutes old (moved back in the company file) a
    run takes it over and links the invoices. The first process then wakes, reads its reply, and records nothing
    over the new owner's outcome; it exits normally."""
    ids = approve_many(8)
    spy.hold = 2
    silent = runner.sync()
    wait_spy(spy, "committed", 1, silent)
    silent.popen.send_signal(signal.SIGSTOP)
    try:
        spy.hold = 0
        left_alone = runner.sync_to_the_end()
        assert left_alone["invoices"] == [] and states() == Counter({"sending": 8})
        move_past_the_replay_window(company)
        taken_over = runner.sync_to_the_end()
        assert numbers_reported(taken_over) == all_numbers(ids)
        assert all("interrupted export" in (o["note"] or "") for o in taken_over["invoices"])
        recorded = {row.invoice_id: (row.xero_invoice_id, row.note, row.attempts) for row in XeroExport.select()}
    finally:
        silent.popen.send_signal(signal.SIGCONT)
    assert silent.finish() == 0, silent.err
    assert silent.report()["invoices"] == []  # its late reply changed nothing
    assert {row.invoice_id: (row.xero_invoice_id, row.note, row.attempts) for row in XeroExport.select()} == recorded
    assert spy.committed == 1
    assert_crash_safe(company, data_dir, ids)


# -- two processes at once -------------------------------------------------------------------------------------------


def test_two_xero_sync_processes_at_once_never_send_an_invoice_twice(
    runner: Runner, company: Company, spy: Spy, data_dir: Path
) -> None:
    ids = approve_many(110)  # three batches of 50, claimed by whichever process gets there first
    failing = archive_in_xero_only(company, ids)
    company.sandbox.faults.set_latency(0.2, path="/Invoices")
    first, second = runner.sync(), runner.sync()
    statuses = [first.finish(), second.finish()]
    # 1: done, some failed (it sent the batch with the archived contact's invoices); 0: all it sent went through,
    # or the other took every batch first (each sends four requests at once)
    assert set(statuses) <= {0, 1} and 1 in statuses, first.err + second.err
    for proc in (first, second):
        assert "locked" not in proc.err.lower() and "Traceback" not in proc.err, proc.err
    reports = [first.report(), second.report()]
    assert numbers_reported(*reports) == all_numbers(ids)  # each invoice reported by exactly one process
    assert spy.committed == 3
    assert_crash_safe(company, data_dir, ids, failing)


@pytest.mark.slow
def test_two_exporter_processes_with_small_batches_racing(
    runner: Runner, company: Company, spy: Spy, data_dir: Path, tmp_path: Path
) -> None:
    """Two engines released at the same instant, 5 invoices a batch, 80 invoices: many claims race."""
    ids = approve_many(80)
    failing = archive_in_xero_only(company, ids)
    company.sandbox.faults.set_latency(0.02, path="/Invoices")
    go = tmp_path / "go"
    (first, first_marker), (second, second_marker) = runner.driver(5, go=go), runner.driver(5, go=go)
    wait_ready((first, first_marker), (second, second_marker))
    go.write_text("go")
    assert [first.finish(), second.finish()] == [0, 0], first.err + second.err
    reports = [first.report(), second.report()]
    assert all(r["invoices"] for r in reports), "one engine did all the work: no race happened"
    assert numbers_reported(*reports) == all_numbers(ids)
    assert spy.committed == 16
    assert_crash_safe(company, data_dir, ids, failing)


@pytest.mark.slow
def test_two_processes_restarting_after_a_crash_resolve_the_dead_batch_once(
    runner: Runner, company: Company, spy: Spy, data_dir: Path, tmp_path: Path
) -> None:
    """A run dies with its batch committed and the reply unread; two engines start at once and race to take the
    dead batch over: one replays it, the other leaves it alone; nothing is reported or created twice."""
    ids = approve_many(30)
    spy.hold = 30
    proc, _ = runner.driver(10)
    wait_spy(spy, "committed", 1, proc)
    proc.kill()
    spy.hold = 0
    go = tmp_path / "go"
    (first, first_marker), (second, second_marker) = runner.driver(10, go=go), runner.driver(10, go=go)
    wait_ready((first, first_marker), (second, second_marker))
    go.write_text("go")
    assert [first.finish(), second.finish()] == [0, 0], first.err + second.err
    assert numbers_reported(first.report(), second.report()) == all_numbers(ids)
    assert spy.committed == 3
    assert_crash_safe(company, data_dir, ids)


def test_killed_after_xero_recorded_a_payment_before_the_reply_was_read(
    runner: Runner, company: Company, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A payment recorded here: `xero sync` is killed once Xero has recorded it, its reply unread. The next sync
    takes the dead process's batch over, finds the payment among the invoice's payments in Xero (the app's
    Reference tag, amount and date) and links it: one copy in Xero, none sent again."""
    [invoice_id] = approve_many(1)
    runner.sync_to_the_end()
    settings = load_settings()
    settings.payments_account, settings.send_payments = seed.DEMO_BANK_ACCOUNT, True
    save_settings(settings, check=False)
    payment_id = record_payment(invoice_id, date(2026, 3, 10), Decimal("10.00"), "EFT 77").payment_id
    recorded, puts = threading.Event(), Counter[str]()
    run = sandbox_api._run

    def committing(call: Any, handler: Any) -> Any:
        response = run(call, handler)
        if call.request.method == "PUT" and call.request.path.rstrip("/").lower().endswith("/payments"):
            puts["payments"] += 1
            if not recorded.is_set():
                response.delay_seconds = 30
                recorded.set()
        return response

    monkeypatch.setattr(sandbox_api, "_run", committing)
    proc = runner.sync()
    wait_for(recorded.is_set, "PUT /Payments recorded", proc)
    proc.kill()
    assert XeroPaymentExport.get_by_id(payment_id).state == ExportState.SENDING.value

    report = runner.sync_to_the_end()

    assert [(o["type"], o["state"]) for o in report["invoices"]] == [("payment", "synced")]
    assert puts["payments"] == 1  # looked up, linked: never sent again
    number = Invoice.get_by_id(invoice_id).number
    org = company.sandbox.control.organisation()
    with company.sandbox.state.lock:
        [held] = [i for i in org.invoices.values() if i.invoice_number == number]
        assert len(held.payment_ids) == 1
    row = XeroPaymentExport.get_by_id(payment_id)
    assert row.state == ExportState.SYNCED.value and row.xero_payment_id == held.payment_ids[0].lower()
    assert integrity(data_dir)[0] == "ok"


def _kill_at_committed(
    runner: Runner, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> tuple[Counter[str], Callable[[], None]]:
    """Hold back the reply of the first PUT whose path ends with `suffix` once the sandbox has committed it, and
    count those PUTs; returns the counter and a `sync then kill at that point` step."""
    recorded, puts = threading.Event(), Counter[str]()
    run = sandbox_api._run

    def committing(call: Any, handler: Any) -> Any:
        response = run(call, handler)
        if call.request.method == "PUT" and call.request.path.rstrip("/").lower().endswith(suffix):
            puts[suffix] += 1
            if not recorded.is_set():
                response.delay_seconds = 30
                recorded.set()
        return response

    monkeypatch.setattr(sandbox_api, "_run", committing)

    def sync_and_kill() -> None:
        proc = runner.sync()
        wait_for(recorded.is_set, f"PUT …{suffix} recorded", proc)
        proc.kill()

    return puts, sync_and_kill


def _credit_note_on_a_synced_invoice(runner: Runner) -> tuple[int, int]:
    [invoice_id] = approve_many(1)
    runner.sync_to_the_end()
    lines = [CreditLineDraft(1, Decimal("10.00"))]
    note_id = create_credit_note(CreditNoteDraft(invoice_id, date(2026, 3, 10), "Returned", lines)).credit_note_id
    return invoice_id, note_id


def _one_credit_note_allocated_once(company: Company, invoice_id: int, note_id: int, data_dir: Path) -> None:
    number = CreditNote.get_by_id(note_id).number
    org = company.sandbox.control.organisation()
    with company.sandbox.state.lock:
        [held] = [c for c in org.credit_notes.values() if c.credit_note_number == number]
        assert len(held.allocations) == 1 and held.remaining_credit == 0
        [invoice] = [i for i in org.invoices.values() if i.invoice_number == Invoice.get_by_id(invoice_id).number]
        xero_due = invoice.amount_due
    row = XeroCreditNoteExport.get_by_id(note_id)
    assert row.state == ExportState.SYNCED.value and row.xero_credit_note_id == held.credit_note_id.lower()
    assert row.allocation_state == AllocationState.DONE.value
    assert xero_due == get_invoice_detail(invoice_id).amount_due  # to the cent in both
    assert integrity(data_dir)[0] == "ok"


def test_killed_after_xero_recorded_a_credit_note_before_the_reply_was_read(
    runner: Runner, company: Company, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credit note: `xero sync` is killed once Xero has created it, its reply unread. The next sync takes the dead
    process's batch over, finds the credit note in Xero by its number and links it, then allocates it once."""
    invoice_id, note_id = _credit_note_on_a_synced_invoice(runner)
    puts, sync_and_kill = _kill_at_committed(runner, monkeypatch, "/creditnotes")
    sync_and_kill()
    assert XeroCreditNoteExport.get_by_id(note_id).state == ExportState.SENDING.value

    report = runner.sync_to_the_end()

    assert [(o["type"], o["state"]) for o in report["invoices"]] == [("credit_note", "synced")]
    assert puts["/creditnotes"] == 1  # looked up by number, linked: never sent again
    _one_credit_note_allocated_once(company, invoice_id, note_id, data_dir)


def test_killed_after_xero_recorded_an_allocation_before_the_reply_was_read(
    runner: Runner, company: Company, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The allocation: `xero sync` is killed once Xero has allocated the credit note, its reply unread. The next
    sync sees the dead process's claim, looks the credit note up in Xero (its Allocations), finds ours and records
    it: one allocation, never made twice."""
    invoice_id, note_id = _credit_note_on_a_synced_invoice(runner)
    puts, sync_and_kill = _kill_at_committed(runner, monkeypatch, "/allocations")
    sync_and_kill()
    assert XeroCreditNoteExport.get_by_id(note_id).allocation_state == AllocationState.SENDING.value

    runner.sync_to_the_end()

    assert puts["/allocations"] == 1
    _one_credit_note_allocated_once(company, invoice_id, note_id, data_dir)
