"""Shared fixtures: every test gets its own data dir and company file (a SQLite file, or with `--engine=postgresql`
a fresh PostgreSQL database: see `postgres_leg`); `sandbox`, a fresh in-process Xero sandbox on
127.0.0.1 (auto-approve on, so a sign-in needs no clicking); `gui_thread`, this thread marked as the window's.

While coverage measures (pyproject.toml's addopts), QThreads are traced too: see `trace_qthreads`."""

from __future__ import annotations

import contextlib
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


# -- the engine the company files of the tests live in ---------------------------------------------------------------
#
# `--engine=postgresql` (or env INVOICE_DESKTOP_TEST_ENGINE=postgresql): the `db` fixture opens a fresh PostgreSQL
# database per test, copied from a template made once per run (CREATE DATABASE ... TEMPLATE: a few ms), dropped
# after the test; INVOICE_DESKTOP_DATABASE_URL points at it, so the commands a test runs use it too. The server:
# INVOICE_DESKTOP_TEST_POSTGRES_URL (a URL of its `postgres` database), else a throwaway one started here
# (tests/postgres_server.py). Where none can be started the tests that need it are skipped and the terminal
# summary says so in capitals; with CI_REQUIRE_POSTGRES=1 they fail instead. Tests about the SQLite file itself
# (busy, disk full, damaged, file checks) are marked `sqlite_only` and do not run on PostgreSQL, and tests without a
# company file (no `db` / `company_location`) are deselected: they would run exactly as in the SQLite leg.

ENV_ENGINE = "INVOICE_DESKTOP_TEST_ENGINE"
ENV_SERVER = "INVOICE_DESKTOP_TEST_POSTGRES_URL"
DATABASE_PREFIX = os.environ.get("INVOICE_DESKTOP_TEST_DATABASE_PREFIX", "pg_")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=("sqlite", "postgresql"),
        default=os.environ.get(ENV_ENGINE, "sqlite"),
        help="where the `db` fixture's company file lives (env INVOICE_DESKTOP_TEST_ENGINE)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself; not run with --engine=postgresql")
    config.addinivalue_line("markers", "postgresql: team mode's own tests, run with --engine=postgresql only")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--engine") != "postgresql":
        elsewhere = pytest.mark.skip(reason="team mode's own tests: run with --engine=postgresql (.ci/run does)")
        for item in items:
            if item.get_closest_marker("postgresql"):
                item.add_marker(elsewhere)
        return
    # Only what has a company file runs again on PostgreSQL: a test without one (the sandbox's own, CSV parsing,
    # money, the sign-in) would run exactly as in the SQLite leg.
    kept, left_out = [], []
    for item in items:
        has_company_file = {"db", "company_location"} & set(getattr(item, "fixturenames", ()))
        (kept if has_company_file or item.get_closest_marker("postgresql") else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
    skip = pytest.mark.skip(reason="about the SQLite file itself (sqlite_only)")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


class PostgresLeg:
    """The server of the PostgreSQL leg, started (or found) on first use; `problem` says why there is none."""

    def __init__(self) -> None:
        self.server_url: str | None = None
        self.problem: str | None = None
        self.started_in: Path | None = None
        self.template: str | None = None
        self.made = 0

    def server(self) -> str:
        if self.server_url is None and self.problem is None:
            self._find_or_start()
        if self.server_url is None:
            message = f"NO POSTGRESQL SERVER: {self.problem}"
            if os.environ.get("CI_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"{message} (CI_REQUIRE_POSTGRES=1: the PostgreSQL leg must run)", pytrace=False)
            pytest.skip(message)
        return self.server_url

    def _find_or_start(self) -> None:
        given = os.environ.get(ENV_SERVER)
        if given:
            self.server_url = given
            return
        import tempfile

        sys.path.insert(0, str(Path(__file__).parent))
        import postgres_server

        folder = Path(tempfile.mkdtemp(prefix="invoice-desktop-pg-"))
        self.started_in = folder
        try:
            self.server_url = postgres_server.start(folder)
        except RuntimeError as exc:
            self.problem = str(exc)

    def admin(self):  # a psycopg connection to the server's `postgres` database, autocommit
        import psycopg

        return psycopg.connect(self.server(), autocommit=True)

    def url_of(self, name: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        return urlunsplit(urlsplit(self.server())._replace(path=f"/{name}"))

    def fresh_database(self) -> str:
        """A new, empty-of-rows company database at the current schema; its URL."""
        if self.template is None:
            self.template = f"{DATABASE_PREFIX}template_{os.getpid()}"
            with self.admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.template}"')
                conn.execute(f'CREATE DATABASE "{self.template}"')
            from invoice_desktop.store.database import close_database, open_database

            open_database(self.url_of(self.template))
            close_database()
        return self.create_database(template=self.template)

    def create_database(self, template: str | None = None) -> str:
        self.made += 1
        name = f"{DATABASE_PREFIX}{os.getpid()}_{self.made}"
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url_of(name)

    def drop(self, url: str) -> None:
        from urllib.parse import urlsplit

        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.strip("/")}" WITH (FORCE)')

    def finish(self) -> None:
        if self.template is not None and self.server_url is not None:
            with contextlib.suppress(Exception):
                self.drop(self.url_of(self.template))
        if self.started_in is not None:
            import postgres_server

            postgres_server.stop(self.started_in)
            import shutil

            shutil.rmtree(self.started_in, ignore_errors=True)


_LEG = PostgresLeg()


@pytest.fixture(scope="session")
def postgres_leg() -> Iterator[PostgresLeg]:
    yield _LEG


def pytest_sessionfinish(session: pytest.Session) -> None:
    _LEG.finish()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _LEG.problem is not None:
        terminalreporter.write_sep("!", "POSTGRESQL LEG NOT RUN", red=True, bold=True)
        terminalreporter.write_line(
            f"WARNING: the tests that need PostgreSQL were SKIPPED: no server could be started ({_LEG.problem}). "
            f"Set {ENV_SERVER} or install the postgresql package.",
            red=True,
            bold=True,
        )


def engine_of(config: pytest.Config) -> str:
    return str(config.getoption("--engine"))


@pytest.fixture
def company_location(request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Where the test's company file is: the SQLite file in `data_dir`, or (--engine=postgresql) the URL of a fresh
    PostgreSQL database, also set as INVOICE_DESKTOP_DATABASE_URL for the commands the test runs."""
    if engine_of(request.config) != "postgresql":
        yield data_dir / "company.sqlite3"
        return
    url = _LEG.fresh_database()
    monkeypatch.setenv("INVOICE_DESKTOP_DATABASE_URL", url)
    try:
        yield url
    finally:
        from invoice_desktop.store.database import close_database

        close_database()
        _LEG.drop(url)


@pytest.fixture
def db(company_location, data_dir: Path):
    """A fresh company file, opened and bound to the models."""
    from invoice_desktop.store.database import close_database, open_database

    database = open_database(company_location, data_dir / "backups")
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
