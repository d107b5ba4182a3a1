"""Small helpers shared by the forms: date edits that speak `datetime.date`, and money/quantity parsing that
says what is wrong in words instead of raising."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


def date_edit(value: date, accessible_name: str, parent: QWidget | None = None) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setDate(QDate(value.year, value.month, value.day))
    edit.setAccessibleName(accessible_name)
    return edit


def date_of(edit: QDateEdit) -> date:
    value = edit.date().toPython()  # typed `object` in PySide6's stubs; a QDate gives a datetime.date
    assert isinstance(value, date)
    return value


def set_date(edit: QDateEdit, value: date) -> None:
    edit.setDate(QDate(value.year, value.month, value.day))


def parse_decimal(text: str) -> Decimal | None:
    """'1,234.50' -> Decimal('1234.50'); None when it is not a number ('' included)."""
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
