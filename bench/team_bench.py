"""Team mode benchmark: N desks (processes running `xero sync`) exporting from one queue in one PostgreSQL company
file to the in-process sandbox, for each N of --desks (default 1, 2, 4).

    python bench/team_bench.py [--invoices 2000] [--desks 1 2 4] [--server postgresql://postgres@HOST:PORT/postgres]

The server: --server, else INVOICE_DESKTOP_TEST_POSTGRES_URL, else a throwaway one started for the run
(tests/postgres_server.py; needs Debian's postgresql package). Each N gets a fresh database (pg_bench_team_N, dropped
after) and a fresh sandbox with its rate limits raised out of the way (the figures measure the app and the
database, not Xero's limits). Printed per N: invoices, wall time from the desks' start to the last one's end,
invoices/s, how many desks sent any, and duplicates in the sandbox (must be 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench_common import OPEN_LIMITS, sandbox_company

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

import json

import psycopg
from team_desks import copies_in_xero, queue_invoices, start_desks

import postgres_server


@dataclass(frozen=True)
class Run:
    desks: int
    invoices: int
    wall: float
    desks_that_sent: int
    duplicates: int
    not_synced: int

    @property
    def per_second(self) -> float:
        return self.invoices / self.wall if self.wall else 0.0


def database_at(server: str, name: str) -> str:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def drop(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def one_run(server: str, desks: int, invoices: int) -> Run:
    from invoice_desktop.store.models import ExportState, XeroExport

    name = f"{os.environ.get('INVOICE_DESKTOP_TEST_DATABASE_PREFIX', 'pg_')}bench_team_{desks}"
    url = database_at(server, name)
    try:
        with sandbox_company(OPEN_LIMITS, url) as (sandbox, company), tempfile.TemporaryDirectory() as tmp:
            queue_invoices(invoices, Path(tmp))
            started = time.perf_counter()
            procs = start_desks(desks, company.paths.data_dir, sandbox, url)
            outputs = [proc.communicate(timeout=3600) for proc in procs]
            wall = time.perf_counter() - started
            for proc, (_, err) in zip(procs, outputs, strict=True):
                if proc.returncode not in (0, 1):
                    raise SystemExit(f"a desk exited {proc.returncode}: {err.strip()}")
            sent = sum(1 for out, _ in outputs if json.loads(out).get("invoices"))
            copies = copies_in_xero(sandbox)
            not_synced = XeroExport.select().where(XeroExport.state != ExportState.SYNCED.value).count()
            return Run(desks, invoices, wall, sent, sum(c - 1 for c in copies.values() if c > 1), not_synced)
    finally:
        drop(server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--desks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--server", help="a URL of the server's postgres database")
    args = parser.parse_args()
    server = args.server or os.environ.get("INVOICE_DESKTOP_TEST_POSTGRES_URL")
    started_in = None
    if not server:
        started_in = Path(tempfile.mkdtemp(prefix="team-bench-pg-"))
        server = postgres_server.start(started_in)
    try:
        print(f"{'desks':>5}{'invoices':>10}{'wall s':>9}{'invoices/s':>12}{'desks sent':>12}{'duplicates':>12}"
              f"{'not synced':>12}")  # fmt: skip
        for desks in args.desks:
            run = one_run(server, desks, args.invoices)
            print(f"{run.desks:>5}{run.invoices:>10}{run.wall:>9.1f}{run.per_second:>12.1f}{run.desks_that_sent:>12}"
                  f"{run.duplicates:>12}{run.not_synced:>12}", flush=True)  # fmt: skip
    finally:
        if started_in is not None:
            postgres_server.stop(started_in)


if __name__ == "__main__":
    main()
