"""Shared fixtures: every test gets its own data dir and company file; `sandbox`, a fresh in-process Xero sandbox on
127.0.0.1 (auto-approve on, so a sign-in needs no clicking); `gui_thread`, this thread marked as the window's.

While coverage measures (pyproject.toml's addopts), QThreads are traced too: see `trace_qthreads`."""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from invoice_desktop.sandbox.server import RunningSandbox

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the user's real keyring or data dir.
os.environ["INVOICE_DESKTOP_KEYRING"] = "file"
os.environ.pop("INVOICE_DESKTOP_DATA_DIR", None)
os.environ.pop("INVOICE_DESKTOP_XERO_ENDPOINT", None)
os.environ.pop("INVOICE_DESKTOP_XERO_CLIENT_ID", None)


def trace_qthreads() -> None:
    """coverage.py starts its tracer in the threads `threading` starts (threading.settrace); Qt starts a QThread
    itself, so without this no line that runs only in a QThread's run() would be measured (on Python 3.11, whose
    tracing is per thread). When a tracer for new threads is set (coverage; a debugger), every QThread subclass's
    own run(), defined before or after this call, first sets that tracer in its thread."""
    if threading.gettrace() is None:
        return
    from PySide6.QtCore import QThread

    def traced(run: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(run)
        def run_traced(self: QThread, *args: object, **kwargs: object) -> object:
            sys.settrace(threading.gettrace())
            return run(self, *args, **kwargs)

        return run_traced

    def wrap(cls: type) -> None:
        if "run" in cls.__dict__:
            cls.run = traced(cls.__dict__["run"])

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    for cls in subclasses(QThread):
        wrap(cls)
    QThread.__init_subclass__ = classmethod(lambda cls, **kwargs: wrap(cls))


trace_qthreads()


DESK_USER = "robin"


@pytest.fixture(autouse=True)
def desk_user() -> Iterator[str]:
    """This desk's user name (invoice_desktop.desk), the same in every test, whoever runs them."""
    from invoice_desktop.desk import set_current_user

    set_current_user(DESK_USER)
    yield DESK_USER
    set_current_user(None)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "company"
    d.mkdir()
    return d


@pytest.fixture
def db(data_dir: Path):
    """A fresh company file, opened and bound to the models."""
    from invoice_desktop.store.database import close_database, open_database

    database = open_database(data_dir / "company.sqlite3", data_dir / "backups")
    yield database
    close_database()


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    from invoice_desktop.sandbox.server import start_sandbox

    with start_sandbox(auto_approve=True) as running:
        yield running


@pytest.fixture
def gui_thread() -> Iterator[None]:
    """This thread is the window's GUI thread: it waits only briefly for a busy company file (as run_window sets)."""
    from invoice_desktop.store import faults

    faults.mark_interactive_thread()
    yield
    faults.mark_interactive_thread(False)
