"""Fault switches: what can go wrong between the app and Xero, switched on from Python, the control path or the
admin page.

A fault is armed for the next `count` matching calls (`count=None`: until cleared). By default it matches the
Accounting API (`/api.xro/2.0/`); `path` narrows it to paths containing that text (case-insensitive) and `method`
to one HTTP method. The first armed fault that matches a call fires and uses up one of its calls.

Kinds:
- ``server_error``: 500 with Xero's JSON body.
- ``offline``: 503, plain text "The Organisation is Offline".
- ``hang``: no response; the socket stays open until the client gives up (or `hang_seconds` pass).
- ``reset``: the connection is reset (RST) without a response.
- ``malformed_json``: 200 with a truncated JSON body (nothing is processed).
- ``drop_after_commit``: the call is processed and stored (and its idempotent response kept), then the socket
  closes before the reply.
- ``conflict``: 409 Conflict in the gateway's problem-details shape; nothing is processed.
- ``no_permission``: 403 with Detail "AuthorizationUnsuccessful": the user or app may not make this call (the
  tenant is still connected; compare disconnect_tenant's 403 "AuthenticationUnsuccessful").

`warn_next(count, message)` is no fault of the call: the next `count` invoices the sandbox creates (elements that
pass) come back created, with StatusAttributeString "WARNING" and `Warnings: [{"Message": message}]`.

`latency_seconds` delays every matching call (inside its rate-limit slot, so it also exercises the concurrency
limit). Revoking the app, disconnecting a tenant and exhausting a limit are actions on state, in control.py.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field

API_PREFIX = "/api.xro/2.0/"
DEFAULT_WARNING = "The sandbox was asked to warn about this invoice (warn_next)."


class FaultKind(enum.StrEnum):
    SERVER_ERROR = "server_error"
    OFFLINE = "offline"
    HANG = "hang"
    RESET = "reset"
    MALFORMED_JSON = "malformed_json"
    DROP_AFTER_COMMIT = "drop_after_commit"
    CONFLICT = "conflict"
    NO_PERMISSION = "no_permission"


PRE_PROCESSING = frozenset(
    {FaultKind.SERVER_ERROR, FaultKind.OFFLINE, FaultKind.HANG, FaultKind.RESET, FaultKind.MALFORMED_JSON,
     FaultKind.CONFLICT, FaultKind.NO_PERMISSION}
)  # fmt: skip


@dataclass
class ArmedFault:
    kind: FaultKind
    remaining: int | None  # None: until cleared
    path: str = API_PREFIX
    method: str = ""

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return self.path.lower() in path.lower()


@dataclass
class Faults:
    """The switches of one running sandbox. Thread-safe; every method may be called from any thread."""

    armed: list[ArmedFault] = field(default_factory=list)
    latency_seconds: float = 0.0
    latency_path: str = API_PREFIX
    hang_seconds: float = 120.0
    fired: list[tuple[FaultKind, str, str]] = field(default_factory=list)  # (kind, method, path), for tests
    warnings_left: int = 0
    warning_message: str = DEFAULT_WARNING
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arm(
        self, kind: FaultKind | str, count: int | None = 1, *, path: str = API_PREFIX, method: str = ""
    ) -> ArmedFault:
        if count is not None and count < 1:
            raise ValueError("count must be at least 1 (or None for 'until cleared')")
        fault = ArmedFault(FaultKind(kind), count, path or API_PREFIX, method.upper())
        with self._lock:
            self.armed.append(fault)
        return fault

    # Shorthands, named after what a test wants to happen.
    def fail_next(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.SERVER_ERROR, count, **where)

    def offline(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.OFFLINE, count, **where)

    def hang(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.HANG, count, **where)

    def reset(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.RESET, count, **where)

    def malformed_json(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.MALFORMED_JSON, count, **where)

    def drop_after_commit(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.DROP_AFTER_COMMIT, count, **where)

    def conflict(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.CONFLICT, count, **where)

    def no_permission(self, count: int | None = 1, **where: str) -> ArmedFault:
        return self.arm(FaultKind.NO_PERMISSION, count, **where)

    def set_latency(self, seconds: float, path: str = API_PREFIX) -> None:
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        with self._lock:
            self.latency_seconds = float(seconds)
            self.latency_path = path or API_PREFIX

    def latency_for(self, path: str) -> float:
        with self._lock:
            return self.latency_seconds if self.latency_path.lower() in path.lower() else 0.0

    def warn_next(self, count: int = 1, message: str = DEFAULT_WARNING) -> None:
        with self._lock:
            self.warnings_left, self.warning_message = count, message

    def take_warning(self) -> str | None:
        """The warning for the invoice being created now, if the switch is on (using up one of its invoices)."""
        with self._lock:
            if self.warnings_left <= 0:
                return None
            self.warnings_left -= 1
            return self.warning_message

    def clear(self) -> None:
        with self._lock:
            self.armed.clear()
            self.warnings_left = 0
            self.latency_seconds = 0.0
            self.latency_path = API_PREFIX

    def take(self, method: str, path: str, kinds: frozenset[FaultKind]) -> FaultKind | None:
        """The fault that fires for this call (using up one of its calls), if any."""
        with self._lock:
            for fault in self.armed:
                if fault.kind in kinds and fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self.armed.remove(fault)
                    self.fired.append((fault.kind, method, path))
                    return fault.kind
        return None

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {
                "armed": [
                    {"kind": f.kind.value, "remaining": f.remaining, "path": f.path, "method": f.method}
                    for f in self.armed
                ],
                "latency_seconds": self.latency_seconds,
                "latency_path": self.latency_path,
                "warnings_left": self.warnings_left,
            }
