"""SQLite's failures as the company file's typed errors (store.errors), and patience with a busy company file.

Busy: only one connection writes at a time (every transaction BEGINs IMMEDIATE, store.database). A writer that
finds the write lock taken waits: SQLite's own busy handler for BUSY_ATTEMPT_MS, then `retry_while_busy` tries
again with growing, jittered pauses until the thread's patience is spent, and then raises CompanyFileBusyError.
Retrying is safe because a BEGIN or a single statement outside a transaction that got SQLITE_BUSY changed nothing.
The window's GUI thread (`mark_interactive_thread`) has a short patience, so a busy file never freezes the window
for long; commands and background workers wait much longer (a big import, a sync writing its outcomes).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from peewee import DatabaseError as PeeweeDatabaseError

from invoice_desktop.store.errors import (
    CompanyFileBusyError,
    CompanyFileError,
    CompanyFileUnwritableError,
    CorruptDatabaseError,
    ValueTooLargeError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_ATTEMPT_MS = 200  # SQLite's busy handler per attempt (PRAGMA busy_timeout)
PATIENCE_S = 60.0  # a command or a background worker
INTERACTIVE_PATIENCE_S = 1.5  # the window's GUI thread: the window does not answer while it waits
BACKOFF_FIRST_S = 0.05
BACKOFF_MAX_S = 1.0

# SQLite's primary result codes (https://www.sqlite.org/rescode.html)
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT = 5, 6, 8, 10, 11
SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 13, 14, 26

# Errors raised without a result code (a migration step, a test) are known by SQLite's own words for them.
_CODE_OF_TEXT = {
    "database is locked": SQLITE_BUSY,
    "database table is locked": SQLITE_LOCKED,
    "attempt to write a readonly database": SQLITE_READONLY,
    "disk I/O error": SQLITE_IOERR,
    "database disk image is malformed": SQLITE_CORRUPT,
    "database or disk is full": SQLITE_FULL,
    "unable to open database file": SQLITE_CANTOPEN,
    "file is not a database": SQLITE_NOTADB,
}

_DATABASE_ERRORS = (sqlite3.Error, PeeweeDatabaseError)

_interactive_threads: set[int] = set()


def mark_interactive_thread(interactive: bool = True) -> None:
    """The calling thread (the window's GUI thread) gets the short patience, or (False) the long one again."""
    if interactive:
        _interactive_threads.add(threading.get_ident())
    else:
        _interactive_threads.discard(threading.get_ident())


def patience() -> float:
    """Seconds the calling thread goes on trying a busy company file."""
    return INTERACTIVE_PATIENCE_S if threading.get_ident() in _interactive_threads else PATIENCE_S


def sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code of a sqlite3 error, or of peewee's wrapper around one (`orig`)."""
    for candidate in (exc, getattr(exc, "orig", None)):
        code = getattr(candidate, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF
    text = str(exc.args[-1] if exc.args else exc)
    return next((code for words, code in _CODE_OF_TEXT.items() if text.startswith(words)), None)


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, _DATABASE_ERRORS) and sqlite_code(exc) in (SQLITE_BUSY, SQLITE_LOCKED)


def company_file_error(exc: BaseException, path: Path) -> CompanyFileError | None:
    """What `exc` means for the user, or None when it is not one of the company file's known failures (a
    constraint, a bug in a query: those go up as they are)."""
    if isinstance(exc, CompanyFileError):
        return exc
    if isinstance(exc, OverflowError):
        return ValueTooLargeError("A number is too large to store in the company file; the change was not saved.")
    if not isinstance(exc, _DATABASE_ERRORS):
        return None
    code = sqlite_code(exc) or 0
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return CompanyFileBusyError()
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return CorruptDatabaseError(f"{path} is damaged ({_words(exc)}). Restore it from a backup.")
    unsaved = "The change was not saved."
    message = {
        SQLITE_FULL: f"The company file {path} cannot be written: the disk is full. {unsaved}",
        SQLITE_READONLY: f"The company file {path} cannot be written: the file or its folder is read-only. {unsaved}",
        SQLITE_IOERR: f"The company file {path} cannot be read or written ({_words(exc)}). {unsaved}",
        SQLITE_CANTOPEN: (
            f"The company file {path} cannot be opened ({_words(exc)}): check that its folder exists and can be "
            "written."
        ),
    }.get(code)
    return None if message is None else CompanyFileUnwritableError(message)


def retry_while_busy(
    attempt: Callable[[], T],
    what: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`attempt()` until it does not fail busy, for at most the thread's patience; then CompanyFileBusyError.
    `attempt` must change nothing when it fails busy (a BEGIN, one statement outside a transaction)."""
    start = clock()
    tries = 0
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not is_busy(exc):
                raise
            waited = clock() - start
            if waited >= patience():
                log.warning(
                    "the company file stayed busy (%s): gave up after %d tries, %.1f s", what, tries + 1, waited
                )
                raise CompanyFileBusyError() from exc
            if tries == 0:
                log.info("the company file is busy (%s); trying again for up to %.0f s", what, patience())
            pause = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**tries) * random.uniform(0.5, 1.0)
            sleep(max(0.0, min(pause, patience() - waited)))
            tries += 1


def _words(exc: BaseException) -> str:
    return str(exc.args[-1] if exc.args else exc)
