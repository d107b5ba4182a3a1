"""A Resync's export engine in a process of its own, so that the window's GUI thread never waits for the GIL while it
runs (issue 16, one frame).

Why: every call from Qt into Python (a table's paint makes a hundred and more) needs the GIL, and the export engine
is Python through and through (the SDK's models and JSON, the database). On a worker thread of the window's own
process, a paint of the Failed table beside a busy engine took 20-30 ms, and the longest stall of a 5,000-invoice
Resync was 28 ms with the sandbox in a process of its own; in a child process the engine shares no GIL with it.

The same engine runs (export_actions.resync_rows), on the same company file and Xero connection: what the
exactly-once rules say of two processes holds (claims, Idempotency-Keys persisted first, look-ups before a resend).
`run_resync(order, job)` is called on the ExportWorker's thread: it starts the child (multiprocessing's spawn, as
on every platform), hands it the order (plain values: paths, endpoints, row keys, the desk's user name) and turns
what the child sends back over a pipe into the worker's own calls, so the signals are the same as in-process:
("batch", keys) before a step is sent, ("outcomes", [ExportOutcome]) then ("progress", done, total) after it, and at
the end ("summary", ExportSummary) or ("failure", JobFailure: classified in the child, where the exception was).
Cancel is an Event the child's engine checks between steps. A child that ends without a last word (killed, say)
is a failure the window shows; what it had recorded stands, and what it had in flight is looked up in Xero before
any resend, as after any lost reply. If the window's process dies, the child's next report finds the pipe closed
and it stops there.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any, Protocol

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.jobs.failure import FailureKind, JobFailure, classify

log = logging.getLogger(__name__)

_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: no copy of the window's threads or Qt
POLL_SECONDS = 0.05  # how often the worker looks at Cancel while the child is quiet
CHILD_NICENESS = 10  # how far the engine's process stands back for the window's on the CPU (give_way_to_the_window)
BELOW_NORMAL_PRIORITY_CLASS = 0x4000  # Windows' SetPriorityClass
ENDED_EARLY = (
    "The Resync stopped: its process ended unexpectedly (exit code {code}). What it had recorded stands; "
    "Resync again for the rest (an invoice it may have sent is looked up in Xero first, never sent twice)."
)


@dataclass(frozen=True)
class ResyncOrder:
    """What the child is asked to do: Resync these row keys (export_actions.row_key) of this company file."""

    paths: AppPaths
    endpoints: XeroEndpoints
    client_id: str | None
    keys: tuple[int, ...]
    user_name: str  # the desk's user, whose name the run's history is written under


def give_way_to_the_window() -> None:
    """Lower this process's CPU priority below the window's (nice CHILD_NICENESS; below normal on Windows).

    Why: on a machine with few cores the engine's process and the window's compete for them, and the window's GUI
    thread, made to wait for a core, missed frames though nothing in it was slow (a 2-core machine, the engine and
    the sandbox busy: gaps of 15-20 ms with 5 ms of work in them). A batch sent a few milliseconds later costs the
    Resync nothing that shows; the engine still has every core the window leaves idle."""
    try:
        if hasattr(os, "nice"):
            os.nice(CHILD_NICENESS)
        elif sys.platform == "win32":
            kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 (windll exists on Windows only)
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), BELOW_NORMAL_PRIORITY_CLASS)
    except OSError as exc:  # not allowed here: the engine runs at the window's priority, as before
        log.info("the Resync's process kept its priority: %s", exc)


class ChildFailed(Exception):
    """The child's run failed: the JobFailure it classified (or one for a child that ended without a word)."""

    def __init__(self, failure: JobFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class ResyncListener(Protocol):
    """The ExportWorker's side: what the child's messages become."""

    def _on_outcome(self, outcome: Any) -> None: ...
    def _report(self, done: int, total: int) -> None: ...
    def _batch(self, keys: list[int]) -> None: ...
    @property
    def is_cancelled(self) -> bool: ...


def run_resync(order: ResyncOrder, listener: ResyncListener) -> Any:
    """Run the Resync in a child process; the ExportSummary it ends with (ChildFailed when it failed)."""
    ours, theirs = _SPAWN.Pipe(duplex=False)
    cancel = _SPAWN.Event()
    child = _SPAWN.Process(target=_child, args=(order, theirs, cancel), name="invoice-desktop-resync", daemon=True)
    child.start()
    theirs.close()  # the child's end: once it exits, recv() here sees the end of the pipe
    try:
        return _listen(ours, cancel, child, listener)
    finally:
        ours.close()
        child.join(timeout=30)


def _listen(pipe: Connection, cancel: Event, child: Any, listener: ResyncListener) -> Any:
    def outcomes(recorded: list[Any]) -> None:
        for outcome in recorded:
            listener._on_outcome(outcome)

    handlers: dict[str, Callable[..., None]] = {
        "batch": listener._batch,
        "outcomes": outcomes,
        "progress": listener._report,
    }
    while True:
        if listener.is_cancelled:
            cancel.set()
        if not pipe.poll(POLL_SECONDS):
            continue
        try:
            kind, *values = pipe.recv()
        except EOFError:
            child.join(timeout=30)
            log.error("the Resync's engine process ended without its summary (exit code %s)", child.exitcode)
            raise ChildFailed(JobFailure(FailureKind.BUG, ENDED_EARLY.format(code=child.exitcode))) from None
        if kind == "summary":
            return values[0]
        if kind == "failure":
            raise ChildFailed(values[0])
        handlers[kind](*values)


# --- in the child -------------------------------------------------------------------------------------------------


def _child(order: ResyncOrder, pipe: Connection, cancel: Event) -> None:
    from invoice_desktop.desk import set_current_user
    from invoice_desktop.logs import setup_logging
    from invoice_desktop.store.database import close_database, open_database
    from invoice_desktop.xero.company_client import open_client
    from invoice_desktop.xero.export_actions import resync_rows

    give_way_to_the_window()
    setup_logging(order.paths.log_dir)
    set_current_user(order.user_name)
    outcomes: list[Any] = []

    def report(done: int, total: int) -> None:
        send_outcomes()
        pipe.send(("progress", done, total))

    def send_outcomes() -> None:
        if outcomes:
            pipe.send(("outcomes", list(outcomes)))
            outcomes.clear()

    try:
        open_database(order.paths.company_location, order.paths.backup_dir)
        summary = resync_rows(
            open_client(order.paths, order.endpoints, order.client_id),
            order.keys,
            progress=report,
            on_outcome=outcomes.append,
            on_batch=lambda keys: pipe.send(("batch", keys)),
            cancel=cancel.is_set,
        )
        send_outcomes()
        pipe.send(("summary", summary))
    except (BrokenPipeError, EOFError):
        log.warning("the window that asked for this Resync has gone: stopped after the last step recorded")
    except Exception as exc:  # classified here, where the exception is (it may not cross a pipe)
        failure = classify(exc, "ExportWorker")
        try:
            send_outcomes()
            pipe.send(("failure", failure))
        except (BrokenPipeError, EOFError):
            pass
    finally:
        close_database()
        pipe.close()
