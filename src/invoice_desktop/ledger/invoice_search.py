"""A search of the invoice lists: the exact test of a term, and which invoices can pass it, found through indexes
(so a search of a million invoices reads only those).

The lists match a term against the invoice number, the client's name and the reference: SQLite's LIKE for an
ASCII term, Xero's folding (ledger.text.fold) otherwise, PostgreSQL's ILIKE (`matches`). On an SQLite file that
exact test is kept, and `candidates` narrows what it runs on to the invoices that can pass it:

- those whose number or reference holds the folded term's trigrams (schema 10's FTS5 trigram index, whose case
  folding is LIKE's for ASCII);
- for a term that is not all ASCII (tested with Xero's folding), also those whose number or reference holds a
  character outside printable ASCII (schema 10's partial index: there the trigram index's case folding is not
  Xero's, "ß" against "ss", so they are always tested the exact way);
- those of the clients whose name passes (the client table, read whole: a company has far fewer clients than
  invoices).

A term of fewer than three characters (folded) has no trigram, and a term thousands of invoices match gains
nothing from a list of them (walking the tab in its sort order finds a page of matches at once): both are tested
on every invoice, as PostgreSQL's always are (`candidates` is None).
"""

from __future__ import annotations

from peewee import SQL, ColumnBase, Expression, Table, fn

from invoice_desktop.ledger.text import fold
from invoice_desktop.store.engine import is_postgresql
from invoice_desktop.store.models import Client, Invoice, database_proxy

TRIGRAM = 3
# Above this many candidates, walking the tab in its sort order fills the first page sooner than sorting them.
MOST_CANDIDATES = 5_000

_SEARCH_TABLE = Table("invoice_search")
_OUTSIDE_ASCII = "*[^ -~]*"  # a GLOB pattern: any character but printable ASCII
# Word for word the partial index's condition (SQLite uses the index only for a query that says the same).
_NOT_ASCII = SQL(f"\"number\" GLOB '{_OUTSIDE_ASCII}' OR \"reference\" GLOB '{_OUTSIDE_ASCII}'")


def matches(column: ColumnBase, term: str) -> Expression:
    """`column` contains `term`, compared as the lists compare text."""
    # SQLite's LIKE folds case for ASCII only. An ASCII term matches correctly with it whatever the data holds;
    # any other term is compared as Xero compares text (ledger.text.fold) on this thread's connection.
    if term.isascii() or is_postgresql():  # PostgreSQL's ILIKE folds the case of any letter
        return column.contains(term)
    database_proxy.obj.connection().create_function("id_fold", 1, _fold, deterministic=True)
    folded = fold(term)
    exact = fn.instr(fn.id_fold(column), folded) > 0
    if folded.isascii():
        return exact
    # What folds to a character outside ASCII holds one: text of plain ASCII is passed over in SQL, unfolded.
    return Expression(column, "GLOB", _OUTSIDE_ASCII) & exact


def _fold(value: str | None) -> str | None:
    return None if value is None else fold(value)


def candidates(term: str) -> list[int] | None:
    """The ids of the invoices that can match `term` (NFC, stripped), read once, or None: test every one."""
    folded = fold(term)
    if is_postgresql() or len(folded) < TRIGRAM:
        return None
    phrase = '"' + folded.replace('"', '""') + '"'  # one FTS5 phrase: the characters, nothing parsed
    by_trigram = _SEARCH_TABLE.select(SQL('"rowid"')).where(SQL('"invoice_search" MATCH ?', [phrase]))
    not_ascii = Invoice.select(Invoice.id).where(_NOT_ASCII)
    of_clients = Invoice.select(Invoice.id).where(
        Invoice.client.in_(Client.select(Client.id).where(matches(Client.name, term)))
    )
    # An ASCII term is tested with LIKE, which folds ASCII alone: what it matches, the trigrams match too.
    ids = by_trigram | of_clients if term.isascii() else by_trigram | not_ascii | of_clients
    sql, params = database_proxy.obj.get_sql_context().sql(ids.limit(MOST_CANDIDATES + 1)).query()
    found = [invoice_id for (invoice_id,) in database_proxy.execute_sql(sql, params)]
    return found if len(found) <= MOST_CANDIDATES else None
