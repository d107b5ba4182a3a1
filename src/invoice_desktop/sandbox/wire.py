"""Xero's wire formats: MS-JSON dates, fixed-decimal numbers, and the JSON writer that keeps both.

- Dates go out as ``"\\/Date(1552262400000+0000)\\/"`` (Xero escapes the slashes; any JSON parser reads
  ``/Date(...)/``); the envelope's DateTimeUTC has no zone suffix. Date-only fields are UTC midnight.
- Money has 2 decimal places, Quantity 4, CurrencyRate 6, written as JSON numbers (``40.00``, ``2.0000``).
- Request dates are accepted as ``/Date(ms)/``, ``/Date(ms+hhmm)/``, ``YYYY-MM-DD`` and ``YYYY-MM-DDTHH:MM:SS``.
- ``If-Modified-Since`` is accepted in Xero's documented form only (``parse_if_modified_since``).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")
SIX_PLACES = Decimal("0.000001")

_MS_DATE_RE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<tz>[+-]\d{4})?\)/$")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_IF_MODIFIED_SINCE_RE = re.compile(r"^(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(Z|\+00:00)?$")
_HTTP_DATE_RE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT$"
)
_ISO_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class WireFormatError(ValueError):
    """A value in a request could not be read."""


# --- numbers -------------------------------------------------------------------------------------------------


def round_half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    rounded = value.quantize(places, rounding=ROUND_HALF_UP)
    return rounded + 0 if rounded != 0 else abs(rounded)  # never "-0.00"


def money(value: Decimal | int | float | str) -> Decimal:
    return round_half_up(to_decimal(value), CENT)


def quantity(value: Decimal | int | float | str) -> Decimal:
    return round_half_up(to_decimal(value), FOUR_PLACES)


def rate6(value: Decimal | int | float | str) -> Decimal:
    return round_half_up(to_decimal(value), SIX_PLACES)


MAX_NUMBER = Decimal("1e10")  # far above any amount or quantity; products and sums stay in Decimal's 28 digits


def to_decimal(value: Any) -> Decimal:
    """A finite number, or WireFormatError."""
    if isinstance(value, bool) or value is None or not isinstance(value, Decimal | int | float | str):
        raise WireFormatError(f"not a number: {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise WireFormatError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise WireFormatError(f"not a number: {value!r}")
    return number


def request_number(value: Any) -> Decimal:
    """A number of a request (an amount, quantity, rate): finite and smaller than 10^10, or WireFormatError."""
    number = to_decimal(value)
    if abs(number) >= MAX_NUMBER:
        raise WireFormatError(f"{value!r} is too large (at most {MAX_NUMBER:,.0f})")
    return number


# --- dates ---------------------------------------------------------------------------------------------------


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def date_to_ms(day: date) -> int:
    return epoch_ms(datetime.combine(day, time(0, 0), tzinfo=UTC))


def ms_date(day: date) -> str:
    """A date-only field: UTC midnight with Xero's +0000 suffix."""
    return f"/Date({date_to_ms(day)}+0000)/"


def ms_timestamp(seconds: float) -> str:
    """A timestamp field such as UpdatedDateUTC."""
    return f"/Date({int(seconds * 1000)}+0000)/"


def envelope_timestamp(seconds: float) -> str:
    """The response envelope's DateTimeUTC (no zone suffix, as Xero sends it)."""
    return f"/Date({int(seconds * 1000)})/"


def date_string(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def iso_utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dd_mmm_yyyy(day: date) -> str:
    """The date format of Xero's lock-date messages, e.g. 30-Nov-2018."""
    return day.strftime("%d-%b-%Y")


def parse_request_date(value: Any) -> date:
    """A date field of a request body (Date, DueDate, payment Date)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            match = _MS_DATE_RE.match(text)
            if match:
                return datetime.fromtimestamp(int(match["ms"]) / 1000, tz=UTC).date()
            if _ISO_DATE_RE.match(text):
                return date.fromisoformat(text)
            if _ISO_DATETIME_RE.match(text):
                return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except (ValueError, OverflowError, OSError) as exc:  # 2026-13-45, /Date(99999999999999999999)/
            raise WireFormatError(f"not a date: {value!r}") from exc
    raise WireFormatError(f"not a date: {value!r}")


def parse_if_modified_since(value: str) -> float:
    """If-Modified-Since as Xero documents it, in epoch seconds: UTC ``yyyy-mm-ddThh:mm:ss`` in whole seconds,
    optionally followed by ``Z`` or ``+00:00``, or an RFC 1123 HTTP-date (``Wed, 02 Dec 2026 16:02:37 GMT``).
    Anything else (fractional seconds, another offset, a bare date, garbage) raises WireFormatError."""
    text = value.strip()
    match = _IF_MODIFIED_SINCE_RE.match(text)
    try:
        if match:
            moment = datetime.strptime(match["stamp"], "%Y-%m-%dT%H:%M:%S")
        elif _HTTP_DATE_RE.match(text):
            moment = parsedate_to_datetime(text).replace(tzinfo=None)  # locale-independent, unlike strptime %b
        else:
            raise ValueError("not of a documented form")
    except ValueError as exc:
        raise WireFormatError(
            f"If-Modified-Since {value!r} is not a valid timestamp: use UTC yyyy-mm-ddThh:mm:ss in whole seconds "
            "(optionally with Z or +00:00), e.g. 2026-12-02T16:02:37, or an HTTP-date such as "
            "Wed, 02 Dec 2026 16:02:37 GMT"
        ) from exc
    return moment.replace(tzinfo=UTC).timestamp()


def is_ms_date(value: str) -> bool:
    """A text in MS-JSON date form (`where` reads such a text as a date)."""
    return _MS_DATE_RE.match(value) is not None


def ms_value_to_datetime(value: str) -> datetime | None:
    match = _MS_DATE_RE.match(value)
    if not match:
        return None
    return datetime.fromtimestamp(int(match["ms"]) / 1000, tz=UTC)


# --- JSON ----------------------------------------------------------------------------------------------------


_encode_string = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False) for a str


def dumps(value: Any) -> str:
    """JSON as Xero writes it: Decimals keep their places, /Date(...)/ strings get escaped slashes."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):  # the commonest first; a str is never None, a bool or a number
        encoded = _encode_string(value)  # what json.dumps(value, ensure_ascii=False) gives, without its overhead
        if value.startswith("/Date("):
            encoded = encoded.replace("/", "\\/")
        out.append(encoded)
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        out.append(format(value, "f"))
    elif isinstance(value, int | float):
        out.append(json.dumps(value))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(_encode_string(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def loads(body: bytes | str) -> Any:
    """Read a request body; numbers with a fraction become Decimal (never float). NaN and Infinity (which JSON
    does not have), and nesting too deep to read, raise ValueError."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_not_json)
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply") from exc


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
