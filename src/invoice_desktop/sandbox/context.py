"""Everything one running sandbox shares between its request handlers and its control functions."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.clock import SandboxClock
from invoice_desktop.sandbox.faults import Faults
from invoice_desktop.sandbox.idempotency import IdempotencyCache
from invoice_desktop.sandbox.limits import RateLimiter, RateLimits
from invoice_desktop.sandbox.state import SandboxState
from invoice_desktop.sandbox.state_file import StateStore

PROVIDER_NAME = "Invoice Desktop Sandbox"
# Xero refuses a request body over 10 MB (its limits page today; an older page said 3.5 MB): the stricter reading
# of "10 MB", 10,000,000 bytes, so a body the sandbox takes is never one Xero refuses for its size.
XERO_MAX_BODY_BYTES = 10_000_000


@dataclass
class SandboxOptions:
    """Behaviour switches that are not faults."""

    auto_approve: bool = False  # the consent page approves every organisation at once (headless connects)
    summarized_commits_valid: bool = False  # Xero's quirk: a summarised 400 still creates the valid elements
    provider_name: str = PROVIDER_NAME
    max_body_bytes: int = XERO_MAX_BODY_BYTES  # larger Accounting API bodies get 413 (other paths: 64 KiB at most)
    # How long a used refresh token still works (Xero: 30 minutes, docs/xero-facts.md §4.3); 0: it dies at once,
    # the strictest reading, for tests of two desks refreshing together.
    refresh_grace_seconds: float = 1800.0


@dataclass
class SandboxContext:
    state: SandboxState
    clock: SandboxClock
    limiter: RateLimiter
    faults: Faults = field(default_factory=Faults)
    options: SandboxOptions = field(default_factory=SandboxOptions)
    idempotency: IdempotencyCache = field(default_factory=IdempotencyCache)
    store: StateStore | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    def persist(self) -> None:
        """Save the state (when the sandbox has a state directory). Call with or without the state lock."""
        if self.store is None:
            return
        with self.state.lock:
            self.state.clock_offset = self.clock.offset
            self.store.save(self.state)

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)
        with self.state.lock:
            self.state.clock_offset = self.clock.offset
        self.persist()


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def build_context(
    state_dir: Path | None = None, clock: SandboxClock | None = None, limits: RateLimits | None = None
) -> SandboxContext:
    """Load the saved state from `state_dir` (or seed a fresh one) and wire the parts together."""
    store = StateStore(state_dir) if state_dir is not None else None
    state = store.load() if store is not None else None
    if clock is None:
        clock = SandboxClock(state.clock_offset if state is not None else 0.0)
    if state is None:
        state = SandboxState(organisations=seed.build_organisations(clock.now()), clock_offset=clock.offset)
    context = SandboxContext(state=state, clock=clock, limiter=RateLimiter(limits or RateLimits(), clock), store=store)
    context.persist()
    return context
