"""`invoice-desktop --sandbox`: the built-in Xero sandbox in-process and a demo company file connected to it.

The first start fills a fresh company file: clients, accounts and tax rates, drafts, invoices awaiting payment
(some overdue), paid ones, and approved invoices that Xero refuses for four different reasons (an archived
contact, an archived account, an invoice number Xero already has, a date before Xero's lock date) plus one with a
tax rate Xero does not allow on sales. The company file is connected to the demo organisation through the real
PKCE code path (the sandbox approves the sign-in by itself) and the approved invoices are exported once, so the
Xero Exports tab opens with failures waiting under Failed. Each cause can be fixed on the sandbox's admin page
(Help > Open Sandbox Xero) and resynced.

The sandbox keeps its state next to the company file, so a later start finds both as they were left.
`invoice-desktop --sandbox --reset` (reset_demo) wipes both first, so the demo starts fresh. No Qt here.
"""

from __future__ import annotations

import logging
import os
import shutil
import urllib.request
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from invoice_desktop.app_context import AppContext
from invoice_desktop.cli import fail
from invoice_desktop.config import DATABASE_NAME, ENV_KEYRING, AppPaths, demo_app_paths
from invoice_desktop.ledger.catalog import (
    ClientDetails,
    create_tax_rate,
    find_tax_rate,
    get_or_create_account,
    get_or_create_client,
)
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    record_payment,
)
from invoice_desktop.sandbox import SANDBOX_CLIENT_ID, seed
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox
from invoice_desktop.sandbox.state_file import SandboxStateError
from invoice_desktop.store.models import Invoice
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.connect import ConnectOptions, connect
from invoice_desktop.xero.export_results import ExportSummary
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.settings import XeroSettings, load_connection, save_settings

log = logging.getLogger(__name__)

SANDBOX_STATE_FOLDER = "sandbox-xero"
LOCK_DAYS = 45  # the demo organisation's period lock date is this many days before the first start
DEMO_PORT = 47_810  # the demo's sandbox serves here when the port is free (one address across starts), else anywhere

ACCOUNTS = {"200": "Sales", "210": "Plumbing Supplies Sales", "260": "Other Revenue"}
TAX_RATES = {"GST on Income": "10", "GST Free Income": "0", "GST on Expenses": "10"}
CLIENT_CITIES = {
    "Coastal Property Management": "Manly",
    "Greenway Builders": "Parramatta",
    "Marlow Street Dental": "Newtown",
    "Northside Real Estate": "Chatswood",
    "Sunrise Childcare Centre": "Penrith",
    seed.DEMO_ARCHIVED_CONTACT: "Cronulla",
}


@dataclass(frozen=True)
class DemoInvoice:
    client: str
    days_ago: int  # invoice date, counted back from today
    terms: int  # days until due
    lines: tuple[tuple[str, str, str, str, str], ...]  # (description, quantity, unit price, account, tax rate)
    approve: bool = True
    paid: bool = False
    number: str | None = None


def _work(
    description: str, quantity: str, price: str, account: str = "200", tax: str = "GST on Income"
) -> tuple[str, str, str, str, str]:
    return (description, quantity, price, account, tax)


DEMO_INVOICES: tuple[DemoInvoice, ...] = (
    # drafts
    DemoInvoice("Greenway Builders", 1, 14, (_work("Rough-in plumbing, lot 12", "16", "95.00"),), approve=False),
    DemoInvoice("Marlow Street Dental", 2, 14, (_work("Steriliser water line", "1", "640.00"),), approve=False),
    DemoInvoice("Northside Real Estate", 0, 30, (_work("Quarterly inspections", "4", "180.00"),), approve=False),
    # awaiting payment, exported cleanly
    DemoInvoice("Coastal Property Management", 12, 30, (_work("Hot water system service", "3", "145.00"),)),
    DemoInvoice(
        "Sunrise Childcare Centre",
        9,
        14,
        (_work("Tempering valve replacement", "2", "210.00"), _work("Call-out fee", "1", "85.00", "260")),
    ),
    DemoInvoice("Greenway Builders", 5, 30, (_work("Stormwater connection", "1", "2450.00"),)),
    DemoInvoice(
        "Marlow Street Dental", 3, 14, (_work("Backflow test (exempt)", "1", "120.00", "200", "GST Free Income"),)
    ),
    # overdue
    DemoInvoice("Northside Real Estate", 40, 14, (_work("Blocked drain, unit 4", "1", "330.00"),)),
    DemoInvoice("Coastal Property Management", 35, 7, (_work("Leak detection", "2.5", "120.00"),)),
    # paid
    DemoInvoice(
        "Sunrise Childcare Centre", 30, 14, (_work("Annual backflow certification", "1", "275.00"),), paid=True
    ),
    DemoInvoice("Greenway Builders", 25, 14, (_work("Site plumbing, stage 1", "1", "5200.00"),), paid=True),
    # refused by Xero, one cause each
    DemoInvoice("Bayside Cafe", 6, 14, (_work("Grease trap pump-out", "1", "390.00"),)),  # contact archived
    DemoInvoice(
        "Coastal Property Management", 4, 14, (_work("Tapware supplied", "6", "48.50", "210"),)
    ),  # account 210 archived in Xero
    DemoInvoice(
        "Marlow Street Dental", 8, 14, (_work("Dental chair water supply", "1", "880.00"),), number="INV-0042"
    ),  # number already used in Xero
    DemoInvoice("Northside Real Estate", LOCK_DAYS + 15, 30, (_work("End-of-lease repairs", "1", "760.00"),)),
    DemoInvoice(
        "Greenway Builders", 2, 14, (_work("Pipe fittings", "10", "12.40", "200", "GST on Expenses"),)
    ),  # an expense tax rate on a sales invoice
)


class DemoResetError(Exception):
    """The folder is not a demo folder (or could not be wiped): nothing was removed."""


def reset_demo(paths: AppPaths) -> list[Path]:
    """Wipe the demo company file (database, its backups, the sandbox sign-in) and the sandbox's state, so the next
    start fills everything afresh; returns what was removed. The logs stay. A folder holding a company file but no
    sandbox state (a real company file, given with --data-dir) is refused and left as it is."""
    folder = paths.data_dir
    state = folder / SANDBOX_STATE_FOLDER
    if paths.database.exists() and not state.is_dir() and folder != demo_app_paths().data_dir:
        raise DemoResetError(
            f"{folder} holds a company file but no {SANDBOX_STATE_FOLDER}/ folder, so it is not a --sandbox demo: "
            "it was not reset (nothing was removed)"
        )
    files = [paths.database, *(folder / f"{DATABASE_NAME}{end}" for end in ("-wal", "-shm", "-journal"))]
    removed = [path for path in (*files, paths.token_file, paths.backup_dir, state) if path.exists()]
    try:
        for path in removed:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    except OSError as exc:
        raise DemoResetError(f"could not reset the demo in {folder}: {exc}") from exc
    return removed


@dataclass
class DemoSession:
    sandbox: RunningSandbox
    paths: AppPaths
    created: bool  # this start filled a fresh company file
    first_export: ExportSummary | None = None

    @property
    def admin_url(self) -> str:
        return self.sandbox.admin_url

    def stop(self) -> None:
        self.sandbox.stop()


def start_demo(paths: AppPaths, today: date | None = None, port: int = DEMO_PORT) -> DemoSession:
    """Start the sandbox on the demo's state and, the first time, fill and connect the company file. The sandbox
    takes `port` when it is free (so Help > Open Sandbox Xero's address stays the same across starts), else a
    free one.

    The company file must be open. Sandbox sign-ins go to the owner-only token file, not the system keyring.
    """
    os.environ.setdefault(ENV_KEYRING, "file")
    sandbox = _start_sandbox(paths.data_dir / SANDBOX_STATE_FOLDER, port)
    log.info("sandbox demo: the Xero sandbox serves at %s (admin page %s)", sandbox.base_url, sandbox.admin_url)
    session = DemoSession(sandbox, paths, created=False)
    try:
        # "First start" is a company file without invoices: when connecting failed after they were made, a later
        # start only connects and exports (filling again would refuse INV-0042 as already used).
        if not Invoice.select().exists():
            session.created = True
            session.first_export = _fill(session, today or date.today())
        elif not load_connection().tenant_id:
            _connect(session)
            session.first_export = _export(session)
    except BaseException:
        sandbox.stop()
        raise
    return session


def _start_sandbox(state_dir: Path, port: int) -> RunningSandbox:
    try:
        return start_sandbox(state_dir, port, auto_approve=True)
    except OSError as exc:  # taken (another demo, another program): any free port will do
        if not port:
            raise
        log.info("sandbox demo: port %d is not free (%s); serving on a free one", port, exc.strerror or exc)
        return start_sandbox(state_dir, 0, auto_approve=True)


def _fill(session: DemoSession, today: date) -> ExportSummary:
    session.sandbox.control.set_lock_dates(period=today - timedelta(days=LOCK_DAYS))
    _create_catalog()
    to_approve, to_pay = _create_invoices(today)
    _connect(session)
    approve_invoices(to_approve)
    for invoice_id, amount in to_pay:
        record_payment(invoice_id, today - timedelta(days=3), amount, reference="Bank transfer")
    return _export(session)


def _connect(session: DemoSession) -> None:
    sandbox, paths = session.sandbox, session.paths
    connect(
        paths,
        sandbox.endpoints,
        ConnectOptions(tenant=seed.DEMO_ORG_NAME, open_browser=False, port=0),
        on_url=_follow_sign_in,
    )
    save_settings(
        XeroSettings(
            enabled=True,
            export_on_approval=True,
            income_account=seed.DEMO_SALES_ACCOUNT,
            tax_map={"GST on Income": seed.DEMO_TAX_ON_INCOME, "GST Free Income": seed.DEMO_TAX_FREE_INCOME},
        )
    )


def _export(session: DemoSession) -> ExportSummary:
    summary = Exporter(open_client(session.paths, session.sandbox.endpoints)).run()
    log.info("sandbox demo: first export: %s", summary.message())
    return summary


def _create_catalog() -> None:
    for name, email in seed.DEMO_CONTACT_EMAILS.items():  # the clients as Xero has them, so Clients is filled in
        get_or_create_client(name, ClientDetails(email=email, city=CLIENT_CITIES.get(name, ""), country="Australia"))
    for code, name in ACCOUNTS.items():
        get_or_create_account(code, name)
    for name, rate in TAX_RATES.items():
        if find_tax_rate(name) is None:
            create_tax_rate(name, Decimal(rate))


def _create_invoices(today: date) -> tuple[list[int], list[tuple[int, Decimal]]]:
    to_approve: list[int] = []
    to_pay: list[tuple[int, Decimal]] = []
    for demo in DEMO_INVOICES:
        day = today - timedelta(days=demo.days_ago)
        lines = tuple(
            LineDraft(description, Decimal(quantity), Decimal(price), account, tax)
            for description, quantity, price, account, tax in demo.lines
        )
        invoice_id = create_invoice(
            InvoiceDraft(demo.client, day, day + timedelta(days=demo.terms), lines=lines, number=demo.number)
        )
        if demo.approve:
            to_approve.append(invoice_id)
        if demo.paid:
            to_pay.append((invoice_id, _total_of(invoice_id)))
    return to_approve, to_pay


def _total_of(invoice_id: int) -> Decimal:
    return get_invoice_detail(invoice_id).total


def _follow_sign_in(url: str, browser_opened: bool) -> None:
    """Stand in for the browser: the sandbox approves at once and redirects to our loopback callback."""
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()


def run_demo_window(ctx: AppContext) -> int:
    """The window on the demo company file, connected to the built-in sandbox running in this process. A sandbox
    state file that does not load is one line (it names the file and how to start over), before any window."""
    from invoice_desktop.ui.app import run_window

    try:
        session = start_demo(ctx.paths)
    except SandboxStateError as exc:
        return fail(str(exc))
    try:
        demo = replace(ctx, endpoints=session.sandbox.endpoints, client_id=SANDBOX_CLIENT_ID,
                       xero_admin_url=session.admin_url)  # fmt: skip
        return run_window(demo)
    finally:
        session.stop()
