"""The invoice editor's line items: an editable table of what the user typed, with each line's amount worked
out live the way Xero does it (ledger.money).

Cells hold the text as typed, so "abc" in Quantity stays on screen and is reported instead of vanishing;
`lines()` turns the rows into `LineDraft`s plus the problems found on the way. Problems from a save attempt
are shown on their cells (red text, the message as tooltip) until the cell is edited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from invoice_desktop.ledger.errors import Problem
from invoice_desktop.ledger.invoices import LineDraft
from invoice_desktop.ledger.money import CENT, LineFigures, LineTotals, compute_line, in_limits
from invoice_desktop.store.models import AmountsType
from invoice_desktop.ui.form_fields import parse_decimal
from invoice_desktop.ui.formatting import account_text, format_money, format_quantity
from invoice_desktop.ui.plain_text import tooltip
from invoice_desktop.ui.status_colours import StatusColour, status_colour

ModelIndex = QModelIndex | QPersistentModelIndex

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class LineEntry:
    """One row as typed."""

    description: str = ""
    quantity: str = "1"
    unit_amount: str = ""
    account_code: str = ""
    tax_rate_name: str = ""

    def is_blank(self) -> bool:
        return not self.description.strip() and not self.unit_amount.strip()

    @classmethod
    def from_draft(cls, line: LineDraft) -> LineEntry:
        return cls(
            line.description,
            format_quantity(line.quantity),
            _price_text(line.unit_amount),
            line.account_code,
            line.tax_rate_name,
        )


def _price_text(value: Decimal) -> str:
    """480 -> '480.00'; 12.3456 keeps its four places."""
    return f"{value:.2f}" if value == value.quantize(CENT) else f"{value.normalize():f}"


@dataclass(frozen=True)
class LineColumn:
    field: str  # a LineEntry field, or "" for the computed amount
    title: str
    alignment: Qt.AlignmentFlag = _LEFT


LINE_COLUMNS: tuple[LineColumn, ...] = (
    LineColumn("description", "Description"),
    LineColumn("quantity", "Quantity", _RIGHT),
    LineColumn("unit_amount", "Unit price", _RIGHT),
    LineColumn("account_code", "Account"),
    LineColumn("tax_rate_name", "Tax rate"),
    LineColumn("", "Amount", _RIGHT),
)
COLUMN_OF = {c.field: i for i, c in enumerate(LINE_COLUMNS) if c.field}
_NUMBERS = ("quantity", "unit_amount")
assert {f.name for f in fields(LineEntry)} == set(COLUMN_OF)


class LineItemsModel(QAbstractTableModel):
    def __init__(
        self,
        account_names: Mapping[str, str],
        tax_rates: Mapping[str, Decimal],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._accounts = dict(account_names)  # code -> name
        self._rates = dict(tax_rates)  # name -> percent
        self._amounts = AmountsType.EXCLUSIVE
        self._rows: list[LineEntry] = []
        self._problems: dict[tuple[int, str], str] = {}

    # --- contents ---

    def entries(self) -> list[LineEntry]:
        return list(self._rows)

    def set_entries(self, entries: Sequence[LineEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self._problems.clear()
        self.endResetModel()

    def add_line(self, entry: LineEntry | None = None) -> int:
        """Append a line (account and tax rate as on the last line, unless given); returns its row."""
        if entry is None:
            last = self._rows[-1] if self._rows else LineEntry()
            entry = LineEntry(account_code=last.account_code, tax_rate_name=last.tax_rate_name)
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(entry)
        self.endInsertRows()
        return row

    def remove_line(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self._problems = {(r - (r > row), f): m for (r, f), m in self._problems.items() if r != row}
            self.endRemoveRows()

    def set_amounts_type(self, amounts: AmountsType) -> None:
        if amounts is not self._amounts:
            self._amounts = amounts
            self._amounts_changed()

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Mark the cells these line problems are about (their `line` is the table row)."""
        self._problems = {(p.line, p.field): p.message for p in problems if p.line is not None and p.field in COLUMN_OF}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(LINE_COLUMNS) - 1))

    # --- figures ---

    def figures(self, row: int) -> LineFigures | None:
        """The row's figures for ledger.money, or None when its quantity or price is not a number, or not one the
        ledger keeps (too large: ledger.money's limits; saving says so)."""
        entry = self._rows[row]
        quantity, unit = parse_decimal(entry.quantity), parse_decimal(entry.unit_amount)
        if quantity is None or unit is None or not in_limits(quantity, unit):
            return None
        return LineFigures(quantity, unit, self._rates.get(entry.tax_rate_name.strip(), Decimal(0)))

    def line_totals(self, row: int) -> LineTotals | None:
        figures = self.figures(row)
        return None if figures is None else compute_line(figures, self._amounts)

    def lines(self) -> tuple[list[LineDraft], list[int], list[Problem]]:
        """The non-blank rows as LineDrafts, the table row of each, and what could not be read. A number that
        cannot be read is given as 0 in its LineDraft, so the ledger's own checks still see the rest of the line."""
        drafts: list[LineDraft] = []
        rows: list[int] = []
        problems: list[Problem] = []
        for row, entry in enumerate(self._rows):
            if entry.is_blank():
                continue
            values: dict[str, Decimal] = {}
            for name in _NUMBERS:
                text = getattr(entry, name)
                value = parse_decimal(text)
                if value is None:
                    message = "enter a number" if not text.strip() else f"“{text.strip()}” is not a number"
                    problems.append(Problem(name, message, row))
                values[name] = value if value is not None else Decimal(0)
            drafts.append(
                LineDraft(
                    entry.description,
                    values["quantity"],
                    values["unit_amount"],
                    entry.account_code,
                    entry.tax_rate_name,
                )
            )
            rows.append(row)
        return drafts, rows, problems

    # --- QAbstractTableModel ---

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LINE_COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(LINE_COLUMNS):
            return None
        row, column = index.row(), LINE_COLUMNS[index.column()]
        entry = self._rows[row]
        problem = self._problems.get((row, column.field))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return status_colour(StatusColour.ERROR)
        if role == Qt.ItemDataRole.ToolTipRole and problem:
            return tooltip(problem)
        if not column.field:  # the computed amount
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                totals = None if entry.is_blank() else self.line_totals(row)
                return "" if entry.is_blank() else ("—" if totals is None else format_money(totals.line_amount))
            return None
        value = getattr(entry, column.field)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(column.field, value)
        return None

    def _display(self, field: str, value: str) -> str:
        if field == "account_code" and value:
            return account_text(value, self._accounts.get(value, ""))
        if field == "tax_rate_name" and value in self._rates:
            return f"{value} ({format_quantity(self._rates[value])}%)"
        return value

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.row() >= len(self._rows):
            return False
        column = LINE_COLUMNS[index.column()]
        if not column.field:
            return False
        row = index.row()
        self._rows[row] = replace(self._rows[row], **{column.field: "" if value is None else str(value)})
        self._problems.pop((row, column.field), None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(LINE_COLUMNS) - 1))
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(LINE_COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return LINE_COLUMNS[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LINE_COLUMNS[section].alignment
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if LINE_COLUMNS[index.column()].field:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _amounts_changed(self) -> None:
        if self._rows:
            amount = len(LINE_COLUMNS) - 1
            self.dataChanged.emit(self.index(0, amount), self.index(len(self._rows) - 1, amount))
