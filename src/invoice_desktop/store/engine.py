"""What differs between the two engines a company file can live in (SQLite, PostgreSQL), in one place.

Queries are written once, with peewee's query builder and these few pieces where the SQL differs:

- `NoCase(column)`: text compared and sorted without case. SQLite: `column COLLATE NOCASE`; PostgreSQL:
  `lower(column)` (its index, client_name_nocase, is on lower("name")). Decided when the SQL is rendered, so a
  query built once at import time runs on either engine.
- `PerEngineSQL(sqlite, postgresql)`: a literal SQL text (an index of the models) written for each engine.
- `param()`: the bound-parameter mark of the open database (`?` or `%s`) for the few statements written out by
  hand (xero.export_queue's outcome writes).
- `is_postgresql()`: for the rare branch that must differ (SQLite's data_version, TEMP table names, sequences).

Booleans are written as Python bools (SQLite stores 1/0), times as fixed-width UTC text on both, money as scaled
integers (BIGINT on PostgreSQL, store.postgres).
"""

from __future__ import annotations

from typing import Any

from peewee import SQL, ColumnBase, Context, Model, PostgresqlDatabase

from invoice_desktop.store.proxy import database_proxy

POSTGRESQL = "postgresql"


def _open() -> Any:
    return database_proxy.obj


def is_postgresql(db: Any = None) -> bool:
    """Whether `db` (default: the open company file) is a PostgreSQL database (the store's, or peewee's own)."""
    target = db if db is not None else _open()
    return isinstance(target, PostgresqlDatabase) or getattr(target, "engine", None) == POSTGRESQL


def _renders_for_postgresql(ctx: Context) -> bool:
    return ctx.state.engine == POSTGRESQL


def param() -> str:
    return str(_open().param)


class NoCase(ColumnBase):
    """`node` compared and sorted without case, on either engine."""

    def __init__(self, node: Any) -> None:
        super().__init__()
        self.node = node

    def __sql__(self, ctx: Context) -> Context:
        if _renders_for_postgresql(ctx):
            return ctx.literal("lower(").sql(self.node).literal(")")
        return ctx.sql(self.node).literal(" COLLATE NOCASE")


class PerEngineSQL(SQL):
    """A literal SQL text with its PostgreSQL spelling."""

    def __init__(self, sqlite: str, postgresql: str) -> None:
        super().__init__(sqlite)
        self.postgresql = postgresql

    def __sql__(self, ctx: Context) -> Context:
        return ctx.literal(self.postgresql if _renders_for_postgresql(ctx) else self.sql)


def temp_table(name: str) -> str:
    """A TEMP table of this connection, as each engine names it."""
    return f'pg_temp."{name}"' if is_postgresql() else f'temp."{name}"'


def main_table(name: str) -> str:
    """A table of the company file, as each engine names it beside TEMP ones."""
    return f'"{name}"' if is_postgresql() else f'main."{name}"'


def advance_sequence(model: type[Model], db: Any = None) -> None:
    """After rows were inserted with their ids given (a bulk copy): PostgreSQL's sequence for the id goes past
    them, so the next row inserted without an id does not take one of theirs. SQLite needs nothing."""
    db = db if db is not None else _open()
    if not is_postgresql(db):
        return
    table = model._meta.table_name
    db.execute_sql(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
        f'GREATEST((SELECT COALESCE(MAX("id"), 0) FROM "{table}"), 1), '
        f'(SELECT COUNT(*) > 0 FROM "{table}"))'
    )
