"""One run against Xero at a time in the window: the Xero Exports tab's Resync and the automatic export and payment
import (ui.auto_export) take this gate before they start their worker and give it back when the thread has ended.

The engine's atomic claim (xero.export_queue) already keeps two runs from sending one invoice, in this process or
another (a scheduled `xero sync`); the gate only spares the window pointless overlap and two progress displays
counting the same queue. It lives in the GUI thread: `try_acquire` / `release` are called from there only.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ExportGate(QObject):
    changed = Signal(bool)  # busy: a run holds the gate now (False: it was just given back)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._holder: object | None = None

    @property
    def busy(self) -> bool:
        return self._holder is not None

    def held_by(self, holder: object) -> bool:
        return self._holder is holder

    def try_acquire(self, holder: object) -> bool:
        """Take the gate for `holder`; False when another run holds it (True again for the one holding it)."""
        if self._holder is holder:
            return True
        if self._holder is not None:
            return False
        self._holder = holder
        self.changed.emit(True)
        return True

    def release(self, holder: object) -> None:
        """Give the gate back (only its holder can; anyone else's call changes nothing)."""
        if self._holder is holder:
            self._holder = None
            self.changed.emit(False)
