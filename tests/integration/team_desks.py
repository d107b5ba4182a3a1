"""Several desks on one company file (team mode): approved invoices queued in bulk, `xero sync` processes started
at once on the same company file, and what the sandbox then holds. Used by tests/integration/test_team_desks.py
and bench/team_bench.py.

The desks here are processes of one machine sharing one data folder (so one Xero sign-in); the company file they
share is the database INVOICE_DESKTOP_DATABASE_URL names (or --database), PostgreSQL in team mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from invoice_desktop.ledger.csv_import import import_csv_file
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox

HEADER = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType"
PREFIX = "T-"


def queue_invoices(count: int, folder: Path) -> list[int]:
    """`count` approved invoices of one line each (numbers T-00001, ...), over the demo's active contacts: one CSV
    import, so thousands take seconds."""
    rows = [
        f"{seed.DEMO_ACTIVE_CONTACTS[i % len(seed.DEMO_ACTIVE_CONTACTS)]},{PREFIX}{i + 1:05d},2026-03-02,2026-03-16,"
        f"Plumbing work,1,{100 + i % 900}.50,{seed.DEMO_SALES_ACCOUNT},GST on Income"
        for i in range(count)
    ]
    csv = folder / f"queue-{count}.csv"
    csv.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    result = import_csv_file(csv, approve=True)
    assert not result.errors, result.errors[:3]
    assert result.approval is not None and len(result.approval.approved) == count
    return list(result.invoice_ids)


def start_desks(count: int, data_dir: Path, sandbox: RunningSandbox, database_url: str) -> list[subprocess.Popen]:
    """`count` `xero sync --json` processes on the company file at `database_url`, started together."""
    env = {**os.environ, "INVOICE_DESKTOP_KEYRING": "file", "QT_QPA_PLATFORM": "offscreen"}
    for name in ("INVOICE_DESKTOP_DATA_DIR", "INVOICE_DESKTOP_XERO_ENDPOINT", "INVOICE_DESKTOP_XERO_CLIENT_ID"):
        env.pop(name, None)
    command = [sys.executable, "-m", "invoice_desktop", "--data-dir", str(data_dir), "--database", database_url,
               "--xero-endpoint", sandbox.base_url, "xero", "sync", "--json"]  # fmt: skip
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]


def copies_in_xero(sandbox: RunningSandbox) -> Counter[str]:
    """Invoice number -> how many invoices of that number the sandbox holds (ours: numbered T-...)."""
    org = sandbox.control.organisation()
    with sandbox.state.lock:
        return Counter(i.invoice_number for i in org.invoices.values() if i.invoice_number.startswith(PREFIX))
