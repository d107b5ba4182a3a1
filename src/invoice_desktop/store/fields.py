"""Column types that keep money exact and times unambiguous in SQLite.

SQLite has no decimal type: a NUMERIC column silently turns 0.1 into a binary float. Money and quantities are
therefore stored as scaled integers (cents for money, 1/10,000 for quantities and unit prices), which are exact,
compact and sort correctly in SQL. Times are stored as UTC ISO-8601 text with a fixed width, so text order is
time order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from peewee import CharField, Field

E = TypeVar("E", bound=StrEnum)


class ScaledDecimalField(Field):
    """A Decimal with a fixed number of places, stored as an integer (value * 10**places)."""

    field_type = "INTEGER"

    def __init__(self, places: int = 2, *args: Any, **kwargs: Any) -> None:
        self.places = places
        self._scale = Decimal(10) ** places
        self._quantum = Decimal(1).scaleb(-places)
        super().__init__(*args, **kwargs)

    def db_value(self, value: Decimal | int | str | None) -> int | None:
        if value is None:
            return None
        exact = Decimal(value) * self._scale
        if exact != exact.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(exact)

    def python_value(self, value: int | str | None) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / self._scale).quantize(self._quantum, rounding=ROUND_HALF_UP)


class MoneyField(ScaledDecimalField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", Decimal("0.00"))
        super().__init__(2, *args, **kwargs)


class UtcDateTimeField(Field):
    """An aware UTC datetime stored as 'YYYY-MM-DDTHH:MM:SS.ffffffZ'."""

    field_type = "TEXT"
    FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

    def db_value(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use invoice_desktop.store.fields.utcnow() or an aware datetime")
        return value.astimezone(UTC).strftime(self.FORMAT)

    def python_value(self, value: str | None) -> datetime | None:
        if value is None:
            return None
        return datetime.strptime(value, self.FORMAT).replace(tzinfo=UTC)


class EnumField(CharField, Generic[E]):
    """A StrEnum stored as its value (VARCHAR): rows read back give the enum member, and a write takes the member or
    its value, refusing anything else (ValueError) so no unknown state reaches the company file."""

    def __init__(self, enum: type[E], *args: Any, **kwargs: Any) -> None:
        self.enum = enum
        super().__init__(*args, **kwargs)

    def db_value(self, value: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def python_value(self, value: Any) -> E | None:
        return None if value is None else self.enum(value)


def utcnow() -> datetime:
    return datetime.now(UTC)
