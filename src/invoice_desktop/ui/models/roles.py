"""Custom item data roles shared by the table models."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import Qt


class ItemRole(IntEnum):
    ID = Qt.ItemDataRole.UserRole + 1  # the entity's database id: rows are matched by id, never by row index
    RECORD = Qt.ItemDataRole.UserRole + 2  # the plain dataclass behind the row
