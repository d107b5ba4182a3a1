"""Where the Xero sign-in is kept: the system keyring, else an owner-only file with a warning."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from invoice_desktop.config import AppPaths
from invoice_desktop.xero.tokens import KEYRING_SERVICE, TokenStorageKind, TokenStore, new_grant


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, broken: bool = False) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.broken = broken

    def get_password(self, service: str, username: str) -> str | None:
        if self.broken:
            raise KeyringError("locked")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.broken:
            raise KeyringError("locked")
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise PasswordDeleteError("none")
        del self.items[(service, username)]


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv("INVOICE_DESKTOP_KEYRING", raising=False)
    yield backend
    keyring.set_keyring(previous)


def test_a_usable_keyring_holds_the_sign_in_and_no_file_is_written(memory_keyring: MemoryKeyring, tmp_path) -> None:
    store = TokenStore(AppPaths(tmp_path))
    assert store.kind is TokenStorageKind.KEYRING and store.warning is None
    store.save(new_grant("RT-secret", "client-1", ["offline_access"]))
    assert not store.file_path.exists()
    assert "RT-secret" in memory_keyring.items[(KEYRING_SERVICE, str(tmp_path))]
    loaded = store.load()
    assert loaded is not None and loaded.refresh_token == "RT-secret" and "RT-secret" not in repr(loaded)
    store.delete()
    assert store.load() is None and memory_keyring.items == {}


def test_a_file_saved_without_a_keyring_moves_into_it(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    TokenStore(AppPaths(tmp_path), TokenStorageKind.FILE).save(new_grant("RT-old", "client-1", []))
    store = TokenStore(AppPaths(tmp_path))
    assert store.load().refresh_token == "RT-old"  # type: ignore[union-attr]
    assert not store.file_path.exists() and memory_keyring.items


def test_a_failing_keyring_falls_back_to_an_owner_only_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring(broken=True))
    monkeypatch.setenv("INVOICE_DESKTOP_KEYRING", "keyring")
    try:
        store = TokenStore(AppPaths(tmp_path))
        store.save(new_grant("RT-file", "client-1", []))
    finally:
        keyring.set_keyring(previous)
    assert store.kind is TokenStorageKind.FILE and "owner-only file" in (store.warning or "")
    assert (store.file_path.stat().st_mode & 0o777) == 0o600
    assert store.load().refresh_token == "RT-file"  # type: ignore[union-attr]


def test_the_environment_forces_the_file(memory_keyring: MemoryKeyring, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVOICE_DESKTOP_KEYRING", "file")
    store = TokenStore(AppPaths(tmp_path))
    store.save(new_grant("RT-forced", "client-1", []))
    assert store.kind is TokenStorageKind.FILE and memory_keyring.items == {}
    assert (store.file_path.stat().st_mode & 0o777) == 0o600
