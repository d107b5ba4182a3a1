"""One way to call Xero, for the exporter, the payment import and the settings read before a Resync: paced by
the Pacer (the minute limit, several calls in flight), transient trouble retried with backoff that honours
Retry-After (RetryPolicy), and every failure classified (failure_classifier). Safe to use from several threads at
once; it writes nothing to the company file."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from invoice_desktop.xero.export_pacing import Pacer, RetryPolicy
from invoice_desktop.xero.failure_classifier import Failure, classify_exception

RetryHook = Callable[[Failure], None]


class XeroCaller:
    def __init__(self, pacer: Pacer, policy: RetryPolicy, jitter: Callable[[], float] = random.random) -> None:
        self.pacer = pacer
        self.policy = policy
        self._jitter = jitter
        self._lock = threading.Lock()
        self.api_calls = 0

    def call(self, request: Callable[[], Any], on_retry: RetryHook | None = None, *, retries: int | None = None) -> Any:
        """`request()`'s answer, or the Failure it came to: not transient, its retries spent (`retries`, else the
        policy's), or a Retry-After too long to wait out here (it parks the queue instead). `on_retry` hears of each
        failure that is tried again."""
        allowed = self.policy.retries if retries is None else retries
        retry = 0
        while True:
            ticket = self.pacer.before_call()
            with self._lock:
                self.api_calls += 1
            try:
                result = request()
            except Exception as exc:  # classify_exception re-raises what it does not know
                failure = classify_exception(exc)
                self.pacer.observe(getattr(exc, "headers", None), ticket)
                if not failure.transient or retry >= allowed or failure.parks_queue:
                    return failure
                if on_retry is not None:
                    on_retry(failure)
                self.pacer.wait(self.policy.delay(retry, failure.retry_after, self._jitter))
                retry += 1
                continue
            headers = result[2] if isinstance(result, tuple) and len(result) == 3 else getattr(result, "headers", None)
            self.pacer.observe(headers, ticket)
            return result
