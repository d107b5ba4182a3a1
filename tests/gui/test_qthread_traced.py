"""While coverage measures, a QThread's run() runs under its tracer (tests/conftest.py: trace_qthreads), so lines
run only in a QThread are counted. Without a tracer for new threads (pytest --no-cov) there is nothing to check."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QThread


def test_a_qthread_runs_under_the_tracer_new_threads_get() -> None:
    if threading.gettrace() is None:
        pytest.skip("no tracer for new threads: coverage is not measuring")

    class Probe(QThread):
        def run(self) -> None:
            self.tracer = sys.gettrace()
            self.ident = threading.get_ident()

    probe = Probe()
    probe.start()
    assert probe.wait(30_000)
    assert probe.ident != threading.get_ident()  # it ran in a thread of its own
    assert probe.tracer is not None
