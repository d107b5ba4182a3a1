"""Team mode: the company file in PostgreSQL (store.postgres, store.migrate_to). Run with --engine=postgresql:
each test gets a fresh database from `company_location` / `postgres_leg` (tests/conftest.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from ledger_books import HEADER
from psycopg import errors as pg_errors

from invoice_desktop.__main__ import main
from invoice_desktop.ledger.catalog import create_tax_rate, get_or_create_account
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, approve_invoices, create_invoice
from invoice_desktop.store import migrations
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.errors import CompanyFileError, NewerVersionError, NotADatabaseError
from invoice_desktop.store.models import Client, Invoice, InvoiceLine, XeroExport
from invoice_desktop.store.postgres import backup_advice, connection_error

pytestmark = pytest.mark.postgresql

DAY = date(2026, 3, 2)


def new_invoice(client: str = "Greenway Builders", amount: str = "100.00") -> int:
    line = LineDraft("Plumbing work", Decimal(1), Decimal(amount), "200", "GST on Income")
    return create_invoice(InvoiceDraft(client, DAY, DAY + timedelta(days=14), lines=(line,)))


@pytest.fixture
def books(db):
    get_or_create_account("200", "Sales")
    create_tax_rate("GST on Income", Decimal(10))
    return db


def admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def test_a_fresh_database_is_made_at_the_current_schema_with_its_version_table(db, company_location: str):
    with admin(company_location) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(migrations.CURRENT_VERSION,)]
        index = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'client_name_nocase'").fetchone()
        money = conn.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'invoice' AND column_name = 'total'"
        ).fetchone()
    assert "lower" in index[0]
    assert money == ("bigint",)


def test_money_past_32_bits_and_sorting_without_case_work(books):
    big = new_invoice("zeta Traders", "90000000.00")  # 9,000,000,000 cents with the tax
    new_invoice("Alpha Builders")
    new_invoice("beta Plumbing")
    assert Invoice.get_by_id(big).total == Decimal("99000000.00")
    from invoice_desktop.ledger.catalog import list_clients

    assert [c.name for c in list_clients()] == ["Alpha Builders", "beta Plumbing", "zeta Traders"]


def test_a_database_from_a_newer_version_is_refused_and_left_as_it_was(db, company_location: str):
    close_database()
    with admin(company_location) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(NewerVersionError, match="newer version of Invoice Desktop"):
        open_database(company_location)
    with admin(company_location) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(99,)]


def test_a_database_holding_other_tables_is_refused_untouched(postgres_leg):
    url = postgres_leg.create_database()
    try:
        with admin(url) as conn:
            conn.execute("CREATE TABLE orders (id integer)")
        with pytest.raises(NotADatabaseError, match="not an Invoice Desktop company file"):
            open_database(url)
        with admin(url) as conn:
            tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        assert tables == [("orders",)]
    finally:
        postgres_leg.drop(url)


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("postgresql://postgres@127.0.0.1:1/company", "the database server cannot be reached"),
        ("{server}/pg_no_such_database", "does not exist on that server"),
        ("postgresql://no_such_user:secret@{host}/postgres", "refused the user name or password"),
    ],
)
def test_each_failure_to_open_is_one_line_and_exit_2(
    postgres_leg, where: str, said: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
):
    from urllib.parse import urlsplit

    server = postgres_leg.server()
    url = where.format(server=server.rsplit("/", 1)[0], host=urlsplit(server).netloc.split("@")[-1])
    with pytest.raises(CompanyFileError, match=said):
        open_database(url)
    assert main(["--data-dir", str(data_dir), "--database", url, "invoices"]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1
    assert "secret" not in err  # the password is never shown


def test_a_wrong_password_is_said_as_such():
    refused = pg_errors.InvalidPassword('password authentication failed for user "desk"')
    assert "refused the user name or password" in str(connection_error(refused, "postgresql://desk:***@db/co"))


def test_a_migration_advises_the_backup_to_run_first():
    advice = backup_advice("postgresql://desk:secret@db.example:5432/company", 6)
    assert advice.startswith("pg_dump -Fc -f company-schema6.dump")
    assert "secret" not in advice


def test_a_bulk_import_moves_the_id_sequences_past_the_ids_it_wrote(books, tmp_path: Path):
    from invoice_desktop.ledger.csv_import import import_csv_file

    csv = tmp_path / "invoices.csv"
    rows = [f"Client {i},CSV-{i},2026-03-02,2026-03-16,Work,1,10.00,200,GST on Income" for i in range(5)]
    csv.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    assert import_csv_file(csv).imported
    after = new_invoice("Client 0")  # the sequence's next id, not one the import took
    assert after > max(i.id for i in Invoice.select().where(Invoice.number.startswith("CSV-")))
    assert InvoiceLine.select().where(InvoiceLine.invoice == after).count() == 1


# -- migrate-to ------------------------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_company(data_dir: Path):
    """A SQLite company file with invoices, some approved, in data_dir (the models bound to it)."""
    open_database(data_dir / "company.sqlite3")
    get_or_create_account("200", "Sales")
    create_tax_rate("GST on Income", Decimal(10))
    ids = [new_invoice(f"Client {i % 3}", f"{100 + i}.25") for i in range(12)]
    approve_invoices(ids[:8])
    close_database()
    yield data_dir
    close_database()


def test_migrate_to_copies_every_table_with_its_ids_and_checks_rows_and_money(
    sqlite_company: Path, postgres_leg, capsys: pytest.CaptureFixture[str]
):
    url = postgres_leg.create_database()
    try:
        assert main(["--data-dir", str(sqlite_company), "migrate-to", url]) == 0
        out = capsys.readouterr().out
        assert "invoice " in out and "12 rows" in out and "total" in out
        open_database(sqlite_company / "company.sqlite3")
        before = sorted(Invoice.select(Invoice.id, Invoice.number, Invoice.total).tuples())
        exports = XeroExport.select().count()
        close_database()
        open_database(url)
        assert sorted(Invoice.select(Invoice.id, Invoice.number, Invoice.total).tuples()) == before
        assert XeroExport.select().count() == exports == 8
        next_one = new_invoice("Client 1")  # the sequences were moved past the ids copied
        assert next_one == max(i for i, _, _ in before) + 1
        assert Client.select().count() == 3
    finally:
        close_database()
        postgres_leg.drop(url)


def test_migrate_to_refuses_a_database_that_is_not_empty(
    sqlite_company: Path, postgres_leg, capsys: pytest.CaptureFixture[str]
):
    url = postgres_leg.fresh_database()  # a company file already
    try:
        assert main(["--data-dir", str(sqlite_company), "migrate-to", url, "--json"]) == 2
        captured = capsys.readouterr()
        assert "is not empty" in captured.err and "Nothing was changed" in captured.err
        open_database(url)
        assert Invoice.select().count() == 0
    finally:
        close_database()
        postgres_leg.drop(url)


def test_migrate_to_without_a_company_file_to_copy_says_so(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["--data-dir", str(data_dir), "migrate-to", "postgresql://nobody@127.0.0.1:1/x"]) == 2
    assert "there is no company file" in capsys.readouterr().err


def test_a_lost_connection_is_one_line_and_the_next_statement_connects_again(db, company_location: str):
    pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    with admin(company_location) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(CompanyFileError, match="connection to the database server was lost"):
        Invoice.select().count()
    assert Invoice.select().count() == 0


def test_migrate_to_keeps_nothing_when_a_table_does_not_check_out(
    sqlite_company: Path, postgres_leg, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    from invoice_desktop.store import migrate_to

    real = migrate_to._totals

    def one_row_short(db, model):
        rows, money = real(db, model)
        short = isinstance(db, migrate_to.TeamDatabase) and model is Invoice
        return (rows - 1 if short else rows), money

    monkeypatch.setattr(migrate_to, "_totals", one_row_short)
    url = postgres_leg.create_database()
    try:
        assert main(["--data-dir", str(sqlite_company), "migrate-to", url]) == 2
        assert "does not match" in capsys.readouterr().err
        with admin(url) as conn:  # the schema and the rows were rolled back with the copy
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    finally:
        postgres_leg.drop(url)


def test_schema_11_brings_a_schema_10_database_to_the_fresh_one(db, company_location: str):
    """The Failed table's indexes (migrations.SCHEMA_11) on PostgreSQL: a database at schema 10 migrated has the
    fresh one's."""
    wanted = ("xero_export_state_last_attempt_at", "xero_export_state_category", "invoice_status_number")
    query = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s) ORDER BY indexname"
    with admin(company_location) as conn:
        fresh = conn.execute(query, (list(wanted),)).fetchall()
        for name in wanted:
            conn.execute(f'DROP INDEX "{name}"')
    migrations.POSTGRESQL_STEPS[11](db)
    with admin(company_location) as conn:
        assert conn.execute(query, (list(wanted),)).fetchall() == fresh and len(fresh) == 3
