"""Shared fixtures: every test gets its own data dir and company file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the user's real keyring or data dir.
os.environ["INVOICE_DESKTOP_KEYRING"] = "file"
os.environ.pop("INVOICE_DESKTOP_DATA_DIR", None)
os.environ.pop("INVOICE_DESKTOP_XERO_ENDPOINT", None)
os.environ.pop("INVOICE_DESKTOP_XERO_CLIENT_ID", None)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "company"
    d.mkdir()
    return d


@pytest.fixture
def db(data_dir: Path):
    """A fresh company file, opened and bound to the models."""
    from invoice_desktop.store.database import close_database, open_database

    database = open_database(data_dir / "company.sqlite3", data_dir / "backups")
    yield database
    close_database()
