"""Fixtures of the contract tests: Xero's OpenAPI specs, loaded once per session (the Accounting spec is 25k lines),
a fresh sandbox per test, and `wire`, a bare HTTP client signed in to it (contract_helpers.Wire)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from contract_helpers import Specs, Wire, load_specs

from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox


@pytest.fixture(scope="session")
def specs() -> Specs:
    return load_specs()


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(auto_approve=True) as running:
        yield running


@pytest.fixture
def wire(sandbox: RunningSandbox) -> Wire:
    return Wire(sandbox)
