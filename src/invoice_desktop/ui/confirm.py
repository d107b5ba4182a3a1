"""The questions asked before something is lost: "this cannot be undone" before deleting or voiding something, and
"Discard changes?" before closing a window whose changes are not saved. Their texts are plain text (they name
invoices and clients: ui.plain_text)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from invoice_desktop.ui.plain_text import message_box

DISCARD_TITLE = "Discard changes?"


def ask_destructive(
    parent: QWidget, title: str, text: str, button: str, confirmed: Callable[[], object]
) -> QMessageBox:
    """Open (not exec) a question with Cancel as the default and one destructive button, `button`, that calls
    `confirmed`; the box deletes itself when it closes. Returned so tests can click it."""
    box = message_box(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.addButton(button, QMessageBox.ButtonRole.DestructiveRole)
    box.buttonClicked.connect(
        lambda b: confirmed() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole else None
    )
    return _open(box)


def ask_discard(
    parent: QWidget, text: str, discard: Callable[[], object], save: Callable[[], object] | None = None
) -> QMessageBox:
    """Open (not exec) "Discard changes?" for a window closed with unsaved changes: Discard calls `discard`,
    Save (offered when `save` is given) calls `save`, and Cancel, the default, keeps the window open. The box
    deletes itself when it closes. Returned so tests can click it."""
    buttons = QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
    if save is not None:
        buttons |= QMessageBox.StandardButton.Save
    box = message_box(QMessageBox.Icon.Question, DISCARD_TITLE, text, buttons, parent)
    answers = {QMessageBox.StandardButton.Discard: discard, QMessageBox.StandardButton.Save: save}

    def answered(button: QAbstractButton) -> None:
        answer = answers.get(box.standardButton(button))
        if answer is not None:
            answer()

    box.buttonClicked.connect(answered)
    return _open(box)


def _open(box: QMessageBox) -> QMessageBox:
    """Cancel as the default; open the box window-modal, deleted once it closes."""
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(box.deleteLater)
    box.open()
    return box
