"""The invoice editor's line items: an editable table of what the user typed, with each line's amount worked
out live the way Xero does it (ledger.money).

Cells hold the text as typed, so "abc" in Quantity stays on screen and is reported instead of vanishing;
`lines()` turns the rows into `LineDraft`s plus the problems found on the way. Problems from a save attempt
are shown on their cells (red text, the message as tooltip) until the cell is edited. A ColumnsModel
(ui/models/table_model.py) whose columns, one per LineEntry field and the amount, are made per model (they show
its accounts' names and tax rates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from invoice_desktop.ledger.errors import Problem
from invoice_desktop.ledger.invoices import LineDraft
from invoice_desktop.ledger.money import CENT, LineFigures, LineTotals, compute_line, in_limits
from invoice_desktop.store.models import AmountsType
from invoice_desktop.ui.form_fields import parse_decimal
from invoice_desktop.ui.formatting import account_text, format_money, format_quantity
from invoice_desktop.ui.models.columns import LEFT, RIGHT, Column
from invoice_desktop.ui.models.table_model import EDIT, FOREGROUND, TOOLTIP, ColumnsModel
from invoice_desktop.ui.plain_text import tooltip
from invoice_desktop.ui.status_colours import StatusColour, status_colour

ModelIndex = QModelIndex | QPersistentModelIndex


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


LINE_FIELDS = ("description", "quantity", "unit_amount", "account_code", "tax_rate_name")  # in column order
COLUMN_OF = {field: i for i, field in enumerate(LINE_FIELDS)}
AMOUNT_COLUMN = len(LINE_FIELDS)  # then the computed amount
_NUMBERS = ("quantity", "unit_amount")
assert {f.name for f in fields(LineEntry)} == set(COLUMN_OF)


class LineItemsModel(ColumnsModel[LineEntry]):
    def __init__(
        self,
        account_names: Mapping[str, str],
        tax_rates: Mapping[str, Decimal],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(self._columns(), parent)
        self._accounts = dict(account_names)  # code -> name
        self._rates = dict(tax_rates)  # name -> percent
        self._amounts = AmountsType.EXCLUSIVE
        self._problems: dict[tuple[int, str], str] = {}

    def _columns(self) -> tuple[Column[LineEntry], ...]:
        """One column per LineEntry field (its text as typed, shown with the account's name and the tax rate's
        percentage; the `name` is the field), then the amount worked out."""
        return (
            self._typed_column("description", "Description"),
            self._typed_column("quantity", "Quantity", RIGHT),
            self._typed_column("unit_amount", "Unit price", RIGHT),
            self._typed_column("account_code", "Account"),
            self._typed_column("tax_rate_name", "Tax rate"),
            Column("Amount", self._amount_text, RIGHT, accessible=self._amount_text),
        )

    def _typed_column(self, field: str, title: str, alignment: Qt.AlignmentFlag = LEFT) -> Column[LineEntry]:
        def typed(entry: LineEntry) -> str:
            return str(getattr(entry, field))

        def shown(entry: LineEntry) -> str:
            return self._display(field, typed(entry))

        return Column(title, shown, alignment, accessible=shown, edit=typed, name=field)

    # --- contents ---

    def entries(self) -> list[LineEntry]:
        return list(self._rows)

    def set_entries(self, entries: Sequence[LineEntry]) -> None:
        self._problems.clear()
        self.set_records(entries)

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
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, AMOUNT_COLUMN))

    # --- figures ---

    def figures(self, row: int) -> LineFigures | None:
        """The row's figures for ledger.money, or None when its quantity or price is not a number, or not one the
        ledger keeps (too large: ledger.money's limits; saving says so)."""
        return self._figures_of(self._rows[row])

    def _figures_of(self, entry: LineEntry) -> LineFigures | None:
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

    # --- what the cells show ---

    def _amount_text(self, entry: LineEntry) -> str:
        if entry.is_blank():
            return ""
        figures = self._figures_of(entry)
        return "—" if figures is None else format_money(compute_line(figures, self._amounts).line_amount)

    def _display(self, field: str, value: str) -> str:
        if field == "account_code" and value:
            return account_text(value, self._accounts.get(value, ""))
        if field == "tax_rate_name" and value in self._rates:
            return f"{value} ({format_quantity(self._rates[value])}%)"
        return value

    def cell(self, row: int, column: int, role: int) -> Any:
        """A cell a save found a problem in shows it: red text, the message as its tooltip."""
        if role in (FOREGROUND, TOOLTIP):
            problem = self._problems.get((row, self.columns[column].name))
            if problem:
                return status_colour(StatusColour.ERROR) if role == FOREGROUND else tooltip(problem)
        return super().cell(row, column, role)

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if int(role) != EDIT or not index.isValid() or index.row() >= len(self._rows):
            return False
        field = self.columns[index.column()].name
        if not field:
            return False
        row = index.row()
        self._rows[row] = replace(self._rows[row], **{field: "" if value is None else str(value)})
        self._problems.pop((row, field), None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, AMOUNT_COLUMN))
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        return super().headerData(section, orientation, role)

    def _amounts_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, AMOUNT_COLUMN), self.index(len(self._rows) - 1, AMOUNT_COLUMN))
