"""The lock in the company file around a rotation of the Xero refresh token (team mode: docs/product.md §8).

A refresh token dies once it has been used (after Xero's grace: docs/xero-facts.md §4.3), so reading the saved
token, refreshing it and saving the new one must be one step whichever desk does it. The lock is a transaction
that updates the one row of `xero_token_rotation`: on PostgreSQL the UPDATE holds the row lock until the
transaction ends (a second desk's UPDATE waits for it), on SQLite the transaction holds the write lock (BEGIN
IMMEDIATE). Plain peewee queries, the same on both engines. The token itself never comes here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from invoice_desktop.desk import current_user
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import XeroTokenRotation, database_proxy

ROW_ID = 1


@contextlib.contextmanager
def rotation_lock() -> Iterator[None]:
    """Held while the sign-in is refreshed; what the body raises rolls the transaction back (nothing of its own is
    in it, so the caller records a dropped connection after leaving the lock)."""
    with database_proxy.atomic():
        XeroTokenRotation.insert(id=ROW_ID).on_conflict_ignore().execute()
        XeroTokenRotation.update(locked_at=utcnow(), locked_by=current_user()).where(
            XeroTokenRotation.id == ROW_ID
        ).execute()
        yield
