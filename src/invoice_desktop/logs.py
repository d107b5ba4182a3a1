"""Logging to a rotating file in the data dir, with tokens scrubbed from every record.

A log that cannot be written (a full disk, a read-only folder, a folder where the file should be) never stops the
app and never puts a traceback on stderr: the first failure is remembered (`log_problem`) for the messages that
point at the log to say so.
"""

from __future__ import annotations

import contextlib
import decimal
import logging
import logging.handlers
import re
import sys
from pathlib import Path

LOG_FILE_NAME = "invoice-desktop.log"

# Bearer values, JSON/form token fields and PKCE secrets: whatever the message, these never reach a log.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|code_verifier|code|token|client_secret)[\"']?"
        r"\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
    ),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks can quote response bodies and headers: format now, redacted, in place of exc_info.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class LogFile(logging.handlers.RotatingFileHandler):
    """The app's log file. A record it cannot write is dropped quietly; the first reason is kept in `problem`."""

    problem: str | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if self.problem is None and isinstance(error, OSError):
            self.problem = _describe(error)


class _NoLogFile(logging.NullHandler):
    """In place of a log file that could not be opened: records are dropped, not printed on stderr by logging's
    last resort handler."""


_not_opened: str | None = None  # why setup_logging could not open the log file


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path | None:
    """Log to `log_dir`/LOG_FILE_NAME from now on. None when the file cannot be opened: the app then runs without a
    file log, and `where_the_log_is` says why."""
    global _not_opened
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, LogFile | _NoLogFile):
            root.removeHandler(old)
            with contextlib.suppress(OSError):  # its last flush, on a full disk
                old.close()
    path = log_dir / LOG_FILE_NAME
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = LogFile(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError as exc:
        _not_opened = f"the log at {path} could not be opened ({_describe(exc)})"
        root.addHandler(_NoLogFile())
        return None
    _not_opened = None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    root.setLevel(level)
    # urllib3 logs request lines at DEBUG; the SDK's own debug mode prints headers. Neither is wanted.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    return path


def _app_log() -> LogFile | None:
    return next((h for h in logging.getLogger().handlers if isinstance(h, LogFile)), None)


def log_file() -> Path | None:
    """The log file in use, or None when there is none."""
    handler = _app_log()
    return Path(handler.baseFilename) if handler is not None else None


def log_problem() -> str | None:
    """Why the log could not be written, or None while all is well (or when there is no log)."""
    handler = _app_log()
    return handler.problem if handler is not None else None


def where_the_log_is() -> str:
    """For messages: 'see the log at PATH', or why there is no log to see."""
    path, problem = log_file(), log_problem()
    if path is None:
        return _not_opened or "no log is kept"
    if problem:
        return f"the log at {path} could not be written ({problem})"
    return f"see the log at {path}"


def _describe(exc: BaseException | None) -> str | None:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}" if exc is not None else None


SHORT = 200  # characters of an unexpected error's own words in the one line


def unexpected(exc: BaseException) -> str:
    """A short account of an error no command foresaw, without tokens."""
    if isinstance(exc, OverflowError | decimal.Overflow):
        return "a number is too large to work with"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    words = redact(" ".join(str(exc).split()))
    words = words if len(words) <= SHORT else words[: SHORT - 1] + "…"
    return f"unexpected error ({type(exc).__name__}{': ' + words if words else ''})"
