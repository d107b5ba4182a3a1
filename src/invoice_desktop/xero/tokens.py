"""Where the Xero sign-in (the refresh token) is kept between runs.

The refresh token goes to the system keyring (service "InvoiceDesktop", one entry per company file). Where no
keyring is usable it goes to an owner-only (0600) JSON file in the data dir, and `warning` says so, for
`xero status` and Settings > Xero to show. `INVOICE_DESKTOP_KEYRING=file` forces the file (tests set it),
`INVOICE_DESKTOP_KEYRING=keyring` forces the keyring. The access token never comes here: it lives in memory only
(invoice_desktop.xero.client.TokenSession). Nothing here touches the database.

Team mode (README "The Xero connection"): one connection per company file, shared by the desks. Its refresh token
is kept in a file in a folder every desk reaches (`--token-dir` / INVOICE_DESKTOP_TOKEN_DIR), readable by the
owner and the group (0660: the bookkeepers' group decides who may act in Xero), never in the database. A keyring
cannot be shared between desks, and a copy per desk would die at the first rotation elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from invoice_desktop.config import ENV_KEYRING, AppPaths

log = logging.getLogger(__name__)

KEYRING_SERVICE = "InvoiceDesktop"
LOCK_FILE_NAME = "xero-token.lock"


class TokenStorageKind(StrEnum):
    KEYRING = "keyring"
    FILE = "file"
    SHARED_FILE = "shared_file"  # team mode: the file in the shared token folder


STORAGE_WORDS: dict[TokenStorageKind, str] = {
    TokenStorageKind.KEYRING: "the system keyring",
    TokenStorageKind.FILE: "an owner-only file in the company file's folder",
    TokenStorageKind.SHARED_FILE: "a file in the shared token folder (team mode)",
}


class TokenStorageError(Exception):
    """The sign-in could not be read or written (the message says where and why)."""


@dataclass(frozen=True)
class StoredGrant:
    """What survives a restart: the refresh token and what it was granted for. Never logged, never in the db."""

    refresh_token: str
    client_id: str
    scope: tuple[str, ...] = ()
    saved_at: float = 0.0

    def to_json(self) -> str:
        return json.dumps(
            {
                "refresh_token": self.refresh_token,
                "client_id": self.client_id,
                "scope": list(self.scope),
                "saved_at": self.saved_at,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> StoredGrant | None:
        try:
            data = json.loads(text)
            token = data["refresh_token"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(token, str) or not token:
            return None
        return cls(
            refresh_token=token,
            client_id=str(data.get("client_id") or ""),
            scope=tuple(data.get("scope") or ()),
            saved_at=float(data.get("saved_at") or 0.0),
        )

    def __repr__(self) -> str:  # keeps the token out of tracebacks and debug output
        return f"StoredGrant(client_id={self.client_id!r}, scope={self.scope!r}, saved_at={self.saved_at!r})"


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring install must not stop the app
        log.warning("no usable keyring (%s); the Xero sign-in will be kept in a file", type(exc).__name__)
        return False
    if isinstance(backend, fail.Keyring):
        return False
    priority = getattr(backend, "priority", 1)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return True


class TokenStore:
    """The refresh token of one company file, in the keyring or (fallback) an owner-only file."""

    def __init__(self, paths: AppPaths, kind: TokenStorageKind | None = None) -> None:
        self._paths = paths
        self.kind = kind or (TokenStorageKind.SHARED_FILE if paths.shared_token_dir else self._choose_kind())

    @staticmethod
    def _choose_kind() -> TokenStorageKind:
        forced = os.environ.get(ENV_KEYRING, "").strip().lower()
        if forced == TokenStorageKind.FILE:
            return TokenStorageKind.FILE
        if forced == TokenStorageKind.KEYRING or _keyring_usable():
            return TokenStorageKind.KEYRING
        return TokenStorageKind.FILE

    @property
    def file_path(self) -> Path:
        return self._paths.token_file

    @property
    def keyring_username(self) -> str:
        return str(self._paths.data_dir)

    @property
    def warning(self) -> str | None:
        """Where the sign-in is kept when not in a keyring, and what to do to have it in one (`load` moves a
        sign-in from the file into the keyring by itself once one is usable)."""
        if self.kind is TokenStorageKind.SHARED_FILE:
            return (
                f"The Xero sign-in is shared by the desks of this company file in {self.file_path} (team mode). "
                "Anyone who can read that folder can use it: keep it to the bookkeepers."
            )
        if self.kind is not TokenStorageKind.FILE:
            return None
        kept = (
            f"the Xero sign-in is kept in an owner-only file (permissions 0600: only your user account can read "
            f"it) in the company file's folder: {self.file_path}. Anyone who can read your files can use it."
        )
        moves = "start the app again: the sign-in moves into the keyring by itself."
        if os.environ.get(ENV_KEYRING, "").strip().lower() == TokenStorageKind.FILE:
            return (
                f"{ENV_KEYRING}=file is set (the --sandbox demo sets it: its sign-in is the sandbox's, not a real "
                f"Xero one), so {kept} To keep a sign-in in the system keyring, unset it and {moves}"
            )
        install = (
            "install a Secret Service keyring (such as gnome-keyring or KeePassXC), unlocked when you log in, and"
            if sys.platform.startswith("linux")
            else "make sure the system keyring is available (Keychain, Credential Manager) and"
        )
        return f"No system keyring is available, so {kept} To keep it in a keyring instead, {install} {moves}"

    # -- public API --------------------------------------------------------------------------------------------

    def load(self) -> StoredGrant | None:
        if self.kind is TokenStorageKind.KEYRING:
            try:
                grant = self._keyring_load()
            except Exception as exc:
                self._fall_back(exc)
                return self._file_load()
            if grant is None and self.file_path.exists():
                # A sign-in saved while no keyring was usable: move it into the keyring now that there is one.
                grant = self._file_load()
                if grant is not None:
                    self.save(grant)
                    if self.kind is TokenStorageKind.KEYRING:
                        self._file_delete()
            return grant
        return self._file_load()

    def save(self, grant: StoredGrant) -> None:
        if self.kind is TokenStorageKind.KEYRING:
            try:
                self._keyring_save(grant)
                return
            except Exception as exc:
                self._fall_back(exc)
        self._file_save(grant)

    def delete(self) -> None:
        if self.kind is TokenStorageKind.KEYRING:
            try:
                import keyring
                from keyring.errors import PasswordDeleteError

                with contextlib.suppress(PasswordDeleteError):
                    keyring.delete_password(KEYRING_SERVICE, self.keyring_username)
            except Exception as exc:
                log.warning("could not delete the Xero sign-in from the keyring: %s", type(exc).__name__)
        self._file_delete()

    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[None]:
        """Held while a refresh is in flight, across processes (the window and a scheduled `xero sync`)."""
        self._paths.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._paths.data_dir / LOCK_FILE_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_fd(fd)
            try:
                yield
            finally:
                _unlock_fd(fd)
        finally:
            os.close(fd)

    # -- keyring -----------------------------------------------------------------------------------------------

    def _keyring_load(self) -> StoredGrant | None:
        import keyring

        text = keyring.get_password(KEYRING_SERVICE, self.keyring_username)
        return StoredGrant.from_json(text) if text else None

    def _keyring_save(self, grant: StoredGrant) -> None:
        import keyring

        keyring.set_password(KEYRING_SERVICE, self.keyring_username, grant.to_json())

    def _fall_back(self, exc: Exception) -> None:
        log.warning("the keyring failed (%s); the Xero sign-in will be kept in a file", type(exc).__name__)
        self.kind = TokenStorageKind.FILE

    # -- owner-only file ---------------------------------------------------------------------------------------

    def _file_load(self) -> StoredGrant | None:
        try:
            text = self.file_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStorageError(f"cannot read the Xero sign-in file {self.file_path}: {exc.strerror}") from exc
        return StoredGrant.from_json(text)

    def _file_save(self, grant: StoredGrant) -> None:
        target = self.file_path
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        try:
            # Created 0600 (shared: 0660) in one step (O_EXCL: never an existing file with looser permissions),
            # then swapped in.
            mode = 0o660 if self.kind is TokenStorageKind.SHARED_FILE else 0o600
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
            if hasattr(os, "fchmod"):  # the umask would take the group's bits off a shared file
                os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(grant.to_json().encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise TokenStorageError(f"cannot write the Xero sign-in file {target}: {exc.strerror}") from exc

    def _file_delete(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.file_path.unlink()


def new_grant(refresh_token: str, client_id: str, scope: tuple[str, ...] | list[str]) -> StoredGrant:
    return StoredGrant(refresh_token=refresh_token, client_id=client_id, scope=tuple(scope), saved_at=time.time())


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock_fd(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue  # LK_LOCK gives up after ~10 s; keep waiting, a refresh takes seconds at most

    def _unlock_fd(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
