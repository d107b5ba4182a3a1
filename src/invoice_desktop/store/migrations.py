"""Numbered schema migrations, for both engines a company file can live in.

The schema version is SQLite's `PRAGMA user_version`, and PostgreSQL's table schema_version (store.postgres).
A fresh company file is created from the models (database.create_fresh, postgres.bring_up_to_date); an older one is
brought forward by the steps below, each in one transaction, after a backup copy was made (SQLite) or the log said
which pg_dump to run (PostgreSQL). Each step's SQL is frozen as it was released: never edit a released step, add
the next one. tests/unit/test_store_migrations.py checks that an old file migrated equals a fresh one.

THE RULE FOR EVERY NEW STEP: it runs on both engines. Team mode (PostgreSQL) begins at schema 8
(POSTGRESQL_FIRST_VERSION: steps 7 and 8 come in the same release as team mode): no PostgreSQL company file is
older, so steps 1-8 are SQLite's alone. Every step after 8 goes in STEPS (SQLite's SQL) AND in POSTGRESQL_STEPS
(PostgreSQL's SQL, often the same text); `migrate` runs the one of the engine it is given, and
tests/unit/test_store_migrations.py fails while a step lacks either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peewee import SqliteDatabase

from invoice_desktop.store.engine import is_postgresql

# Schema 1: the first release (clients, accounts, tax rates, invoices, lines, payments, Xero export state
# and attempt history, settings).
SCHEMA_1 = """
CREATE TABLE "account" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "code" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL
);
CREATE UNIQUE INDEX "account_code" ON "account" ("code");
CREATE TABLE "client" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    "email" VARCHAR(255) NOT NULL,
    "address_line1" VARCHAR(255) NOT NULL,
    "address_line2" VARCHAR(255) NOT NULL,
    "address_line3" VARCHAR(255) NOT NULL,
    "address_line4" VARCHAR(255) NOT NULL,
    "city" VARCHAR(255) NOT NULL,
    "region" VARCHAR(255) NOT NULL,
    "postal_code" VARCHAR(255) NOT NULL,
    "country" VARCHAR(255) NOT NULL,
    "xero_contact_id" VARCHAR(255),
    "created_at" TEXT NOT NULL
);
CREATE UNIQUE INDEX "client_name" ON "client" ("name");
CREATE INDEX "client_xero_contact_id" ON "client" ("xero_contact_id");
CREATE TABLE "invoice" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "number" VARCHAR(255) NOT NULL,
    "client_id" INTEGER NOT NULL,
    "date" DATE NOT NULL,
    "due_date" DATE NOT NULL,
    "reference" VARCHAR(255) NOT NULL,
    "currency" VARCHAR(255) NOT NULL,
    "branding_theme" VARCHAR(255) NOT NULL,
    "amounts_type" VARCHAR(255) NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "subtotal" INTEGER NOT NULL,
    "total_tax" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "amount_paid" INTEGER NOT NULL,
    "approved_at" TEXT,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    FOREIGN KEY ("client_id") REFERENCES "client" ("id") ON DELETE RESTRICT
);
CREATE UNIQUE INDEX "invoice_number" ON "invoice" ("number");
CREATE INDEX "invoice_client_id" ON "invoice" ("client_id");
CREATE INDEX "invoice_status_due_date" ON "invoice" ("status", "due_date");
CREATE TABLE "tax_rate" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    "rate" INTEGER NOT NULL
);
CREATE UNIQUE INDEX "tax_rate_name" ON "tax_rate" ("name");
CREATE TABLE "invoice_line" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "invoice_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "item_code" VARCHAR(255) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unit_amount" INTEGER NOT NULL,
    "discount_rate" INTEGER,
    "account_id" INTEGER,
    "tax_rate_id" INTEGER,
    "tax_amount_override" INTEGER,
    "line_amount" INTEGER NOT NULL,
    "tax_amount" INTEGER NOT NULL,
    "tracking1_name" VARCHAR(255) NOT NULL,
    "tracking1_option" VARCHAR(255) NOT NULL,
    "tracking2_name" VARCHAR(255) NOT NULL,
    "tracking2_option" VARCHAR(255) NOT NULL,
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE RESTRICT,
    FOREIGN KEY ("tax_rate_id") REFERENCES "tax_rate" ("id") ON DELETE RESTRICT
);
CREATE INDEX "invoice_line_invoice_id" ON "invoice_line" ("invoice_id");
CREATE INDEX "invoice_line_account_id" ON "invoice_line" ("account_id");
CREATE INDEX "invoice_line_tax_rate_id" ON "invoice_line" ("tax_rate_id");
CREATE TABLE "payment" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "invoice_id" INTEGER NOT NULL,
    "date" DATE NOT NULL,
    "amount" INTEGER NOT NULL,
    "reference" VARCHAR(255) NOT NULL,
    "source" VARCHAR(255) NOT NULL,
    "xero_payment_id" VARCHAR(255),
    "created_at" TEXT NOT NULL,
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE
);
CREATE INDEX "payment_invoice_id" ON "payment" ("invoice_id");
CREATE UNIQUE INDEX "payment_xero_payment_id" ON "payment" ("xero_payment_id");
CREATE TABLE "setting" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);
CREATE TABLE "xero_attempt" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "invoice_id" INTEGER NOT NULL,
    "batch_key" VARCHAR(255),
    "at" TEXT NOT NULL,
    "outcome" VARCHAR(255) NOT NULL,
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "correlation_id" VARCHAR(255),
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE
);
CREATE INDEX "xero_attempt_invoice_id" ON "xero_attempt" ("invoice_id");
CREATE TABLE "xero_export" (
    "invoice_id" INTEGER NOT NULL PRIMARY KEY,
    "state" VARCHAR(255) NOT NULL,
    "xero_invoice_id" VARCHAR(255),
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "last_attempt_at" TEXT,
    "next_retry_at" TEXT,
    "batch_key" VARCHAR(255),
    "claimed_by" VARCHAR(255),
    "claimed_at" TEXT,
    "synced_at" TEXT,
    "updated_at" TEXT NOT NULL,
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE
);
CREATE INDEX "xero_export_state" ON "xero_export" ("state");
CREATE INDEX "xero_export_batch_key" ON "xero_export" ("batch_key");
"""

# Schema 2: export batches, so each request's Idempotency-Key is on disk before the request goes out.
SCHEMA_2 = """
CREATE TABLE "xero_batch" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "created_at" TEXT NOT NULL,
    "sent_at" TEXT,
    "resolved_at" TEXT,
    "invoice_ids" TEXT NOT NULL,
    "request_digest" VARCHAR(255) NOT NULL,
    "state" VARCHAR(255) NOT NULL
);
"""

# Schema 3: what the payment import last saw of each exported invoice in Xero (status, paid, credited, due).
SCHEMA_3 = """
CREATE TABLE "xero_invoice_state" (
    "invoice_id" INTEGER NOT NULL PRIMARY KEY,
    "xero_status" VARCHAR(255) NOT NULL,
    "amount_paid" INTEGER NOT NULL,
    "amount_credited" INTEGER NOT NULL,
    "amount_due" INTEGER NOT NULL,
    "fully_paid_on" DATE,
    "xero_updated_at" TEXT,
    "imported_at" TEXT NOT NULL,
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE
);
"""


# Schema 4: what Xero warned about when it created an invoice, and whether a send's outcome is still unknown
# (the invoice is looked up in Xero before it is ever sent again). SQLite cannot add a NOT NULL column without a
# DEFAULT that the models do not declare, so the table is rebuilt as the models define it.
_EXPORT_COLUMNS = (
    '"invoice_id", "state", "xero_invoice_id", "category", "messages", "hint", "note", "attempts", '
    '"last_attempt_at", "next_retry_at", "batch_key", "claimed_by", "claimed_at", "synced_at", "updated_at"'
)
SCHEMA_4 = f"""
CREATE TABLE "xero_export_new" (
    "invoice_id" INTEGER NOT NULL PRIMARY KEY,
    "state" VARCHAR(255) NOT NULL,
    "xero_invoice_id" VARCHAR(255),
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "last_attempt_at" TEXT,
    "next_retry_at" TEXT,
    "batch_key" VARCHAR(255),
    "claimed_by" VARCHAR(255),
    "claimed_at" TEXT,
    "synced_at" TEXT,
    "updated_at" TEXT NOT NULL,
    "warnings" TEXT NOT NULL,
    "unconfirmed" INTEGER NOT NULL,
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE
);
INSERT INTO "xero_export_new" ({_EXPORT_COLUMNS}, "warnings", "unconfirmed")
    SELECT {_EXPORT_COLUMNS}, '[]', 0 FROM "xero_export";
DROP TABLE "xero_export";
ALTER TABLE "xero_export_new" RENAME TO "xero_export";
CREATE INDEX "xero_export_state" ON "xero_export" ("state");
CREATE INDEX "xero_export_batch_key" ON "xero_export" ("batch_key");
"""

# Schema 5: payments recorded here that are sent to Xero: their export state (the columns of xero_export, so the
# engine's claim and outcome writes run on it) and their attempt history.
SCHEMA_5 = """
CREATE TABLE "xero_payment_export" (
    "payment_id" INTEGER NOT NULL PRIMARY KEY,
    "state" VARCHAR(255) NOT NULL,
    "xero_payment_id" VARCHAR(255),
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "last_attempt_at" TEXT,
    "next_retry_at" TEXT,
    "batch_key" VARCHAR(255),
    "claimed_by" VARCHAR(255),
    "claimed_at" TEXT,
    "synced_at" TEXT,
    "updated_at" TEXT NOT NULL,
    "warnings" TEXT NOT NULL,
    "unconfirmed" INTEGER NOT NULL,
    FOREIGN KEY ("payment_id") REFERENCES "payment" ("id") ON DELETE CASCADE
);
CREATE INDEX "xero_payment_export_state" ON "xero_payment_export" ("state");
CREATE INDEX "xero_payment_export_batch_key" ON "xero_payment_export" ("batch_key");
CREATE TABLE "xero_payment_attempt" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "payment_id" INTEGER NOT NULL,
    "batch_key" VARCHAR(255),
    "at" TEXT NOT NULL,
    "outcome" VARCHAR(255) NOT NULL,
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "correlation_id" VARCHAR(255),
    FOREIGN KEY ("payment_id") REFERENCES "payment" ("id") ON DELETE CASCADE
);
CREATE INDEX "xero_payment_attempt_payment_id" ON "xero_payment_attempt" ("payment_id");
"""

# Schema 6: indexes for the invoice lists' sorts (issue 16: a million invoices), so sorting a tab by any column
# but Xero walks an index rather than sorting the tab: the tab's status (or none, for All), the sort key, the id
# (Invoice # already has the unique invoice_number).
# The statistics (sqlite_stat1, not schema) let the planner see that the Client sort should walk the clients.
SCHEMA_6 = """
CREATE INDEX "invoice_status_date" ON "invoice" ("status", "date");
CREATE INDEX "invoice_status_total" ON "invoice" ("status", "total");
CREATE INDEX "invoice_status_amount_due" ON "invoice" ("status", ("total" - "amount_paid"));
CREATE INDEX "invoice_date" ON "invoice" ("date");
CREATE INDEX "invoice_due_date" ON "invoice" ("due_date");
CREATE INDEX "invoice_total" ON "invoice" ("total");
CREATE INDEX "invoice_amount_due" ON "invoice" (("total" - "amount_paid"));
CREATE INDEX "client_name_nocase" ON "client" ("name" COLLATE NOCASE);
ANALYZE "invoice";
ANALYZE "client";
"""

# Schema 7: credit notes made from an invoice (a document of their own, numbered CN-0001, ...), their lines, their
# export to Xero (the columns of xero_export, and the allocation to the invoice) and its attempt history.
SCHEMA_7 = """
CREATE TABLE "credit_note" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "number" VARCHAR(255) NOT NULL,
    "invoice_id" INTEGER NOT NULL,
    "date" DATE NOT NULL,
    "reference" VARCHAR(255) NOT NULL,
    "currency" VARCHAR(255) NOT NULL,
    "amounts_type" VARCHAR(255) NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "subtotal" INTEGER NOT NULL,
    "total_tax" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE RESTRICT
);
CREATE UNIQUE INDEX "credit_note_number" ON "credit_note" ("number");
CREATE INDEX "credit_note_invoice_id" ON "credit_note" ("invoice_id");
CREATE INDEX "credit_note_status" ON "credit_note" ("status");
CREATE TABLE "credit_note_line" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "credit_note_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "item_code" VARCHAR(255) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unit_amount" INTEGER NOT NULL,
    "discount_rate" INTEGER,
    "account_id" INTEGER,
    "tax_rate_id" INTEGER,
    "tax_amount_override" INTEGER,
    "line_amount" INTEGER NOT NULL,
    "tax_amount" INTEGER NOT NULL,
    "tracking1_name" VARCHAR(255) NOT NULL,
    "tracking1_option" VARCHAR(255) NOT NULL,
    "tracking2_name" VARCHAR(255) NOT NULL,
    "tracking2_option" VARCHAR(255) NOT NULL,
    FOREIGN KEY ("credit_note_id") REFERENCES "credit_note" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE RESTRICT,
    FOREIGN KEY ("tax_rate_id") REFERENCES "tax_rate" ("id") ON DELETE RESTRICT
);
CREATE INDEX "credit_note_line_credit_note_id" ON "credit_note_line" ("credit_note_id");
CREATE INDEX "credit_note_line_account_id" ON "credit_note_line" ("account_id");
CREATE INDEX "credit_note_line_tax_rate_id" ON "credit_note_line" ("tax_rate_id");
CREATE TABLE "xero_credit_note_export" (
    "credit_note_id" INTEGER NOT NULL PRIMARY KEY,
    "state" VARCHAR(255) NOT NULL,
    "xero_credit_note_id" VARCHAR(255),
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "last_attempt_at" TEXT,
    "next_retry_at" TEXT,
    "batch_key" VARCHAR(255),
    "claimed_by" VARCHAR(255),
    "claimed_at" TEXT,
    "synced_at" TEXT,
    "updated_at" TEXT NOT NULL,
    "warnings" TEXT NOT NULL,
    "unconfirmed" INTEGER NOT NULL,
    "allocation_state" VARCHAR(255) NOT NULL,
    "allocation_key" VARCHAR(255),
    "allocation_claimed_by" VARCHAR(255),
    "allocation_claimed_at" TEXT,
    "allocation_messages" TEXT NOT NULL,
    "xero_allocation_id" VARCHAR(255),
    "allocated_at" TEXT,
    FOREIGN KEY ("credit_note_id") REFERENCES "credit_note" ("id") ON DELETE CASCADE
);
CREATE INDEX "xero_credit_note_export_state" ON "xero_credit_note_export" ("state");
CREATE INDEX "xero_credit_note_export_batch_key" ON "xero_credit_note_export" ("batch_key");
CREATE TABLE "xero_credit_note_attempt" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "credit_note_id" INTEGER NOT NULL,
    "batch_key" VARCHAR(255),
    "at" TEXT NOT NULL,
    "outcome" VARCHAR(255) NOT NULL,
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "correlation_id" VARCHAR(255),
    FOREIGN KEY ("credit_note_id") REFERENCES "credit_note" ("id") ON DELETE CASCADE
);
CREATE INDEX "xero_credit_note_attempt_credit_note_id" ON "xero_credit_note_attempt" ("credit_note_id");
"""


# Schema 8 (issue 15, who did what): the desk's user name on attempt rows written by hand (renumbered, not sent,
# marked as in Xero), and the `event` table: approvals, sends asked for by hand, voids, Xero connection changes;
# `xero_token_rotation`, the one-row lock around a refresh of the shared Xero sign-in (never the token).
# xero_attempt is rebuilt (not ALTER TABLE ADD COLUMN) so an old file's table reads exactly as a fresh one's.
_ATTEMPT_COLUMNS = '"id", "invoice_id", "batch_key", "at", "outcome", "category", "messages", "correlation_id"'
SCHEMA_8 = f"""
CREATE TABLE "xero_attempt_new" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "invoice_id" INTEGER NOT NULL,
    "batch_key" VARCHAR(255),
    "at" TEXT NOT NULL,
    "outcome" VARCHAR(255) NOT NULL,
    "category" VARCHAR(255),
    "messages" TEXT NOT NULL,
    "correlation_id" VARCHAR(255),
    "user_name" VARCHAR(255),
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE
);
INSERT INTO "xero_attempt_new" ({_ATTEMPT_COLUMNS}) SELECT {_ATTEMPT_COLUMNS} FROM "xero_attempt";
DROP TABLE "xero_attempt";
ALTER TABLE "xero_attempt_new" RENAME TO "xero_attempt";
CREATE INDEX "xero_attempt_invoice_id" ON "xero_attempt" ("invoice_id");
CREATE TABLE "event" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "at" TEXT NOT NULL,
    "user_name" VARCHAR(255) NOT NULL,
    "action" VARCHAR(255) NOT NULL,
    "invoice_id" INTEGER,
    "detail" TEXT NOT NULL,
    FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE CASCADE
);
CREATE INDEX "event_invoice_id" ON "event" ("invoice_id");
CREATE TABLE "xero_token_rotation" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "locked_at" TEXT,
    "locked_by" VARCHAR(255)
);
"""


# Schema 9 (SQLite only): the Xero column's sort key kept on the invoice itself (issue 16: sorting a tab of a
# million invoices by Xero walked every invoice of the tab through a CASE over its export row and sorted them).
# "xero_rank" is the export state's place in ledger.queries.XERO_SORT_ORDER (failed first; not sent when there is no
# export row), kept by triggers on xero_export, whoever writes it; it is no model field, so saving an Invoice never
# writes a stale rank. The indexes give each tab (its status, or none for All) the rank then the id.
# PostgreSQL sorts by the CASE itself (its planner has the statistics for it); its files have no such column.
_RANK_OF = """CASE {} WHEN 'failed' THEN 0 WHEN 'sending' THEN 1 WHEN 'queued' THEN 2 WHEN 'not_sent' THEN 3
    WHEN 'skipped' THEN 4 WHEN 'synced' THEN 5 ELSE 6 END"""
NO_EXPORT_RANK = 3  # not sent
SCHEMA_9 = (
    f'ALTER TABLE "invoice" ADD COLUMN "xero_rank" INTEGER NOT NULL DEFAULT {NO_EXPORT_RANK}',
    f"""UPDATE "invoice" SET "xero_rank" = (SELECT {_RANK_OF.format('"state"')} FROM "xero_export"
    WHERE "xero_export"."invoice_id" = "invoice"."id") WHERE "id" IN (SELECT "invoice_id" FROM "xero_export")""",
    'CREATE INDEX "invoice_status_xero_rank" ON "invoice" ("status", "xero_rank")',
    'CREATE INDEX "invoice_xero_rank" ON "invoice" ("xero_rank")',
    f"""CREATE TRIGGER "xero_export_rank_on_insert" AFTER INSERT ON "xero_export" BEGIN
    UPDATE "invoice" SET "xero_rank" = {_RANK_OF.format('NEW."state"')} WHERE "id" = NEW."invoice_id"; END""",
    f"""CREATE TRIGGER "xero_export_rank_on_update" AFTER UPDATE OF "state" ON "xero_export"
    WHEN NEW."state" IS NOT OLD."state" BEGIN
    UPDATE "invoice" SET "xero_rank" = {_RANK_OF.format('NEW."state"')} WHERE "id" = NEW."invoice_id"; END""",
    f"""CREATE TRIGGER "xero_export_rank_on_delete" AFTER DELETE ON "xero_export" BEGIN
    UPDATE "invoice" SET "xero_rank" = {NO_EXPORT_RANK} WHERE "id" = OLD."invoice_id"; END""",
    'ANALYZE "invoice"',
)


# Schema 10 (SQLite only): a trigram index of the invoice numbers and references, so a search of a million
# invoices reads the few that can match rather than every invoice of the tab (ledger.invoice_search). An
# external-content FTS5 table over invoice(number, reference), kept by triggers; the partial index lists the
# invoices whose number or reference holds a character outside printable ASCII (the trigram's case folding is not
# Xero's there, so those are always checked the exact way). PostgreSQL searches with ILIKE; no such table there.
SCHEMA_10 = (
    """CREATE VIRTUAL TABLE "invoice_search" USING fts5("number", "reference", content='invoice',
    content_rowid='id', tokenize='trigram')""",
    """INSERT INTO "invoice_search" ("invoice_search") VALUES ('rebuild')""",
    """CREATE TRIGGER "invoice_search_on_insert" AFTER INSERT ON "invoice" BEGIN
    INSERT INTO "invoice_search" ("rowid", "number", "reference") VALUES (NEW."id", NEW."number", NEW."reference");
    END""",
    """CREATE TRIGGER "invoice_search_on_delete" AFTER DELETE ON "invoice" BEGIN
    INSERT INTO "invoice_search" ("invoice_search", "rowid", "number", "reference")
    VALUES ('delete', OLD."id", OLD."number", OLD."reference"); END""",
    """CREATE TRIGGER "invoice_search_on_update" AFTER UPDATE OF "number", "reference" ON "invoice"
    WHEN NEW."number" IS NOT OLD."number" OR NEW."reference" IS NOT OLD."reference" BEGIN
    INSERT INTO "invoice_search" ("invoice_search", "rowid", "number", "reference")
    VALUES ('delete', OLD."id", OLD."number", OLD."reference");
    INSERT INTO "invoice_search" ("rowid", "number", "reference") VALUES (NEW."id", NEW."number", NEW."reference");
    END""",
    """CREATE INDEX "invoice_not_ascii" ON "invoice" ("id")
    WHERE "number" GLOB '*[^ -~]*' OR "reference" GLOB '*[^ -~]*'""",
)


def _statements(statements: tuple[str, ...]) -> Callable[[SqliteDatabase], None]:
    """A step of whole statements (a trigger's body holds semicolons: _run's split would cut it)."""

    def step(db: SqliteDatabase) -> None:
        for sql in statements:
            db.execute_sql(sql)

    return step


# What a new SQLite file has beside the models' tables (store.database.create_fresh runs it after them).
sqlite_extras = _statements(SCHEMA_9 + SCHEMA_10)

# Schema 11: the Failed table's sorts (xero.failed_pages): the failed exports by last attempt and by category, so a
# page of 50,000 failed walks an index (Invoice # and Total walk invoice_number and invoice_total); and a tab by
# Invoice #: the Overdue tab of a million walked a range of due dates and sorted it (a second). Both engines.
SCHEMA_11 = """
CREATE INDEX "invoice_status_number" ON "invoice" ("status", "number");
CREATE INDEX "xero_export_state_last_attempt_at" ON "xero_export" ("state", "last_attempt_at");
CREATE INDEX "xero_export_state_category" ON "xero_export" ("state", "category");
ANALYZE "xero_export";
ANALYZE "invoice";
"""


def _run(script: str) -> Callable[[SqliteDatabase], None]:
    def step(db: SqliteDatabase) -> None:
        for sql in script.split(";"):
            if sql.strip():
                db.execute_sql(sql)

    return step


# STEPS[n] brings a file from schema n-1 to schema n.
STEPS: dict[int, Callable[[SqliteDatabase], None]] = {
    1: _run(SCHEMA_1),
    2: _run(SCHEMA_2),
    3: _run(SCHEMA_3),
    4: _run(SCHEMA_4),
    5: _run(SCHEMA_5),
    6: _run(SCHEMA_6),
    7: _run(SCHEMA_7),
    8: _run(SCHEMA_8),
    9: _statements(SCHEMA_9),
    10: _statements(SCHEMA_10),
    11: _run(SCHEMA_11),
}
CURRENT_VERSION = max(STEPS)

# PostgreSQL company files begin at this schema (created from the models); POSTGRESQL_STEPS[n] brings one from n-1
# to n, for every n after it (see the rule above).
POSTGRESQL_FIRST_VERSION = 8
POSTGRESQL_STEPS: dict[int, Callable[[Any], None]] = {
    9: lambda db: None,  # schemas 9 and 10 are SQLite's alone (see SCHEMA_9, SCHEMA_10)
    10: lambda db: None,
    11: _run(SCHEMA_11),  # the same SQL
}


def migrate(db: Any, from_version: int, record: Callable[[int], None] | None = None) -> None:
    """Bring `db` from `from_version` to CURRENT_VERSION with its engine's steps, one transaction each; `record`
    writes the version reached (PostgreSQL's schema_version), else SQLite's user_version is set."""
    steps = POSTGRESQL_STEPS if is_postgresql(db) else STEPS
    for version in range(from_version + 1, CURRENT_VERSION + 1):
        with db.atomic():
            steps[version](db)
            if record is not None:
                record(version)
            else:
                db.execute_sql(f"PRAGMA user_version = {version}")
