"""A table's columns described as data: `Column[R]` says what one column shows of a row `R` in each role.

Every table model of the window is a `ColumnsModel` (ui/models/table_model.py) over a tuple of these. A column
gives its title, the cell text, the alignment, and per role a function of the row (tooltip, colour, bold,
accessible text, the value an editor starts from); how it sorts (`sort_key` in memory, `order` for the SQL query
of a paged list); the view's hints (`sample`: the typical widest content, for the initial width; `link`: a plain
click opens the invoice); and `check`: the checkbox column of a list whose rows can be ticked.

`looks()` is the palette's link colour, the status colours (error, warning) and a bold font, made again only when
the palette changes (the painting roles are asked for on every repaint; a QLocale or QPalette call each time adds
up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from invoice_desktop.ui.status_colours import StatusColour, muted_colour, status_colour

R = TypeVar("R")

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def no_text(_row: object) -> str:
    return ""


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str] = no_text
    alignment: Qt.AlignmentFlag = LEFT
    tooltip: Callable[[R], str | None] | None = None
    foreground: Callable[[R], QColor | None] | None = None  # the text colour (None: the palette's)
    bold: Callable[[R], bool] | None = None
    accessible: Callable[[R], str | None] | None = None  # what a screen reader says instead of the text
    edit: Callable[[R], str] | None = None  # the value an editor starts from: the column is editable
    sort_key: Callable[[R], Any] | None = None  # sorts a list held in memory (None: not sortable that way)
    order: str | None = None  # what a paged list's SQL query sorts by (None: not sortable that way)
    sample: str = ""  # typical widest content, for the view's initial column width ("" = stretch)
    link: bool = False  # drawn as a link: a plain click on the cell opens the invoice
    check: bool = False  # the checkbox column of a list whose rows can be ticked (ui/models/checkable.py)
    name: str = ""  # what the code calls the column, where it needs to (the line items' LineEntry field)

    @property
    def sortable(self) -> bool:
        return self.sort_key is not None or self.order is not None


def check_column(tooltip: str) -> Column[Any]:
    """The checkbox column; `tooltip` is its cells' ("Tick to include this invoice")."""
    return Column("", tooltip=lambda _row: tooltip, check=True)


class HasNumber(Protocol):
    @property
    def number(self) -> str: ...


def _number(row: HasNumber) -> str:
    return row.number


def _open_tip(row: HasNumber) -> str:
    return f"Open {row.number}"


def invoice_number_column(order: str) -> Column[Any]:
    """Invoice #, drawn as a link that opens the invoice (every invoice list starts with it)."""
    return Column(
        "Invoice #", _number, tooltip=_open_tip, sort_key=_number, order=order, sample="INV-000000", link=True
    )


class Looks:
    """The link colour, the status colours and the bold font of the current palette (see the module's docstring)."""

    def __init__(self) -> None:
        self._key: int | None = None
        self.link = self.error = self.warning = self.muted = QColor()
        self.bold = QFont()

    def current(self) -> Looks:
        palette = QGuiApplication.palette()
        key = palette.cacheKey()
        if key != self._key:
            self._key = key
            self.link = palette.color(QPalette.ColorRole.Link)
            self.error = status_colour(StatusColour.ERROR, palette)
            self.warning = status_colour(StatusColour.WARNING, palette)
            self.muted = muted_colour(palette)
            self.bold = QFont()
            self.bold.setBold(True)
        return self


_LOOKS = Looks()


def looks() -> Looks:
    return _LOOKS.current()
