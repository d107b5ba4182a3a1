"""One Xero connection per company file, shared by the desks (team mode): when two desks refresh the sign-in at the
same moment, the refresh token rotates once at a time under the company file's lock (store.rotation_lock), so no
desk ever presents a token another desk has already used, and neither ends disconnected.

The sandbox is set to the strictest reading of Xero's rotation (docs/xero-facts.md §4.3): a used refresh token
dies at once (no 30-minute grace), and the token endpoint is slow, so two refreshes overlap."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from pathlib import Path

import pytest
from sandbox_helpers import CLIENT_ID, DEMO, sign_in
from token_desks import refresh_at_once

from invoice_desktop.config import AppPaths
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.models import XeroTokenRotation
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.client import ConnectionDropped, TokenSession, XeroClient
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.settings import ConnectionState, Organisation
from invoice_desktop.xero.tokens import TokenStorageKind, TokenStore, new_grant

SLOW_TOKEN_ENDPOINT_S = 1.0  # long enough that two refreshes started together overlap at the sandbox


@pytest.fixture
def shared(sandbox: RunningSandbox, data_dir: Path, db: object, tmp_path: Path) -> Path:
    """A company file connected to the demo organisation, its sign-in in a shared token folder; the sandbox
    strict and slow at the token endpoint."""
    token_dir = tmp_path / "shared-sign-in"
    tokens = sign_in(sandbox.endpoints)
    TokenStore(AppPaths(data_dir, token_dir)).save(new_grant(tokens.refresh_token, CLIENT_ID, tokens.scope))
    xero_settings.save_connection(Organisation(DEMO, seed.DEMO_ORG_NAME), CLIENT_ID)
    sandbox.control.set_refresh_grace(0)
    sandbox.control.set_latency(SLOW_TOKEN_ENDPOINT_S, path="/connect/token")
    return token_dir


def test_the_shared_sign_in_is_a_group_readable_file_in_the_shared_folder(shared: Path, data_dir: Path) -> None:
    store = TokenStore(AppPaths(data_dir, shared))
    assert store.kind is TokenStorageKind.SHARED_FILE
    assert store.file_path == shared / "xero-token.json"
    assert (store.file_path.stat().st_mode & 0o777) == 0o660
    assert store.warning is not None and "shared by the desks" in store.warning
    assert not (data_dir / "xero-token.json").exists()  # not in the desk's own folder


def test_two_desks_refreshing_at_once_rotate_once_each_and_stay_connected(
    sandbox: RunningSandbox, shared: Path, company_location: Path | str, tmp_path: Path
) -> None:
    spawn = multiprocessing.get_context("spawn")  # a desk is a process of its own, with its own connection
    barrier, out = spawn.Barrier(2), spawn.Queue()
    company_file = company_location  # the SQLite file, or (the PostgreSQL leg) the database's URL
    desks = [
        spawn.Process(
            target=refresh_at_once,
            args=(user, company_file, str(tmp_path / user), str(shared), sandbox.endpoints, barrier, out),
        )
        for user in ("alex", "sam")
    ]
    for desk in desks:
        desk.start()
    results = sorted(out.get(timeout=120) for _ in desks)
    for desk in desks:
        desk.join(timeout=60)

    assert results == [("alex", "ok", seed.DEMO_ORG_NAME), ("sam", "ok", seed.DEMO_ORG_NAME)]
    assert xero_settings.load_connection().state is ConnectionState.CONNECTED
    assert XeroTokenRotation.get_by_id(1).locked_by in ("alex", "sam")  # the lock's row: who, never the token
    # The token the second desk saved is the live one: a third refresh (this process) goes through.
    client = open_client(AppPaths(tmp_path / "third", shared), sandbox.endpoints)
    client.session.refresh(client.api_client(), stale_access_token=None)


def test_without_the_lock_the_second_desk_would_present_a_dead_token(
    sandbox: RunningSandbox, shared: Path, data_dir: Path
) -> None:
    """The control: the same two refreshes with no lock around the rotation. Both read the same refresh token; the
    sandbox takes it once and refuses it the second time (invalid_grant), as Xero does once the grace is over."""
    store = TokenStore(AppPaths(data_dir, shared))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def desk() -> None:
        session = TokenSession(CLIENT_ID, sandbox.endpoints, store, rotation_lock=contextlib.nullcontext)
        client = XeroClient(session, DEMO)
        barrier.wait(timeout=30)
        try:
            session.refresh(client.api_client(), stale_access_token=None)
            outcomes.append("ok")
        except ConnectionDropped:
            outcomes.append("dropped")

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["dropped", "ok"]
