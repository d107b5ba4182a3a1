"""Fixtures of the contract tests: Xero's OpenAPI specs, loaded once per session (the Accounting spec is 25k lines),
and `wire`, a bare HTTP client signed in to it (contract_helpers.Wire)."""

from __future__ import annotations

import pytest
from contract_helpers import Specs, Wire, load_specs

from invoice_desktop.sandbox.server import RunningSandbox


@pytest.fixture(scope="session")
def specs() -> Specs:
    return load_specs()


@pytest.fixture
def wire(sandbox: RunningSandbox) -> Wire:
    return Wire(sandbox)
