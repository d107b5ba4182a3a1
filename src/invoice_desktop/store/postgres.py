"""A company file in PostgreSQL (team mode: several desks on one company file).

The same rules as the SQLite file (store.database), with PostgreSQL's means:

- One writer at a time. SQLite takes its write lock at BEGIN (every transaction BEGINs IMMEDIATE); here every
  transaction that may write takes one transaction-level advisory lock (WRITE_LOCK) right after BEGIN, and a
  read-only one (`atomic(lock_type="DEFERRED")`) takes none. So every check-then-write the ledger makes inside one
  transaction (a number free, a name not taken) holds across desks exactly as it holds across processes on one
  SQLite file. A desk waits for the lock for its thread's patience (store.faults), then CompanyFileBusyError.
- The exactly-once claim (xero.export_queue) is one `UPDATE ... WHERE state = 'queued'`: under READ COMMITTED a
  second desk's UPDATE waits for the first's row locks and re-checks the WHERE, so it takes none of those rows.
- Money columns are BIGINT (cents), times fixed-width UTC text, booleans BOOLEAN.
- The schema's version is kept in the table schema_version (SQLite keeps PRAGMA user_version); a PostgreSQL
  company file is created from the models at the current version (team mode began at schema 8) and brought
  forward by store.migrations' PostgreSQL steps; a newer version is refused. Before a migration, the log says
  which pg_dump to run (a file copy is SQLite's way).

Every failure of the server or the database reaches callers as one CompanyFileError with one line for the user
(server down, wrong password, database missing, schema newer than the app, ...), nothing changed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from peewee import PostgresqlDatabase
from psycopg import errors as pg_errors

from invoice_desktop.store.engine import POSTGRESQL
from invoice_desktop.store.errors import (
    CompanyFileBusyError,
    CompanyFileError,
    CompanyFileUnwritableError,
    NewerVersionError,
    NotADatabaseError,
    ValueTooLargeError,
)
from invoice_desktop.store.faults import patience
from invoice_desktop.store.fields import UtcDateTimeField, utcnow
from invoice_desktop.store.location import checked_url, database_name, shown
from invoice_desktop.store.migrations import CURRENT_VERSION, migrate
from invoice_desktop.store.models import ALL_MODELS, database_proxy

log = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_LOCK = 0x494E5644  # 'INVD': the advisory lock every writing transaction takes
VERSION_TABLE = "schema_version"
CONNECT_TIMEOUT_S = 5


class TeamDatabase(PostgresqlDatabase):
    """peewee's PostgreSQL database over psycopg 3, one writer at a time, speaking in CompanyFileErrors."""

    engine = POSTGRESQL

    def __init__(self, url: str) -> None:
        super().__init__(
            url,
            prefer_psycopg3=True,
            field_types={"INTEGER": "BIGINT"},  # money and scaled quantities (store.fields); IntegerField stays INT
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="invoice-desktop",
        )

    @property
    def shown(self) -> str:
        return shown(str(self.database))

    def get_context_options(self) -> dict[str, Any]:
        return {**super().get_context_options(), "engine": POSTGRESQL}

    def _connect(self) -> Any:
        try:
            return super()._connect()  # type: ignore[misc]  # not in the stubs
        except psycopg.Error as exc:
            raise connection_error(exc, self.shown) from exc

    def begin(self, isolation_level: str | None = None, lock_type: str | None = None) -> None:
        self._call(lambda: PostgresqlDatabase.begin(self, isolation_level))
        if lock_type == "DEFERRED":
            return  # read-only: no write lock
        try:
            cursor = self.cursor()
            cursor.execute(f"SET LOCAL lock_timeout = '{int(patience() * 1000)}ms'")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        except psycopg.Error as exc:
            with contextlib.suppress(psycopg.Error):
                self._state.conn.rollback()  # type: ignore[attr-defined]  # peewee's per-thread state
            raise server_error(exc, self.shown) or CompanyFileError(f"{self.shown}: {exc}") from exc

    def commit(self) -> None:
        self._call(super().commit)

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        return self._call(lambda: PostgresqlDatabase.execute_sql(self, sql, params))

    def _call(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except CompanyFileError:
            raise
        except Exception as exc:
            driver = driver_error(exc)
            error = server_error(driver, self.shown) if driver is not None else None
            if error is None:
                raise
            self._forget_a_lost_connection()
            raise error from exc

    def _forget_a_lost_connection(self) -> None:
        """After the server went away (restarted, a network cut), the next statement outside a transaction
        connects afresh instead of failing on the dead connection for as long as the window stays open."""
        conn = self._state.conn  # type: ignore[attr-defined]  # peewee's per-thread state, not in its stubs
        if conn is not None and conn.closed and not self.in_transaction():
            self._state.reset()  # type: ignore[attr-defined]


def driver_error(exc: BaseException) -> psycopg.Error | None:
    """The psycopg error behind `exc` (peewee wraps it, the original first among its args)."""
    for candidate in (exc, *(exc.args[:1]), exc.__cause__, exc.__context__):
        if isinstance(candidate, psycopg.Error):
            return candidate
    return None


def connection_error(exc: psycopg.Error, where: str) -> CompanyFileError:
    """The one line for a connection that could not be made."""
    text = str(exc)
    if isinstance(exc, pg_errors.InvalidPassword | pg_errors.InvalidAuthorizationSpecification) or any(
        words in text for words in ("password authentication failed", 'role "', "authentication failed")
    ):
        return CompanyFileError(f"{where}: the server refused the user name or password; nothing was changed.")
    if "no password supplied" in text:
        return CompanyFileError(f"{where}: the server asks for a password and the URL has none; nothing was changed.")
    if isinstance(exc, pg_errors.InvalidCatalogName) or ("database" in text and "does not exist" in text):
        return CompanyFileError(
            f"{where}: the database {database_name(where)} does not exist on that server. Create it (createdb "
            f"{database_name(where)}) or check the URL; nothing was changed."
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege) or "permission denied" in text:
        return CompanyFileError(f"{where}: the server refused this user access to that database; nothing was changed.")
    return CompanyFileError(
        f"{where}: the database server cannot be reached ({_first_line(exc)}). Check that it is running and the "
        "host and port are right; nothing was changed."
    )


def server_error(exc: psycopg.Error, where: str) -> CompanyFileError | None:
    """What a failed statement means for the user, or None when it is not the database's fault (a constraint, a
    bug in a query: those go up as they are)."""
    if isinstance(exc, pg_errors.LockNotAvailable | pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
        return CompanyFileBusyError("The company file is busy (another desk is writing); try again.")
    if isinstance(exc, pg_errors.NumericValueOutOfRange):
        return ValueTooLargeError("A number is too large to store in the company file; the change was not saved.")
    if isinstance(exc, pg_errors.StringDataRightTruncation):
        return CompanyFileUnwritableError(
            "A text is longer than the company file keeps (255 characters); the change was not saved."
        )
    if isinstance(exc, pg_errors.DiskFull | pg_errors.ReadOnlySqlTransaction | pg_errors.InsufficientPrivilege):
        return CompanyFileUnwritableError(f"{where} cannot be written ({_first_line(exc)}); the change was not saved.")
    if isinstance(exc, psycopg.OperationalError | pg_errors.AdminShutdown | pg_errors.CannotConnectNow):
        return CompanyFileError(
            f"{where}: the connection to the database server was lost ({_first_line(exc)}); the change under way "
            "was not saved."
        )
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def open_team_database(url: str) -> TeamDatabase:
    """Open (creating or migrating) the company file in the PostgreSQL database at `url` and bind the models to
    it. Raises a CompanyFileError, the database unchanged, when it cannot."""
    db = TeamDatabase(checked_url(url))
    database_proxy.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        found = stored_version(db)
        if found != CURRENT_VERSION:
            bring_up_to_date(db)
    except BaseException:
        with contextlib.suppress(Exception):
            db.close()
        raise
    return db


def stored_version(db: TeamDatabase) -> int | None:
    """The schema version recorded in the database; None when it holds no tables at all. A database holding other
    tables (not a company file) or a newer schema is refused here, before anything is written."""
    tables = set(db.get_tables())
    if not tables:
        return None
    if VERSION_TABLE not in tables:
        raise NotADatabaseError(
            f"{db.shown} holds tables but is not an Invoice Desktop company file; use an empty database. "
            "Nothing was changed."
        )
    row = db.execute_sql(f'SELECT max("version") FROM "{VERSION_TABLE}"').fetchone()
    version = int(row[0] or 0)
    if version > CURRENT_VERSION:
        raise NewerVersionError(
            f"{db.shown} was made by a newer version of Invoice Desktop (schema {version}; this version knows up to "
            f"{CURRENT_VERSION}). Install the newer version on this desk; nothing was changed."
        )
    return version


def bring_up_to_date(db: TeamDatabase) -> None:
    """Create or migrate the schema under the write lock, reading the version again inside it: when two desks open
    one database at once, the work is done once."""
    with db.atomic():
        version = stored_version(db)
        if version is None:
            db.create_tables(ALL_MODELS)
            db.execute_sql(f'CREATE TABLE "{VERSION_TABLE}" ("version" INTEGER NOT NULL, "at" TEXT NOT NULL)')
            _record_version(db, CURRENT_VERSION)
        elif version < CURRENT_VERSION:
            log.warning(
                "migrating %s from schema %d to %d; to keep a copy as it was, run first: %s",
                db.shown,
                version,
                CURRENT_VERSION,
                backup_advice(str(db.database), version),
            )
            migrate(db, version, record=lambda v: _record_version(db, v))


def _record_version(db: TeamDatabase, version: int) -> None:
    db.execute_sql(f'DELETE FROM "{VERSION_TABLE}"')
    at = UtcDateTimeField().db_value(utcnow())
    db.execute_sql(f'INSERT INTO "{VERSION_TABLE}" ("version", "at") VALUES (%s, %s)', (version, at))


def backup_advice(url: str, version: int) -> str:
    """What to run to keep a copy of the database as it is (PostgreSQL's counterpart of the SQLite file copy)."""
    return f"pg_dump -Fc -f {database_name(url)}-schema{version}.dump '{shown(url)}'"
