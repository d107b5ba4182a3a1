"""Writing many checked drafts at once, holding the company file's write lock as briefly as possible (the CSV
import: 100,000 rows).

Everything slow happens before the write transaction: the caller has read and checked every draft and worked out
its totals; here every client, account and tax rate is looked up once (catalog.NameIndex), every row to insert is
turned into the store's values (the models' own field conversions), numbered with its table's next id, and
written to a TEMP table of this connection, which takes no lock on the company file. The write transaction then
only checks that nothing it relies on changed since the checks began (SQLite's data_version tells whether another
connection committed anything; only then are numbers, names and next ids read again) and copies each staged table
across with one INSERT ... SELECT. Nothing is written when anything changed: the file is imported again, checked
afresh. PostgreSQL has no data_version: there the numbers, names and next ids are always read again inside the
write transaction (which holds the company file's write lock, store.postgres), and the id sequences are moved past
the ids copied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from peewee import Case, Field, IntegrityError, fn

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.catalog import ClientDetails
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    advance_numbering,
    invoice_values,
    line_values,
    number_key,
    numbers_in_use,
)
from invoice_desktop.ledger.money import InvoiceTotals
from invoice_desktop.ledger.text import fold, nfc
from invoice_desktop.store.change_feed import notify_changed
from invoice_desktop.store.engine import advance_sequence, is_postgresql, main_table, param, temp_table
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import (
    Account,
    AutoIdModel,
    Client,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    TaxRate,
    database_proxy,
)


@dataclass(frozen=True)
class NewInvoice:
    draft: InvoiceDraft  # normalised and checked (ledger.invoices.draft_problems), with its number
    totals: InvoiceTotals  # as ledger.invoices.totals_for works them out
    client_details: ClientDetails | None = None  # for its client, when that is created


@dataclass(frozen=True)
class Written:
    invoice_ids: tuple[int, ...]  # in the order given
    new_clients: int
    new_accounts: int
    new_tax_rates: int


class ChangedMeanwhile(LedgerError):
    """Another process changed what the checks relied on (a number taken, a name created); nothing was written."""


def data_version() -> int | None:
    """SQLite's count of commits by other connections, as this connection sees it: read it before the checks a
    write relies on, and pass it to write_invoices. None on PostgreSQL, which cannot tell (so the checks are made
    again in the write transaction)."""
    if is_postgresql():
        return None
    return int(database_proxy.obj.execute_sql("PRAGMA data_version").fetchone()[0])


ATTEMPTS = 3  # stagings, when other processes keep adding rows (and so taking the ids staged) meanwhile


def write_invoices(
    invoices: Sequence[NewInvoice], tax_rates: Mapping[str, Decimal], seen_version: int | None
) -> Written:
    """Insert the invoices as drafts, with the clients, accounts and tax rates (name -> percent) they need that do
    not exist yet, in one short transaction. `seen_version`: data_version() before the checks began. Raises
    ChangedMeanwhile (and writes nothing) when another process changed what they relied on.

    The rows are first written, with the next ids as they are then, to TEMP tables of this connection (no lock on
    the company file); the write transaction copies them across in one INSERT ... SELECT per table, SQLite's own
    fastest path. When another process added rows to those tables in between, the ids are taken: the rows are
    staged again with the new ones (ATTEMPTS times at most)."""
    plan = _Prepared(invoices, tax_rates)
    try:
        for _ in range(ATTEMPTS):
            plan.stage()
            try:
                with database_proxy.atomic():
                    if seen_version is None or data_version() != seen_version:
                        plan.check_still_true()
                        if not plan.ids_still_free():
                            raise _IdsTaken
                    plan.copy()
                    advance_numbering(plan.numbers)
                    notify_changed()
            except _IdsTaken:
                continue
            return Written(
                invoice_ids=tuple(new.id for new in plan.invoices.news),
                new_clients=len(plan.clients.news),
                new_accounts=len(plan.accounts.news),
                new_tax_rates=len(plan.tax_rates.news),
            )
    except IntegrityError as exc:  # a row it refers to was deleted meanwhile, or a name taken exactly
        raise ChangedMeanwhile(f"the company file changed while the invoices were being checked ({exc})") from exc
    finally:
        plan.drop_staging()
    raise ChangedMeanwhile("other processes kept adding invoices while these were being written")


class _IdsTaken(Exception):
    """The ids staged were taken by another process's rows meanwhile (inside the transaction, which rolls back)."""


class _New:
    """A row to be created: its id is known once the next ids of its table have been read."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.id = 0


class _Table:
    """The rows to insert into one table, as the store keeps their values; ids (theirs, and those they refer to)
    are _New until the next ids are read."""

    def __init__(self, model: type[AutoIdModel]) -> None:
        self.model = model
        self.news: list[_New] = []
        self.rows: list[dict[str, object]] = []

    def add(self, values: Mapping[str, object]) -> _New:
        """A row, by field name; its values are converted as the model's fields store them (a _New stays)."""
        converted: dict[str, object] = {}
        for name, value in values.items():
            field = self.model._meta.fields[name]
            converted[field.column_name] = value if isinstance(value, _New) else field.db_value(value)
        new = _New(len(self.news))
        self.news.append(new)
        self.rows.append(converted)
        return new

    def number(self) -> None:
        """Give the new rows the next ids of the table, as they are now."""
        self.first = self.next_id()
        for new in self.news:
            new.id = self.first + new.index

    def next_id(self) -> int:
        return (self.model.select(fn.MAX(self.model.id)).scalar() or 0) + 1

    @property
    def staging(self) -> str:
        return f"staged_{self.model._meta.table_name}"

    def stage(self) -> None:
        """The rows (numbered) into a TEMP table shaped as the model's: written outside any lock of the file."""
        db = database_proxy.obj
        db.execute_sql(f"DROP TABLE IF EXISTS {temp_table(self.staging)}")
        db.execute_sql(
            f'CREATE TEMP TABLE "{self.staging}" AS SELECT * FROM {main_table(self.model._meta.table_name)} WHERE 1 = 0'
        )
        columns = self.columns()
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            temp_table(self.staging), ", ".join(f'"{c}"' for c in columns), ", ".join(param() for _ in columns)
        )
        rows = [
            (new.id, *(v.id if isinstance(v, _New) else v for v in row.values()))
            for new, row in zip(self.news, self.rows, strict=True)
        ]
        db.cursor().executemany(sql, rows)

    def copy(self) -> None:
        """The staged rows into the company file's table: one statement (inside the write transaction)."""
        listed = ", ".join(f'"{c}"' for c in self.columns())
        database_proxy.obj.execute_sql(
            f"INSERT INTO {main_table(self.model._meta.table_name)} ({listed}) "
            f"SELECT {listed} FROM {temp_table(self.staging)}"
        )
        advance_sequence(self.model)

    def drop_staging(self) -> None:
        database_proxy.obj.execute_sql(f"DROP TABLE IF EXISTS {temp_table(self.staging)}")

    def columns(self) -> list[str]:
        return ["id", *(self.rows[0] if self.rows else ())]


class _Prepared:
    """Everything to insert, looked up and converted before the transaction."""

    def __init__(self, invoices: Sequence[NewInvoice], tax_rates: Mapping[str, Decimal]) -> None:
        self.numbers = [nfc(inv.draft.number or "").strip() for inv in invoices]
        self.tax_rates, self.accounts, self.clients = _Table(TaxRate), _Table(Account), _Table(Client)
        self.invoices, self.lines = _Table(Invoice), _Table(InvoiceLine)
        now = utcnow()
        self.tax_rate_ids = self._resolve(
            TaxRate.name, tax_rates, lambda name: self.tax_rates.add({"name": name, "rate": tax_rates[name]})
        )
        codes = dict.fromkeys(ln.account_code.strip() for inv in invoices for ln in inv.draft.lines)
        self.account_ids = self._resolve(
            Account.code, codes, lambda code: self.accounts.add({"code": code, "name": code})
        )
        details = _details_by_client(invoices)
        self.client_ids = self._resolve(
            Client.name,
            details,
            lambda name: self.clients.add({"name": name, **_details(None), **details[name], "created_at": now}),
        )
        # Existing clients get the details the file gives where theirs are blank (a client created by hand or by
        # an earlier file without them); a detail they have is never overwritten.
        self.blanks_to_fill: dict[int, dict[str, str]] = {}
        for name, found in self.client_ids.items():
            if isinstance(found, int):
                fill = self.blanks_to_fill.setdefault(found, {})
                for detail, value in details[name].items():
                    fill.setdefault(detail, value)
        for inv, number in zip(invoices, self.numbers, strict=True):
            header = invoice_values(inv.draft, inv.totals)
            invoice = self.invoices.add(
                {
                    "number": number,
                    "client": self.client_ids[inv.draft.client_name.strip()],
                    **header,
                    "status": InvoiceStatus.DRAFT.value,
                    "amount_paid": Decimal(0),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for values in line_values(inv.draft, inv.totals, self.account_ids, self.tax_rate_ids):
                self.lines.add({**values, "invoice": invoice})

    @staticmethod
    def _resolve(column: Field, names: Mapping[str, object], create: Callable[[str], object]) -> dict[str, object]:
        """Each name's id, or the _New of a row `create` adds: once for names that are one name as Xero compares
        them (as creating them one by one would find the first for the others)."""
        index = catalog.NameIndex(column.model, column)
        resolved: dict[str, object] = {}
        by_fold: dict[str, object] = {}
        for name in names:
            found: object = index.find(name)
            if found is None:
                found = by_fold.get(fold(name))
                if found is None:
                    found = by_fold[fold(name)] = create(name)
            resolved[name] = found
        return resolved

    def tables(self) -> list[_Table]:
        return [t for t in (self.tax_rates, self.accounts, self.clients, self.invoices, self.lines) if t.rows]

    def stage(self) -> None:
        """Number every new row from its table's next id as it is now, and stage the rows (outside the lock)."""
        for table in self.tables():
            table.number()
        with database_proxy.atomic(lock_type="DEFERRED"):  # writes TEMP tables only: no lock on the company file
            for table in self.tables():
                table.stage()

    def ids_still_free(self) -> bool:
        return all(table.next_id() == table.first for table in self.tables())

    def copy(self) -> None:
        for table in self.tables():
            table.copy()
        for client_id, values in self.blanks_to_fill.items():
            if not values:
                continue
            blank_only = {
                Client._meta.fields[name]: Case(
                    None, [(Client._meta.fields[name] == "", value)], Client._meta.fields[name]
                )
                for name, value in values.items()
            }
            Client.update(blank_only).where(Client.id == client_id).execute()

    def drop_staging(self) -> None:
        for table in self.tables():
            table.drop_staging()

    def check_still_true(self) -> None:
        """Inside the transaction, after another process committed since the checks: no number of these is taken
        now, and none of the names to create exists now."""
        in_use = numbers_in_use()
        taken = [number for number in self.numbers if number_key(number) in in_use]
        if taken:
            raise ChangedMeanwhile(f"{_listed(taken)} taken meanwhile")
        for table, column in ((self.tax_rates, "name"), (self.accounts, "code"), (self.clients, "name")):
            index = catalog.NameIndex(table.model, table.model._meta.fields[column])
            created = [row[column] for row in table.rows if index.find(str(row[column])) is not None]
            if created:
                raise ChangedMeanwhile(f"{_listed(created)} added meanwhile")


def _listed(names: Sequence[object]) -> str:
    shown = ", ".join(str(n) for n in names[:5]) + (" and more" if len(names) > 5 else "")
    return f"{shown} {'was' if len(names) == 1 else 'were'}"


def _details_by_client(invoices: Sequence[NewInvoice]) -> dict[str, dict[str, str]]:
    """Each client's details as the file gives them: per detail, the first invoice of that client that fills it in
    (a client's first invoice in the file may leave its email or city blank and a later one give it)."""
    merged: dict[str, dict[str, str]] = {}
    for inv in invoices:
        details = merged.setdefault(inv.draft.client_name.strip(), {})
        for name, value in _details(inv.client_details).items():
            if value and name not in details:
                details[name] = value
    return merged


def _details(details: ClientDetails | None) -> dict[str, str]:
    return {f.name: nfc(getattr(details, f.name) if details else "").strip() for f in fields(ClientDetails)}
