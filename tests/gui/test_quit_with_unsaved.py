"""Closing the main window while an invoice editor holds unsaved changes asks first (the editor's own "Discard
changes?"); the app stays open until the question is answered, and closes at once when nothing is unsaved."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

Button = QMessageBox.StandardButton


def open_questions(window) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_quitting_with_a_changed_editor_asks_first(qtbot, main_window):
    main_window.show()
    qtbot.waitExposed(main_window)
    editor = main_window.invoice_windows.new_invoice()
    qtbot.waitExposed(editor)
    editor.client_combo.setEditText("Acme Ltd")
    assert editor.has_unsaved_changes()

    assert not main_window.close()  # the editor asked: nothing closes yet
    assert main_window.isVisible() and editor.isVisible()
    qtbot.waitUntil(lambda: len(open_questions(editor)) == 1)
    question = open_questions(editor)[0]
    qtbot.mouseClick(question.button(Button.Discard), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.isVisible())

    assert main_window.close()


def test_quitting_with_an_unchanged_editor_closes_everything(qtbot, main_window):
    main_window.show()
    qtbot.waitExposed(main_window)
    editor = main_window.invoice_windows.new_invoice()
    qtbot.waitExposed(editor)
    assert main_window.close()
    assert not editor.isVisible()
