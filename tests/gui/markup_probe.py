"""What the window shows of a text, as a person reads it, and a sweep for markup drawn from data.

`shown(text, format)` is what Qt draws of a text: a tooltip, a QLabel at AutoText or a QMessageBox text is rich text
when Qt::mightBeRichText says so (then what a person reads is the rendered document's plain text), a window title
drops Qt's "[*]", a button (a menu item, a label with a buddy) takes "&" for its shortcut mark. `hostile(tag)` is
data a hostile tester types or Xero sends: `<b>`, `<img>`, `<a href>`, an entity, "[*]" and "&". `shown_texts(widget)`
lists everything a widget and its children show (labels, tooltips, status and What's This tips, titles, button and
tab texts, menu items, every cell and header of every item view: display and tooltip), and
`assert_shown_literally(widget, *values)` checks that wherever a value's tag shows, the whole value shows, character
for character: a `<b>` drawn as bold, an image swallowed, a link made, an entity decoded, "[*]" or "&" dropped leaves
the tag without its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QGroupBox,
    QLabel,
    QMenu,
    QStatusBar,
    QTabBar,
    QWidget,
)

TOOLTIP = Qt.ItemDataRole.ToolTipRole


def hostile(tag: str) -> str:
    """Markup as data: each piece would show as something else if it were taken for rich text or a title/button mark."""
    return f'{tag}<b>bold</b> <img src=x> <a href="http://evil">x</a> &amp; [*] R&D'


def shown(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What a person reads of `text` in a label (of that format) or a tooltip (always AutoText)."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGuiNamespace.mightBeRichText(text)
    )
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def shown_mnemonic(text: str) -> str:
    """A button's, tab's, menu item's or buddy label's text as shown: "&&" is "&", a single "&" marks the shortcut and
    is not shown."""
    return re.sub(r"&(.)", r"\1", text)


def shown_title(widget: QWidget) -> str:
    """A window's title as the window system gets it (Qt drops an odd "[*]" when the window is not modified)."""
    handle = widget.windowHandle()
    if handle is not None:
        return handle.title()
    return re.sub(r"(?:\[\*\])+", lambda m: "[*]" * (len(m.group()) // 6), widget.windowTitle())


def shown_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, what is shown) for everything `root` and its children show."""
    for widget in [root, *root.findChildren(QWidget)]:
        name = f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()!r}"
        if widget.isWindow():
            yield f"{name} title", shown_title(widget)
        for what, tip in (("tooltip", widget.toolTip()), ("what's this", widget.whatsThis())):
            if tip:
                yield f"{name} {what}", shown(tip)
        if widget.statusTip():
            yield f"{name} status tip", widget.statusTip()
        if isinstance(widget, QLabel):
            text = shown(widget.text(), widget.textFormat())
            yield f"{name} text", shown_mnemonic(text) if widget.buddy() is not None else text
        if isinstance(widget, QAbstractButton):
            yield f"{name} text", shown_mnemonic(widget.text())
        if isinstance(widget, QGroupBox):
            yield f"{name} title", shown_mnemonic(widget.title())
        if isinstance(widget, QTabBar):
            for i in range(widget.count()):
                yield f"{name} tab {i}", shown_mnemonic(widget.tabText(i))
                yield f"{name} tab {i} tooltip", shown(widget.tabToolTip(i))
        if isinstance(widget, QStatusBar):
            yield f"{name} message", widget.currentMessage()
        if isinstance(widget, QMenu):
            for action in widget.actions():
                yield f"{name} item", shown_mnemonic(action.text())
                yield f"{name} item tooltip", shown(action.toolTip())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            yield from _model_texts(name, widget.model())


def _model_texts(name: str, model: QAbstractItemModel) -> Iterator[tuple[str, str]]:
    top = QModelIndex()
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(top)  # a list's is private
    for column in range(columns):
        for role in (Qt.ItemDataRole.DisplayRole, TOOLTIP):
            header = model.headerData(column, Qt.Orientation.Horizontal, role)
            if isinstance(header, str):
                yield f"{name} header {column}", shown(header) if role == TOOLTIP else header
    for row in range(model.rowCount(top)):
        for column in range(columns):
            index = model.index(row, column, top)
            display, tip = index.data(Qt.ItemDataRole.DisplayRole), index.data(TOOLTIP)
            if isinstance(display, str):  # the standard delegate draws it as plain text
                yield f"{name} cell {row},{column}", display
            if isinstance(tip, str):
                yield f"{name} cell {row},{column} tooltip", shown(tip)


def assert_shown_literally(root: QWidget, *values: str) -> list[tuple[str, str]]:
    """Wherever one of `values` shows in `root` (its tag: the text before its first "<"), it shows whole, as it is.
    Returns the places that showed one, for the caller to check they are the ones expected."""
    places: list[tuple[str, str]] = []
    for where, text in shown_texts(root):
        for value in values:
            tag = value.split("<", 1)[0]
            if tag in text:
                assert value in text, f"{where} shows {text!r}, not the literal {value!r}"
                places.append((where, text))
    return places


def visible_tooltip() -> QLabel:
    """The tooltip on screen (Qt's QTipLabel: a QLabel at AutoText)."""
    labels = [w for w in QApplication.topLevelWidgets() if w.metaObject().className() == "QTipLabel" and w.isVisible()]
    assert labels and isinstance(labels[0], QLabel), "no tooltip is shown"
    return labels[0]
