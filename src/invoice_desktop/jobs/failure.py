"""Why a job failed, as one typed value for the window: `JobFailure` (kind, Xero's failure category, message, hint,
when Xero said to try again, and so whether the connection dropped).

Every failure signal from jobs/ to ui/ carries a JobFailure (`Job.failed`, `EngineJob.import_failed`); the window
decides from its fields (`connection_dropped`, `kind`), never by reading the company file again or by parsing the
message. An exception in a worker is classified once, here (`classify`), with the engine's own classification of a
failed Xero call (xero.failure_classifier.classify_exception: the category, its hint, Retry-After) and the short
words of xero.connect.describe_error (no bodies, no headers). A stop the engine reported in its summary (a
`RunStop`: ExportSummary.stop, ImportSummary.stop) becomes the same value with `JobFailure.from_stop`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.xero.client import ConnectionDropped, NotConnected, TokenEndpointError, XeroInterfaceError
from invoice_desktop.xero.connect import XERO_CALL_ERRORS, describe_error
from invoice_desktop.xero.export_park import RunStop
from invoice_desktop.xero.failure_classifier import Failure, classify_exception

log = logging.getLogger(__name__)


class FailureKind(StrEnum):
    XERO = "xero"  # talking to Xero: `category` says what (a dead connection, Xero unreachable, the day limit, ...)
    NOT_CONNECTED = "not_connected"  # no Xero connection to use: never connected, disconnected, the sign-in missing
    SIGN_IN = "sign_in"  # connecting did not complete: the browser sign-in, no organisation, no client id
    COMPANY_FILE = "company_file"  # store.errors: busy, disk full, read-only, damaged; the file was left as it was
    REFUSED = "refused"  # a refusal written for the user (a ledger rule, an export action)
    BUG = "bug"  # anything else: logged with its traceback


KIND_TITLES: dict[FailureKind, str] = {
    FailureKind.XERO: "Xero could not be used",
    FailureKind.NOT_CONNECTED: "Xero is not connected",
    FailureKind.SIGN_IN: "Connecting to Xero did not complete",
    FailureKind.COMPANY_FILE: "The company file could not be used",
    FailureKind.REFUSED: "Not done",
    FailureKind.BUG: "Something went wrong",
}
BUG_MESSAGE = "Something went wrong ({name}); the details are in the log."


@dataclass(frozen=True)
class JobFailure:
    """Why a job (or a step of it) did not do its work; words for the user, no bodies, headers or tokens."""

    kind: FailureKind
    message: str
    hint: str = ""  # what to do about it ("" when the message says it already)
    category: FailureCategory | None = None  # Xero trouble only (kind XERO)
    retry_at: datetime | None = None  # when Xero said to try again (the queue is parked until then)

    @property
    def connection_dropped(self) -> bool:
        """The Xero connection is dead (sign-in expired or revoked, organisation disconnected): reconnect."""
        return self.category is FailureCategory.CONNECTION

    @property
    def title(self) -> str:
        return self.category.title if self.category is not None else KIND_TITLES[self.kind]

    def text(self) -> str:
        """The message, then the hint (once), as sentences."""
        if not self.hint or self.hint in self.message:
            return self.message
        return f"{sentence(self.message)} {self.hint}"

    @classmethod
    def from_stop(cls, stop: RunStop) -> JobFailure:
        """A run the engine stopped early (its summary's `stop`)."""
        return cls(FailureKind.XERO, stop.message, stop.hint, stop.category, stop.resumes_at)


def sentence(text: str) -> str:
    """`text` ending as a sentence does ("HTTP 503 Service Unavailable" -> "HTTP 503 Service Unavailable.")."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else f"{text}."


def classify(exc: BaseException, job: str, refusals: tuple[type[BaseException], ...] = ()) -> JobFailure:
    """What an exception raised in `job` (its name, for the log) means for the user; a bug is logged with its
    traceback, expected trouble in one line."""
    if isinstance(exc, (CompanyFileError, *refusals)):  # said as it is: the message is written for the user
        log.info("%s refused: %s", job, type(exc).__name__)
        kind = FailureKind.COMPANY_FILE if isinstance(exc, CompanyFileError) else FailureKind.REFUSED
        return JobFailure(kind, str(exc) or type(exc).__name__)
    if isinstance(exc, XERO_CALL_ERRORS):
        log.info("%s failed: %s", job, type(exc).__name__)
        return _xero_failure(exc)
    log.error("%s failed unexpectedly", job, exc_info=exc)
    return JobFailure(FailureKind.BUG, BUG_MESSAGE.format(name=type(exc).__name__))


def _xero_failure(exc: BaseException) -> JobFailure:
    message = describe_error(exc)
    if isinstance(exc, NotConnected):
        return JobFailure(FailureKind.NOT_CONNECTED, message)
    if isinstance(exc, XeroInterfaceError) and not isinstance(exc, ConnectionDropped | TokenEndpointError):
        return JobFailure(FailureKind.SIGN_IN, message)  # AuthError, MissingClientId, NoOrganisation, ...
    failure = _classified(exc)
    if failure is None:  # an OSError the classifier does not know (a file of the sign-in, say)
        return JobFailure(FailureKind.XERO, message)
    if failure.category is FailureCategory.XERO_UNAVAILABLE:
        message = unreachable_words(exc, message)
    retry_at = utcnow() + timedelta(seconds=failure.retry_after) if failure.retry_after else None
    return JobFailure(FailureKind.XERO, message, failure.hint, failure.category, retry_at)


UNREACHABLE = "Xero could not be reached"
OFFLINE = f"{UNREACHABLE}: the organisation is offline in Xero for now"


def unreachable_words(exc: BaseException, said: str) -> str:
    """Xero unreachable, in the product's words: a 503 is the organisation offline (Xero's maintenance or an outage),
    anything else keeps its short description in brackets."""
    if getattr(exc, "status", None) == 503:
        return f"{OFFLINE} (Xero answered 503)"
    return f"{UNREACHABLE} ({said})"


def _classified(exc: BaseException) -> Failure | None:
    try:
        return classify_exception(exc)
    except BaseException as raised:  # it raises again what it does not know
        if raised is exc:
            return None
        raise
