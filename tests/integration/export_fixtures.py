"""Shared set-up of the export tests: a company file connected to the sandbox's demo organisation through the real
PKCE flow (the sandbox auto-approves), the Xero interface enabled with export on approval, Xero's settings cached,
and helpers to approve invoices and read back what the sandbox holds. The `company` fixture (conftest.py) is
`connect_company` over the `sandbox`, `data_dir` and `db` fixtures.

`FakeTime` is the exporter's clock and sleep: sleeping moves both our clock and the sandbox's, so backoff,
Retry-After and the rate-limit windows pass without waiting.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sandbox_helpers import CLIENT_ID, DEMO, connect

from invoice_desktop.config import AppPaths
from invoice_desktop.ledger.catalog import create_tax_rate, find_tax_rate, get_or_create_account
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, approve_invoices, create_invoice
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.models import XeroExport
from invoice_desktop.store.settings import set_setting
from invoice_desktop.xero import export_queue
from invoice_desktop.xero.client import TokenSession, XeroClient
from invoice_desktop.xero.export_pacing import RetryPolicy
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.settings import Organisation, XeroSettings, save_connection, save_settings
from invoice_desktop.xero.xero_cache import XeroCache, refresh_cache


@dataclass
class FakeTime:
    sandbox: RunningSandbox | None = None
    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    offset: float = 0.0
    slept: list[float] = field(default_factory=list)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        if self.sandbox is not None:
            self.sandbox.control.advance_clock(seconds)


@dataclass
class Company:
    sandbox: RunningSandbox
    paths: AppPaths
    session: TokenSession
    time: FakeTime

    @property
    def client(self) -> XeroClient:
        return XeroClient(self.session, DEMO, seed.DEMO_ORG_NAME)

    def refresh_cache(self) -> XeroCache:
        return refresh_cache(self.client)

    def exporter(self, engine: type[Exporter] = Exporter, **kwargs: object) -> Exporter:
        options: dict[str, object] = {
            "sleep": self.time.sleep,
            "clock": self.time.now,
            "jitter": lambda: 0.5,
            "policy": RetryPolicy(),
            "request_timeout": (5, 2),
            "in_flight": 1,  # one at a time unless a test says otherwise: FakeTime is one clock for one thread
        }
        options.update(kwargs)
        return engine(self.client, **options)  # type: ignore[arg-type]

    def requests(self, method: str, path: str) -> int:
        """How many requests of that method and path the sandbox has logged."""
        return len(self.sandbox.requests.entries(method, path))

    def puts(self) -> int:
        """How many PUT /Invoices (invoice-creating requests) the sandbox has logged."""
        return self.requests("PUT", "/Invoices")

    def assert_one_copy(self, *numbers: str) -> None:
        """The sandbox holds exactly one invoice with each of these numbers."""
        for number in numbers:
            copies = self.xero_invoices(number)
            assert len(copies) == 1, f"{number}: {len(copies)} copies in Xero"

    def xero_invoices(self, number: str) -> list[object]:
        org = self.sandbox.control.organisation()
        with self.sandbox.state.lock:
            return [i for i in org.invoices.values() if i.invoice_number.casefold() == number.casefold()]


def connect_company(sandbox: RunningSandbox, data_dir: Path, *, cache: bool = True, **settings: object) -> Company:
    """The database must be open (the `db` fixture) on data_dir/company.sqlite3."""
    connected = connect(sandbox, data_dir)
    save_connection(Organisation(DEMO, seed.DEMO_ORG_NAME), CLIENT_ID)
    chosen = XeroSettings(
        enabled=True,
        export_on_approval=True,
        income_account=seed.DEMO_SALES_ACCOUNT,
        tax_map={"GST on Income": "OUTPUT", "GST Free Income": "EXEMPTOUTPUT"},
    )
    for name, value in settings.items():
        setattr(chosen, name, value)
    save_settings(chosen, check=False)
    create_catalog()
    set_numbering("T-")  # the demo organisation already has INV-0042
    company = Company(sandbox, AppPaths(data_dir), connected.session, FakeTime(sandbox))
    if cache:
        company.refresh_cache()
    return company


class Died(Exception):
    """The process 'dies' right after the request went out: nothing of the reply is recorded."""


class DyingExporter(Exporter):
    def _record_reply(self, *args: object, **kwargs: object) -> None:
        raise Died()


def dead_owner() -> str:
    """The owner string of a process of this machine that has exited."""
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return f"{export_queue.socket.gethostname()}:{finished.stdout.strip()}:gone"


def die_after_send(company: Company, owner: str | None = None) -> None:
    """A run by `owner` (default: a process that has exited) sends what is queued and dies before it records Xero's
    reply: the batch is left `sending` with its key."""
    with pytest.raises(Died):
        company.exporter(DyingExporter, owner=owner or dead_owner()).run()


def line(
    amount: str = "100.00",
    account: str = seed.DEMO_SALES_ACCOUNT,
    tax: str = "GST on Income",
    quantity: str = "1",
    description: str = "Plumbing work",
) -> LineDraft:
    return LineDraft(description, Decimal(quantity), Decimal(amount), account, tax)


def approve(
    client: str = "Greenway Builders",
    *lines: LineDraft,
    number: str | None = None,
    on: date | None = None,
) -> int:
    """A new approved invoice (queued for export when the interface is enabled); returns its id."""
    day = on or date(2026, 3, 2)
    draft = InvoiceDraft(client, day, day + timedelta(days=14), lines=lines or (line(),), number=number)
    invoice_id = create_invoice(draft)
    result = approve_invoices([invoice_id])
    assert result.approved, result.rejected
    return invoice_id


LOCAL_ACCOUNTS = ("200", "210", "260", "400", "4100")  # 4100: a local account Xero does not have
LOCAL_TAX_RATES = {"GST on Income": "10", "GST Free Income": "0", "GST on Expenses": "10", "Sales Tax 5": "5"}


def create_catalog() -> None:
    """The local accounts and tax rates the tests' invoice lines use."""
    for code in LOCAL_ACCOUNTS:
        get_or_create_account(code)
    for name, rate in LOCAL_TAX_RATES.items():
        if find_tax_rate(name) is None:
            create_tax_rate(name, Decimal(rate))


def export_row(invoice_id: int) -> XeroExport:
    return XeroExport.get(XeroExport.invoice == invoice_id)


def set_numbering(prefix: str) -> None:
    set_setting("numbering.prefix", prefix)
