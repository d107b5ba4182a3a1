"""This desk's user name: who approved, resynced, renumbered, voided or changed the Xero connection.

The name belongs to the desk (the person at this machine), not to the company file: it is kept in the data dir,
which in team mode is each desk's own folder (logs, window state, the token fallback), as `desk.json`. Kept in
the shared company file, one desk renaming itself would rename every desk, and a desk could not know which row is
its own. Without a saved name it is the OS user (getpass.getuser()). The history rows copy the name when they are
written, so renaming a desk later never rewrites what was done under the old name.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import unicodedata
from dataclasses import dataclass

from invoice_desktop.config import AppPaths

log = logging.getLogger(__name__)

DESK_FILE_NAME = "desk.json"
MAX_NAME_LENGTH = 100
UNKNOWN_USER = "unknown"


class DeskNameError(ValueError):
    """A user name that cannot be kept (the message says why, for the settings form)."""


@dataclass(frozen=True)
class DeskSettings:
    user_name: str
    saved: bool  # False: the default (the OS user), nothing saved for this desk


def default_user_name() -> str:
    try:
        return checked_name(getpass.getuser())
    except (DeskNameError, OSError, KeyError):  # no login name in a service or container
        return UNKNOWN_USER


def checked_name(name: str) -> str:
    """The name as it is kept (NFC, spaces trimmed), or DeskNameError."""
    cleaned = unicodedata.normalize("NFC", name or "").strip()
    if not cleaned:
        raise DeskNameError("The user name is empty: type the name this desk's work is recorded under.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise DeskNameError(f"The user name is longer than {MAX_NAME_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise DeskNameError("The user name has a control or invisible character in it.")
    return cleaned


def load_desk(paths: AppPaths) -> DeskSettings:
    path = paths.data_dir / DESK_FILE_NAME
    try:
        name = json.loads(path.read_text(encoding="utf-8"))["user_name"]
        return DeskSettings(checked_name(str(name)), saved=True)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:  # unreadable or hand-edited: the default, said once
        log.warning("ignoring %s (%s); using the OS user name", path, type(exc).__name__)
    return DeskSettings(default_user_name(), saved=False)


def save_desk(paths: AppPaths, user_name: str) -> DeskSettings:
    """Keep this desk's name (checked first: DeskNameError, nothing written) and use it from now on."""
    name = checked_name(user_name)
    path = paths.data_dir / DESK_FILE_NAME
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps({"user_name": name}), encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise DeskNameError(f"The user name could not be saved in {path}: {exc.strerror or exc}.") from exc
    set_current_user(name)
    return DeskSettings(name, saved=True)


_current: str | None = None


def use_desk(paths: AppPaths) -> str:
    """At start-up: the name this process records its work under."""
    set_current_user(load_desk(paths).user_name)
    return current_user()


def set_current_user(name: str | None) -> None:
    global _current
    _current = name


def current_user() -> str:
    return _current or default_user_name()
