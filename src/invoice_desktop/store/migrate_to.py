"""`migrate-to URL`: the SQLite company file copied into an empty PostgreSQL database (team mode's start).

The target must be empty (no table at all): anything else is refused before a byte is written. The schema is
created from the models at the current version (store.postgres), then every table is copied in the models' order
(a table before those referring to it) with its ids as they are, by PostgreSQL's COPY, all in one transaction that
holds the company file's write lock, read from one snapshot of the SQLite file; the id sequences are moved past
the ids copied. Before it commits, the rows
and the money totals of every table are compared between the two: any difference rolls the whole copy back. The
SQLite file is only read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import AutoField, Database

from invoice_desktop.store.engine import advance_sequence
from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.store.fields import MoneyField
from invoice_desktop.store.location import checked_url, shown
from invoice_desktop.store.models import ALL_MODELS, BaseModel
from invoice_desktop.store.postgres import TeamDatabase, bring_up_to_date

ROWS_PER_READ = 5000


@dataclass(frozen=True)
class TableCopy:
    """One table as it was checked after the copy: its rows and money totals (column -> amount), equal on both."""

    table: str
    rows: int
    money: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class MigrateResult:
    target: str  # the URL, its password masked
    tables: tuple[TableCopy, ...]


class TargetNotEmptyError(CompanyFileError):
    """migrate-to copies into an empty database only."""


def migrate_to(source: Database, url: str) -> MigrateResult:
    """Copy the company file open in `source` (SQLite, bound to the models) into the empty PostgreSQL database at
    `url`. Raises a CompanyFileError (the target left as it was) when it cannot."""
    target = TeamDatabase(checked_url(url))
    try:
        target.connect(reuse_if_open=True)
        existing = target.get_tables()
        if existing:
            listed = ", ".join(existing[:5]) + (" …" if len(existing) > 5 else "")
            raise TargetNotEmptyError(
                f"{shown(url)} is not empty (it holds {len(existing)} tables: {listed}); migrate-to copies into an "
                "empty database only. Nothing was changed."
            )
        # One read transaction of the SQLite file: every table copied and checked from the same snapshot, whatever
        # another process writes meanwhile.
        with (
            source.atomic(lock_type="DEFERRED"),
            target.bind_ctx(ALL_MODELS, bind_refs=False, bind_backrefs=False),
            target.atomic(),
        ):
            bring_up_to_date(target)  # inside the copy's transaction: an empty database again if anything fails
            for model in ALL_MODELS:
                _copy_table(source, target, model)
                if isinstance(model._meta.primary_key, AutoField):
                    advance_sequence(model, target)
            checked = tuple(_checked(source, target, model) for model in ALL_MODELS)
    finally:
        target.close()
    return MigrateResult(shown(url), checked)


def _copy_table(source: Database, target: TeamDatabase, model: type[BaseModel]) -> None:
    fields = model._meta.sorted_fields
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    table = model._meta.table_name
    order = ", ".join(f'"{f.column_name}"' for f in model._meta.get_primary_keys())
    read = source.execute_sql(f'SELECT {columns} FROM "{table}" ORDER BY {order}')
    # SQLite's stored values -> the fields' Python values -> PostgreSQL's (a 0/1 flag becomes a boolean, a date
    # text a date); money and quantities stay the same integers.
    convert = [(f.python_value, f.db_value) for f in fields]
    with target.cursor().copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        while rows := read.fetchmany(ROWS_PER_READ):
            for row in rows:
                copy.write_row([to_db(to_python(v)) for (to_python, to_db), v in zip(convert, row, strict=True)])


def _totals(db: Database, model: type[BaseModel]) -> tuple[int, list[int]]:
    money = _money_columns(model)
    sums = "".join(f', COALESCE(SUM("{c}"), 0)' for c in money)
    row = db.execute_sql(f'SELECT COUNT(*){sums} FROM "{model._meta.table_name}"').fetchone()
    return int(row[0]), [int(v) for v in row[1:]]


def _money_columns(model: type[BaseModel]) -> Sequence[str]:
    return [f.column_name for f in model._meta.sorted_fields if isinstance(f, MoneyField)]


def _checked(source: Database, target: TeamDatabase, model: type[BaseModel]) -> TableCopy:
    table = model._meta.table_name
    was, now = _totals(source, model), _totals(target, model)
    if was != now:
        raise CompanyFileError(
            f"the copy of {table} does not match the company file ({was[0]} rows there, {now[0]} copied, or a "
            "money total differs); nothing was kept in the PostgreSQL database."
        )
    cents = dict(zip(_money_columns(model), now[1], strict=True))
    return TableCopy(table, now[0], {column: Decimal(value).scaleb(-2) for column, value in cents.items()})
