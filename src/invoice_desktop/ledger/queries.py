"""Read-side queries for the invoice lists (tabs), shared by the window and `invoices --json`.

Everything is done in SQL (filter, sort, paging) so a company file with 100,000 invoices stays fast; the
window's table models call these from outside `data()` and keep the plain rows they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Tab(StrEnum):
    DRAFT = "draft"
    AWAITING_PAYMENT = "awaiting-payment"  # approved, not paid, not void (overdue ones included, as Xero does)
    OVERDUE = "overdue"  # awaiting payment and due date before today
    PAID = "paid"
    ALL = "all"


class SortKey(StrEnum):
    NUMBER = "number"
    CLIENT = "client"
    DATE = "date"
    DUE = "due"
    TOTAL = "total"
    AMOUNT_DUE = "amount_due"
    XERO = "xero"


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str
    client: str
    date: date
    due_date: date
    total: Decimal
    amount_due: Decimal
    status: str  # InvoiceStatus value
    overdue: bool
    xero_state: str  # ExportState value ("not_sent" when there is no export row)
    xero_error: str  # the failure title and Xero's first message, "" unless failed
    approved_at: datetime | None


def list_invoices(
    tab: Tab,
    search: str = "",
    sort: SortKey = SortKey.NUMBER,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
    today: date | None = None,
) -> list[InvoiceRow]:
    """The invoices on a tab; `search` matches number, client name or reference (case-insensitive)."""
    raise NotImplementedError


def count_invoices(tab: Tab, search: str = "", today: date | None = None) -> int:
    raise NotImplementedError


def tab_counts(today: date | None = None) -> dict[Tab, int]:
    """Counts for every tab title, in one query."""
    raise NotImplementedError
