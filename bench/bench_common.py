"""What the export and payment benchmarks share: a company file in a temp folder connected to the in-process
sandbox (the export tests' helpers, the real PKCE sign-in), approved invoices in bulk, and the raised limits.

The benchmarks are run as `python bench/x.py`, so this folder is on sys.path and they `import bench_common`; this
module puts tests/integration there too (export_fixtures, sandbox_helpers), so the benchmarks take what they use of
export_fixtures from here (an import of it in a benchmark would be sorted before this one).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from export_fixtures import Company, FakeTime, approve, connect_company, line

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.limits import RateLimits
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox
from invoice_desktop.store.database import close_database, open_database

# what the benchmarks take from here (export_fixtures only through here: this module puts it on sys.path)
__all__ = ["OPEN_LIMITS", "Company", "FakeTime", "RunningSandbox", "approve_many", "connect_company", "sandbox_company"]

# rate limits raised out of the way: the figures measure the app, not the limit
OPEN_LIMITS = RateLimits(per_minute=10**9, per_day=10**9, app_per_minute=10**9)


@contextlib.contextmanager
def sandbox_company(limits: RateLimits, database_url: str | None = None) -> Iterator[tuple[RunningSandbox, Company]]:
    """A sandbox that auto-approves sign-in, and a new company file in a temp folder (or, with `database_url`, in
    that empty PostgreSQL database) connected to it (the database is open until the block ends)."""
    with tempfile.TemporaryDirectory() as tmp, start_sandbox(auto_approve=True, limits=limits) as sandbox:
        data_dir = Path(tmp) / "company"
        data_dir.mkdir()
        open_database(database_url or data_dir / "company.sqlite3", data_dir / "backups")
        try:
            yield sandbox, connect_company(sandbox, data_dir)
        finally:
            close_database()


def approve_many(count: int) -> None:
    """`count` approved invoices of one line each, spread over the demo's active contacts."""
    for i in range(count):
        approve(seed.DEMO_ACTIVE_CONTACTS[i % 5], line(f"{(i % 900) + 10}.50"))
