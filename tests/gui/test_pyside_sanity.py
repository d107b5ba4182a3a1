"""The Qt binding we ship must not corrupt the interpreter: PySide6 6.12.0 lost a reference to True on every
Signal.disconnect(), which aborts Python 3.11 ("bool_dealloc") after enough disconnects. pyproject.toml keeps
that release out; this test catches a binding with that kind of fault: a reference lost or leaked on connect,
emit or disconnect.

True is immortal from Python 3.12 on (PEP 683: its count never moves), so counting True alone proves nothing
there. The objects a signal connection really holds are counted on every version: the slot function, the
receiver of a bound-method slot, an argument carried by emit, the emitter. True is counted too where its count
moves. `test_the_count_sees_a_lost_reference` shows the counting would see a fault on this interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

CYCLES = 2000

SCRIPT = """
import ctypes, json, sys
from PySide6.QtCore import QObject, Signal

class Emitter(QObject):
    fired = Signal()
    carried = Signal(object)

class Receiver:
    def slot(self, *args):
        pass

def slot(*args):
    pass

emitter, receiver, payload = Emitter(), Receiver(), object()
watched = {"slot": slot, "receiver": receiver, "payload": payload, "emitter": emitter, "True": True}
leak = sys.argv[2] == "leak"  # the control: one reference of each watched object leaked per cycle, on purpose

def counts():
    return {name: sys.getrefcount(value) for name, value in watched.items()}

before = counts()
for _ in range(int(sys.argv[1])):
    emitter.fired.connect(slot)
    emitter.fired.disconnect(slot)
    emitter.carried.connect(receiver.slot)
    emitter.carried.emit(payload)
    emitter.carried.disconnect(receiver.slot)
    if leak:
        for value in watched.values():
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))
after = counts()
print(json.dumps({name: after[name] - before[name] for name in watched}))
"""


def drift(mode: str) -> dict[str, int]:
    """How far each watched object's reference count moved over CYCLES connect/emit/disconnect cycles."""
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(CYCLES), mode], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr  # a binding that drops a reference too many aborts the interpreter
    return json.loads(run.stdout)


def test_signal_connect_emit_and_disconnect_keep_reference_counts() -> None:
    moved = drift("plain")
    assert {name: n for name, n in moved.items() if abs(n) >= 100} == {}  # a fault shows as ±2,000 (or a crash)


def test_the_count_sees_a_lost_reference() -> None:
    """The control: a reference leaked on purpose every cycle shows on each mortal object (True too before 3.12)."""
    moved = drift("leak")
    mortal = {name: n for name, n in moved.items() if name != "True"}
    assert all(n >= CYCLES for n in mortal.values()), mortal
    assert moved["True"] >= CYCLES or sys.version_info >= (3, 12), moved
