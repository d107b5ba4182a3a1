"""The "this cannot be undone" question before deleting or voiding something."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def ask_destructive(
    parent: QWidget, title: str, text: str, button: str, confirmed: Callable[[], object]
) -> QMessageBox:
    """Open (not exec) a question with Cancel as the default and one destructive button, `button`, that calls
    `confirmed`; the box deletes itself when it closes. Returned so tests can click it."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.addButton(button, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(
        lambda b: confirmed() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole else None
    )
    box.finished.connect(box.deleteLater)
    box.open()
    return box
