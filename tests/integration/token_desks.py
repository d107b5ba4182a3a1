"""A desk in a process of its own, for the team-mode tests: it opens the shared company file (and the shared
Xero sign-in folder) as the app does, waits for the other desks, then refreshes the Xero sign-in at the same
moment as they do and makes one call with it. What happened goes back on a queue as plain values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.desk import set_current_user
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.xero.client import ConnectionDropped
from invoice_desktop.xero.company_client import open_client


def refresh_at_once(
    user: str, company_file: Path | str, desk_dir: str, token_dir: str, endpoints: XeroEndpoints, barrier: Any, out: Any
) -> None:
    set_current_user(user)
    open_database(company_file)
    try:
        client = open_client(AppPaths(Path(desk_dir), Path(token_dir)), endpoints)
        barrier.wait(timeout=60)
        try:
            client.session.refresh(client.api_client(), stale_access_token=None)
            name = client.accounting().get_organisations(client.tenant_id).organisations[0].name
            out.put((user, "ok", name))
        except ConnectionDropped as exc:
            out.put((user, "dropped", str(exc)))
    finally:
        close_database()
