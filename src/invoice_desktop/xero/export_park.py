"""The export queue parked until a time Xero named: the day limit, or a Retry-After too long to sleep through.

One company-file setting holds the time (`xero.export_parked_until`, ISO) and another why (a FailureCategory id):
every exporter, the payment import and the window read them, so no engine sleeps a thread for hours and none
calls Xero before the time. A stop of a run is described by a typed `RunStop` (category, message, hint, when
the queue resumes), which travels to the commands and the window as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.settings import get_setting, set_setting

KEY_PARKED_UNTIL = "xero.export_parked_until"
KEY_PARKED_CATEGORY = "xero.export_parked_category"
DAY_LIMIT_FALLBACK = timedelta(hours=1)  # a day-limit 429 without Retry-After
# A Retry-After up to this long is waited out inside the run; a longer one parks the queue instead.
LONGEST_INLINE_WAIT = 60.0


@dataclass(frozen=True)
class RunStop:
    """Why a run stopped before its queue was empty (typed, for the window to decide from)."""

    category: FailureCategory
    message: str
    hint: str = ""
    resumes_at: datetime | None = None  # the queue is parked until then

    @property
    def title(self) -> str:
        return self.category.title

    @property
    def connection_dropped(self) -> bool:
        return self.category is FailureCategory.CONNECTION

    def text(self) -> str:
        return self.message


def moment(value: datetime) -> str:
    """A time for a bookkeeper: local, to the minute (e.g. "2 Dec 2026 17:40"), as the window shows times
    (ui.formatting.format_datetime)."""
    local = value.astimezone()
    return f"{day(local)} {local:%H:%M}"


def day(value: date) -> str:
    """A date for a bookkeeper, as the window shows dates (ui.formatting.format_date): "4 Oct 2026"."""
    return f"{value.day} {value:%b %Y}"


def stamp(value: str) -> str:
    """A stored ISO time (a cache's fetched_at, say) as `moment` says it; what does not read as one, as it is."""
    try:
        return moment(datetime.fromisoformat(value))
    except ValueError:
        return value


def park_message(category: FailureCategory, until: datetime) -> str:
    if category is FailureCategory.RATE_LIMITED:
        return f"Xero's daily API limit is used up; export resumes at {moment(until)}."
    return f"Xero asked for a pause until {moment(until)}; export resumes then by itself."


def park(category: FailureCategory, until: datetime) -> RunStop:
    """Park the queue until `until`; a park already set for later stays as it is."""
    current = parked_until()
    if current is not None and current >= until:
        return _stop_at(current)
    set_setting(KEY_PARKED_UNTIL, until.isoformat())
    set_setting(KEY_PARKED_CATEGORY, category.value)
    return RunStop(category, park_message(category, until), category.default_hint, until)


def resume_time(now: datetime, retry_after: float | None, fallback: timedelta = DAY_LIMIT_FALLBACK) -> datetime:
    return now + (timedelta(seconds=retry_after) if retry_after else fallback)


def parked_until() -> datetime | None:
    value = get_setting(KEY_PARKED_UNTIL)
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def current_stop(now: datetime) -> RunStop | None:
    """The park in force at `now` as a RunStop, or None when the queue may run."""
    until = parked_until()
    return _stop_at(until) if until is not None and until > now else None


def _stop_at(until: datetime) -> RunStop:
    stored = str(get_setting(KEY_PARKED_CATEGORY) or "")
    category = FailureCategory(stored) if stored in set(FailureCategory) else FailureCategory.RATE_LIMITED
    return RunStop(category, park_message(category, until), category.default_hint, until)
