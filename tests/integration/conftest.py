"""Fixtures of the integration tests: `connected`, signed in with PKCE to the `sandbox` (tests/conftest.py; see
sandbox_helpers), and `company`, a company file connected to it and set up for exporting (export_fixtures); a module
whose tests want other Xero settings overrides `company_settings`."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_fixtures import Company, connect_company
from sandbox_helpers import Connected, connect

from invoice_desktop.sandbox.server import RunningSandbox


@pytest.fixture
def connected(sandbox: RunningSandbox, tmp_path: Path) -> Connected:
    return connect(sandbox, tmp_path / "company")


@pytest.fixture
def company_settings() -> dict[str, object]:
    """XeroSettings fields `company` saves over connect_company's defaults (a module overrides this fixture)."""
    return {}


@pytest.fixture
def company(sandbox: RunningSandbox, data_dir: Path, db: object, company_settings: dict[str, object]) -> Company:
    return connect_company(sandbox, data_dir, **company_settings)
