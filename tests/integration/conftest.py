"""Fixtures of the integration tests: `sandbox`, a fresh in-process Xero sandbox on 127.0.0.1 (auto-approve on,
so a sign-in needs no clicking), and `connected`, signed in to it with PKCE (see sandbox_helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import Connected, connect

from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(auto_approve=True) as running:
        yield running


@pytest.fixture
def connected(sandbox: RunningSandbox, tmp_path: Path) -> Connected:
    return connect(sandbox, tmp_path / "company")
