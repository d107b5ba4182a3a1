"""Fixtures of the unit tests: `books`, a company file with the account and tax rate most ledger tests invoice
against. A module that needs more extends it (`def books(books): ...; return books`)."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def books(db):
    """Account 200 (Sales) and GST on Income at 10% in the company file `db`; returns `db`."""
    from invoice_desktop.ledger import catalog

    catalog.get_or_create_account("200", "Sales")
    catalog.create_tax_rate("GST on Income", Decimal(10))
    return db
