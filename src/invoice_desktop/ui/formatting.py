"""How money, dates and times read in the window."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime


def format_money(value: Decimal) -> str:
    """1234.5 -> '1,234.50'."""
    return f"{value:,.2f}"


def format_date(value: date) -> str:
    """'15 May 2024' with the month named in the user's language: unambiguous whatever the date order."""
    return QLocale().toString(QDate(value.year, value.month, value.day), "d MMM yyyy")


def format_quantity(value: Decimal) -> str:
    """Quantities without trailing zeros: 2, 1.5, 0.125."""
    text = f"{value.normalize():f}"
    return text


def format_datetime(value: datetime | None) -> str:
    """A stored UTC time in the user's local time: '15 May 2024 14:05'; '' for None."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone()
    qt = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    return QLocale().toString(qt, "d MMM yyyy HH:mm")


def format_stamp(stamp: str) -> str:
    """A stored ISO UTC time (a setting's text) as format_datetime says it; as stored when it cannot be read."""
    try:
        return format_datetime(datetime.fromisoformat(stamp))
    except ValueError:
        return stamp


def account_text(code: str, name: str) -> str:
    """'200 — Sales'; just '200' when the account has no name of its own."""
    return f"{code} — {name}" if name and name != code else code
