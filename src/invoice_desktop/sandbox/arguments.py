"""Checks of the values a control action is given, from Python, the JSON control path or the admin page's forms.

Each returns the value in the type the sandbox stores (or raises ControlError with a sentence naming the argument),
so nothing unreadable, non-finite or absurd (NaN, 1e300, a negative count, an unknown status) ever reaches the
state, the state file or the page.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_TEXT = 500
MAX_AMOUNT = Decimal("1000000000")  # a billion: more than any demo invoice, far below Decimal's limits
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)


class ControlError(ValueError):
    """A control action that cannot be done (a bad argument, an unknown organisation, contact, invoice ...)."""


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def text(value: Any, name: str, *, max_length: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise ControlError(f"{name} must be text, not {_kind(value)}")
    value = value.strip()
    if not value:
        raise ControlError(f"{name} must not be empty")
    if len(value) > max_length:
        raise ControlError(f"{name} is longer than {max_length} characters")
    return value


def optional_text(value: Any, name: str, *, max_length: int = MAX_TEXT) -> str:
    """Text that may be empty (a reference); None is empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ControlError(f"{name} must be text, not {_kind(value)}")
    if len(value) > max_length:
        raise ControlError(f"{name} is longer than {max_length} characters")
    return value.strip()


def whole(value: Any, name: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(f"{name} must be a whole number, not {_kind(value)} {value!r}")
    if not minimum <= value <= maximum:
        raise ControlError(f"{name} must be between {minimum:,} and {maximum:,}, not {value:,}")
    return value


def optional_whole(value: Any, name: str, minimum: int, maximum: int) -> int | None:
    return None if value is None else whole(value, name, minimum, maximum)


def seconds(value: Any, name: str, maximum: float) -> float:
    """A finite number of seconds from 0 to `maximum`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(f"{name} must be a number of seconds, not {_kind(value)} {value!r}")
    if not math.isfinite(value):
        raise ControlError(f"{name} must be a finite number of seconds, not {value!r}")
    if not 0 <= value <= maximum:
        raise ControlError(f"{name} must be between 0 and {maximum:,g} seconds, not {value:,g}")
    return float(value)


def flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ControlError(f"{name} must be true or false, not {_kind(value)} {value!r}")
    return value


def choice(value: Any, name: str, options: Collection[str]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ControlError(f"{name} must be one of {', '.join(sorted(options))}, not {value!r}")
    return value


def day(value: Any, name: str) -> date | None:
    """A date, an ISO date string (YYYY-MM-DD) or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ControlError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from exc
    if not isinstance(value, date):
        raise ControlError(f"{name} must be a date as YYYY-MM-DD, not {_kind(value)} {value!r}")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ControlError(f"{name} must be between {FIRST_DAY} and {LAST_DAY}, not {value}")
    return value


def amount(value: Any, name: str) -> Decimal:
    """A money amount above zero with at most 2 decimal places, given as a Decimal, number or text."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ControlError(f"{name} must be an amount, not {_kind(value)} {value!r}")
    try:
        number = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ControlError(f"{name} must be an amount such as 100.00, not {value!r}") from exc
    if not number.is_finite():
        raise ControlError(f"{name} must be a finite amount, not {value!r}")
    if not Decimal(0) < number <= MAX_AMOUNT:
        raise ControlError(f"{name} must be more than 0 and at most {MAX_AMOUNT:,}, not {number}")
    if number != number.quantize(Decimal("0.01")):
        raise ControlError(f"{name} has more than 2 decimal places: {number}")
    return number.quantize(Decimal("0.01"))
