"""Why a ledger operation was refused, in words a bookkeeper can act on.

A `LedgerError` carries one or more `Problem`s, each naming the field it is about (and the line, for a line
field), so a form can put the message next to the field and the CSV import can map it to a column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Human names of InvoiceDraft / LineDraft fields, used when a problem is shown away from its form field.
FIELD_LABELS = {
    "number": "Invoice number",
    "client_name": "Client",
    "date": "Date",
    "due_date": "Due date",
    "reference": "Reference",
    "currency": "Currency",
    "lines": "Lines",
    "total": "Total",
    "description": "Description",
    "quantity": "Quantity",
    "unit_amount": "Unit price",
    "discount_rate": "Discount",
    "account_code": "Account",
    "tax_rate_name": "Tax rate",
    "tax_amount_override": "Tax amount",
    "item_code": "Item code",
    "tracking1_name": "Tracking 1",
    "tracking1_option": "Tracking 1 option",
    "tracking2_name": "Tracking 2",
    "tracking2_option": "Tracking 2 option",
    "branding_theme": "Branding theme",
    "line_amount": "Amount",
    "amount": "Amount",
    "status": "Status",
}


@dataclass(frozen=True)
class Problem:
    field: str  # an InvoiceDraft / LineDraft field name, or "" for the invoice as a whole
    message: str  # does not repeat the field's name: the presenter adds it
    line: int | None = None  # index into InvoiceDraft.lines when the problem is on a line

    def describe(self) -> str:
        label = FIELD_LABELS.get(self.field, self.field)
        where = ", ".join(part for part in (f"Line {self.line + 1}" if self.line is not None else "", label) if part)
        return f"{where}: {self.message}" if where else self.message


class LedgerError(ValueError):
    """A ledger operation was refused; nothing was written."""

    def __init__(self, problems: str | Problem | Sequence[Problem]):
        if isinstance(problems, str):
            problems = (Problem("", problems),)
        elif isinstance(problems, Problem):
            problems = (problems,)
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(p.describe() for p in self.problems))
