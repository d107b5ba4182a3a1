"""The command boundary (__main__.main): whatever a command, or the window's start, raises ends as one line on
stderr and exit status 2 ("could not run"), never a traceback. Errors whose message is written for the user say it
as it is: a CompanyFileError (what is wrong with the company file; it was left as it was), the Xero sign-in's file
or the Xero interface. Anything else is unexpected, a bug or a local fault no command foresaw: its traceback goes to
the log and the line says where the log is."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable

from invoice_desktop.cli import EXIT_CANNOT_RUN, cannot_run
from invoice_desktop.logs import redact, unexpected, where_the_log_is
from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.xero.client import XeroInterfaceError
from invoice_desktop.xero.tokens import TokenStorageError

log = logging.getLogger(__name__)

FOR_THE_USER = (CompanyFileError, TokenStorageError, XeroInterfaceError)  # their message is the line


def guarded(run: Callable[[], int], as_json: bool = False, tell: Callable[[str], None] | None = None) -> int:
    """`run()`'s exit status, or EXIT_CANNOT_RUN with one line for whatever it raised; `tell` also hears the line
    (the windowed app, which has no stderr, shows it in a dialog)."""
    try:
        status = run()
        sys.stdout.flush()  # a closed pipe or a full disk under stdout shows here, not as a traceback at exit
        return status
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say to it
        _drop_stdout()
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        message = "interrupted"
    except FOR_THE_USER as exc:
        log.warning("could not run: %s", exc, exc_info=exc.__cause__ is not None)
        message = str(exc)
    except Exception as exc:
        log.error("unexpected error", exc_info=exc)
        message = f"{unexpected(exc)}; {where_the_log_is()}"
    message = redact(" ".join(message.split()))  # one line, never a token
    if tell is not None:
        try:
            tell(message)
        except Exception:
            log.exception("could not show: %s", message)
    return cannot_run(message, as_json)


def _drop_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush at exit does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
