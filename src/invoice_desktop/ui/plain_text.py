"""Text from a user, a file or Xero is data, never markup: how the window shows it as what it is.

Qt guesses. A tooltip (a widget's, an action's, a model's ToolTipRole data), a QLabel left at its default
AutoText and a QMessageBox's texts are drawn as rich text when they look like it (Qt::mightBeRichText), so an
invoice number or an error from Xero holding `<b>`, `<img>` or `<a href>` was drawn as bold, an image, a link.
A window title drops Qt's "[*]" placeholder, and a button's text (a menu item's, a label's with a buddy) takes "&"
for a shortcut mark. So:

- `tooltip(text)` for every tooltip: the text escaped inside a rich-text paragraph, shown exactly (line breaks and
  runs of spaces kept). A `Markup` (a rich-text template made on purpose, every piece of data in it escaped) passes
  as it is.
- `show_text(label, text)`: a label shows plain text as plain text (`Qt.PlainText`), a `Markup` as rich text.
  Labels that only ever show plain text are made plain once (`plain_label`, ui.labels.value_label).
- `message_box(...)`: a QMessageBox whose text and informative text are plain text.
- `window_title(text)` and `literal_ampersands(text)`: "[*]" and "&" in data shown as they are.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


class Markup(str):
    """Rich text made on purpose by the window, with every piece of data in it escaped (html.escape)."""


def as_markup(text: str) -> Markup:
    """Plain text as rich text that shows exactly `text` (escaped; spaces and line breaks kept)."""
    if isinstance(text, Markup):
        return text
    return Markup(f'<p style="white-space:pre-wrap">{html.escape(text)}</p>')


def tooltip(text: str | None) -> str:
    """A tooltip that shows `text` as it is ("" for none, which shows no tooltip)."""
    return as_markup(text) if text else ""


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def show_text(label: QLabel, text: str) -> None:
    """Plain text as plain text; a Markup as rich text."""
    rich = isinstance(text, Markup)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setText(text)


def message_box(
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton,
    parent: QWidget | None = None,
    informative: str = "",
) -> QMessageBox:
    """A QMessageBox showing `text` (and `informative`, under it) as plain text."""
    box = QMessageBox(icon, window_title(title), "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # the informative text follows the box's format
    box.setText(text)
    if informative:
        box.setInformativeText(informative)
    return box


PLACEHOLDER = "[*]"  # Qt's "window modified" mark in a window title: removed when shown, unless doubled


def window_title(text: str) -> str:
    """A window title that shows `text` as it is ("[*]" in it doubled, which Qt shows as "[*]")."""
    return text.replace(PLACEHOLDER, PLACEHOLDER * 2)


def literal_ampersands(text: str) -> str:
    """Data in a text Qt reads shortcut marks in (a button's, a menu item's, a label's with a buddy): "&" shown, not
    taken for the shortcut mark."""
    return text.replace("&", "&&")
