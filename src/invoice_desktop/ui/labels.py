"""Read-only values in the panels (Invoice Information's Xero panel, Settings > Xero's Connection section), and the
names the window gives the same thing wherever it shows it."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from invoice_desktop.store.failures import PREFLIGHT_NOTE_START, FailureCategory, said_by_xero

SYNC_FAILED = "Sync Failed"  # an export Xero refused or could not take: the invoice tabs, Xero Exports, the panel
XERO_SAID = "Xero said"  # Xero's own words (store.failures.said_by_xero), quoted
DETAILS = "Details"  # the app's words about a failure (found before sending, Xero unreachable, ...)


def words_label(category: FailureCategory | None, answered: bool) -> str:
    """What a failure's messages are labelled: "Xero said" only for Xero's own words."""
    return XERO_SAID if said_by_xero(category, answered) else DETAILS


def quoted(label: str, message: str) -> str:
    """'Xero said: “…”' (Xero's words, quoted) or 'Details: …' (the app's)."""
    return f"{label}: “{message}”" if label == XERO_SAID else f"{label}: {message}"


EXPORT_THIS_ONE = "export it again (Options > Export to Xero)"  # Invoice Information's way to send one invoice


def for_this_invoice(hint: str) -> str:
    """A failure's hint as Invoice Information says it: its action is Options > Export to Xero; Resync is the
    Xero Exports tab's ("…, then Resync." -> "…, then export it again (Options > Export to Xero).")."""
    return re.sub(r"\bResync\b", EXPORT_THIS_ONE, hint)


def preflight_found(note: str) -> bool:
    """The failure was found before sending (no call to Xero: the messages are the app's)."""
    return note.startswith(PREFLIGHT_NOTE_START)


def value_label(name: str, parent: QWidget) -> QLabel:
    """A wrapped plain-text label the user can select and copy from, named `name` for screen readers."""
    label = QLabel(parent)
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
