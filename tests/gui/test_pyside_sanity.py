"""The Qt binding we ship must not corrupt the interpreter: PySide6 6.12.0 lost a reference to True on every
Signal.disconnect(), which aborts Python 3.11 ("bool_dealloc") after enough disconnects. pyproject.toml keeps
that release out; this test catches a binding with the same fault."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QObject, Signal

class Emitter(QObject):
    fired = Signal()

def slot():
    pass

emitter = Emitter()
before = sys.getrefcount(True)
for _ in range(2000):
    emitter.fired.connect(slot)
    emitter.fired.disconnect(slot)
print(sys.getrefcount(True) - before)
"""


def test_signal_disconnect_keeps_reference_counts() -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert abs(int(run.stdout)) < 100  # 2,000 disconnects: a leak shows as -2,000 (or a crash)
