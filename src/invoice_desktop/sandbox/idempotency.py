"""Idempotency-Key on PUT/POST (docs/xero-facts.md §3): a key's first response is kept 6 minutes (sandbox clock) and
replayed (status, headers and body) for a repeat of the same request; the same key with a different request
(method, path, query, tenant or body) gets 400. Error responses are kept too. Keys are per app, at most 128
characters. Replays still count against the rate limits (the server checks limits before asking here)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

WINDOW_SECONDS = 360.0
MAX_KEY_LENGTH = 128


def key_reused_message(key: str) -> str:
    return f"Idempotency Key {key} is used with a different request."


def key_too_long_message() -> str:
    return f"Idempotency Key must be {MAX_KEY_LENGTH} characters or fewer."


def fingerprint(method: str, path: str, query_string: str, tenant_id: str, body: bytes) -> str:
    query = "&".join(f"{k.lower()}={v}" for k, v in sorted(parse_qsl(query_string, keep_blank_values=True)))
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()} {path.lower()}?{query} tenant={tenant_id.lower()} body={digest}"


@dataclass
class CachedResponse:
    fingerprint: str
    status: int
    headers: dict[str, str]
    body: bytes
    stored_at: float


@dataclass
class IdempotencyCache:
    entries: dict[tuple[str, str], CachedResponse] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lookup(self, client_id: str, key: str, print_: str, now: float) -> CachedResponse | bool | None:
        """The cached response, None when the key is new (or expired), False when it was used differently."""
        with self.lock:
            entry = self.entries.get((client_id, key))
            if entry is None or now - entry.stored_at >= WINDOW_SECONDS:
                self.entries.pop((client_id, key), None)
                return None
            if entry.fingerprint != print_:
                return False
            return entry

    def store(self, client_id: str, key: str, entry: CachedResponse) -> None:
        with self.lock:
            self.entries[(client_id, key)] = entry

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
