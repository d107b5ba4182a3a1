"""The headless ledger commands end to end through main(): import, approve, invoices; output and exit codes."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from invoice_desktop.__main__ import main
from invoice_desktop.config import DATABASE_NAME
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.settings import set_setting

HEADER = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType"
GOOD_ROWS = (
    "Acme Pty Ltd,INV-0001,01/03/2024,31/03/2099,Consulting,3,33.33,200,GST on Income",
    "Acme Pty Ltd,INV-0001,01/03/2024,31/03/2099,Travel,1,21.65,200,GST on Income",
    "Bob's Bakery,INV-0002,2024-03-02,2099-04-01,Bread,1,115.50,200,GST Free Income",
)


def write_csv(folder: Path, *rows: str, name: str = "invoices.csv") -> Path:
    path = folder / name
    path.write_text("\r\n".join((HEADER, *rows)) + "\r\n", encoding="utf-8")
    return path


class Cli:
    """Runs `invoice-desktop --data-dir DIR ...` in-process and captures what it printed."""

    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str]):
        self.data_dir = data_dir
        self.capsys = capsys
        self.out = self.err = ""

    def __call__(self, *argv: str) -> int:
        try:
            code = main(["--data-dir", str(self.data_dir), *argv])
        except SystemExit as exc:  # argparse refusing the arguments
            code = int(exc.code or 0)
        self.out, self.err = self.capsys.readouterr()
        return code

    def json(self, *argv: str) -> tuple[int, object]:
        code = self(*argv, "--json")
        return code, json.loads(self.out)  # exactly one JSON document, nothing else

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_NAME

    def state(self) -> tuple[str, list[str]]:
        """The company file's bytes (digest) and its content as SQL."""
        digest = hashlib.sha256(self.database.read_bytes()).hexdigest()
        conn = sqlite3.connect(self.database)
        try:
            return digest, list(conn.iterdump())
        finally:
            conn.close()


@pytest.fixture
def cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(data_dir, capsys)


def numbers(listing: object) -> list[str]:
    assert isinstance(listing, list)
    return [invoice["number"] for invoice in listing]


def test_import_then_list_drafts_with_totals_to_the_cent(cli, tmp_path):
    path = write_csv(tmp_path, *GOOD_ROWS)

    assert cli("import", str(path)) == 0
    assert "Imported 2 invoices as drafts: INV-0001, INV-0002." in cli.out

    code, listing = cli.json("invoices", "--tab", "draft")
    assert code == 0
    assert listing == [
        {
            "number": "INV-0001",
            "client": "Acme Pty Ltd",
            "reference": "",
            "date": "2024-03-01",
            "due_date": "2099-03-31",
            "status": "draft",
            "overdue": False,
            # 99.99 + 21.65; tax 10.00 (9.999) + 2.17 (2.165, half-up)
            "subtotal": "121.64",
            "total_tax": "12.17",
            "total": "133.81",
            "amount_paid": "0.00",
            "amount_due": "133.81",
            "xero": "not_sent",
            "xero_error": "",
        },
        {
            "number": "INV-0002",
            "client": "Bob's Bakery",
            "reference": "",
            "date": "2024-03-02",
            "due_date": "2099-04-01",
            "status": "draft",
            "overdue": False,
            "subtotal": "115.50",
            "total_tax": "0.00",
            "total": "115.50",
            "amount_paid": "0.00",
            "amount_due": "115.50",
            "xero": "not_sent",
            "xero_error": "",
        },
    ]


def test_import_json_and_human_invoice_table(cli, tmp_path):
    code, document = cli.json("import", str(write_csv(tmp_path, *GOOD_ROWS)))
    assert code == 0
    assert document == {
        "file": str(tmp_path / "invoices.csv"),
        "amounts": "exclusive",
        "imported": ["INV-0001", "INV-0002"],
        "new_clients": 2,
        "new_accounts": 1,
        "new_tax_rates": 2,
        "ignored_columns": [],
        "errors": [],
        "approval": None,
    }

    assert cli("invoices") == 0
    lines = cli.out.splitlines()
    assert lines[0].split() == ["Invoice", "#", "Client", "Date", "Due", "Status", "Total", "Amount", "Due", "Xero"]
    assert lines[1].split()[0] == "INV-0001" and "133.81" in lines[1] and "Draft" in lines[1]
    assert lines[-1] == "2 invoices"


def test_import_inclusive_and_approve_in_one_go(cli, tmp_path):
    path = write_csv(tmp_path, "Acme,INV-0009,01/03/2024,31/03/2099,Thing,1,115.50,200,GST on Income")
    code, document = cli.json("import", str(path), "--amounts", "inclusive", "--approve")
    assert code == 0
    assert document["approval"] == {"approved": ["INV-0009"], "rejected": [], "export_state": "not_sent"}

    _, listing = cli.json("invoices", "--tab", "awaiting-payment")
    assert [(i["number"], i["subtotal"], i["total_tax"], i["total"]) for i in listing] == [
        ("INV-0009", "105.00", "10.50", "115.50")
    ]
    assert cli.json("invoices", "--tab", "draft")[1] == []


def test_approve_by_number_then_all_drafts(cli, tmp_path):
    rows = (*GOOD_ROWS, "Carol,INV-0003,01/03/2024,31/03/2099,Cake,2,5.00,200,GST on Income")
    assert cli("import", str(write_csv(tmp_path, *rows))) == 0

    assert cli("approve", "INV-0002") == 0
    assert cli.out.strip() == "1 invoice approved: INV-0002."
    assert numbers(cli.json("invoices", "--tab", "draft")[1]) == ["INV-0001", "INV-0003"]

    code, document = cli.json("approve", "--all-drafts")
    assert code == 0
    assert document == {"approved": ["INV-0001", "INV-0003"], "rejected": [], "export_state": "not_sent"}
    assert numbers(cli.json("invoices", "--tab", "awaiting-payment")[1]) == ["INV-0001", "INV-0002", "INV-0003"]
    assert cli.json("invoices", "--tab", "paid")[1] == []

    assert cli("approve", "--all-drafts") == 0
    assert cli.out.strip() == "No drafts to approve."


def test_approval_queues_for_xero_when_the_interface_exports_on_approval(cli, tmp_path):
    assert cli("import", str(write_csv(tmp_path, *GOOD_ROWS))) == 0
    open_database(cli.database)
    try:
        set_setting("xero.enabled", True)
        set_setting("xero.export_on_approval", True)
    finally:
        close_database()

    assert cli("approve", "INV-0001") == 0
    assert cli.out.strip() == "1 invoice approved and queued for Xero: INV-0001."
    code, document = cli.json("approve", "--all-drafts")
    assert (code, document["export_state"]) == (0, "queued")
    _, listing = cli.json("invoices", "--tab", "awaiting-payment")
    assert [i["xero"] for i in listing] == ["queued", "queued"]


def test_approve_with_an_unknown_number_approves_the_rest_and_exits_1(cli, tmp_path):
    assert cli("import", str(write_csv(tmp_path, *GOOD_ROWS))) == 0

    assert cli("approve", "INV-0001", "INV-0404") == 1
    assert "1 invoice approved: INV-0001." in cli.out
    assert "Not approved: INV-0404: no such invoice." in cli.out

    code, document = cli.json("approve", "INV-0001", "INV-0002")
    assert code == 1
    assert document["approved"] == ["INV-0002"]
    assert document["rejected"] == [{"number": "INV-0001", "reason": "already approved"}]


def test_overdue_tab(cli, tmp_path):
    past = (date.today() - timedelta(days=3)).isoformat()
    path = write_csv(tmp_path, f"Late Ltd,INV-0050,2020-01-01,{past},Old work,1,10.00,200,GST on Income", *GOOD_ROWS)
    assert cli("import", str(path), "--approve") == 0

    _, overdue = cli.json("invoices", "--tab", "overdue")
    assert [(i["number"], i["status"], i["overdue"]) for i in overdue] == [("INV-0050", "awaiting_payment", True)]
    assert cli("invoices", "--tab", "overdue") == 0
    assert "Overdue" in cli.out.splitlines()[1]


def test_a_bad_csv_exits_1_reports_every_row_and_leaves_the_company_file_unchanged(cli, tmp_path):
    assert cli("import", str(write_csv(tmp_path, *GOOD_ROWS))) == 0
    before = cli.state()
    bad = write_csv(
        tmp_path,
        "New Client,INV-0100,01/03/2024,31/03/2024,Fine,1,10.00,200,GST on Income",
        "New Client,INV-0101,01/03/2024,31/03/2024,Bad,lots,10.00,200,GST on Income",
        "New Client,INV-0001,01/03/2024,31/03/2024,Taken,1,10.00,200,GST on Income",
        "New Client,INV-0102,31/02/2024,31/03/2024,Refund,1,-10.00,200,GST on Income",
        name="bad.csv",
    )

    code, document = cli.json("import", str(bad))
    assert code == 1
    assert document["imported"] == []
    assert [(e["line"], e["column"]) for e in document["errors"]] == [
        (3, "Quantity"),
        (4, "InvoiceNumber"),
        (5, "InvoiceDate"),
        (5, "UnitAmount"),
    ]
    assert all(e["message"] for e in document["errors"])
    assert cli.state() == before

    assert cli("import", str(bad), "--approve") == 1
    assert cli.out.splitlines()[0] == f"Nothing imported: 4 problems in {bad}."
    assert "  line 3, Quantity: 'lots' is not a number" in cli.out.splitlines()
    assert (
        "that is a credit note: make it from its invoice with Invoice Information > Options > Credit note…" in cli.out
    )
    assert cli.state() == before


def test_a_missing_file_exits_2(cli, tmp_path):
    missing = tmp_path / "nowhere.csv"
    assert cli("import", str(missing)) == 2
    assert "does not exist" in cli.err
    assert cli.out == ""

    code, document = cli.json("import", str(missing))
    assert code == 2
    assert "does not exist" in document["error"]


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb7\xac\xce\xfe", "Café,b\n".encode("cp1252")],
    ids=["empty", "xlsx", "cp1252"],
)
def test_a_file_that_is_not_a_csv_exits_2(cli, tmp_path, data):
    path = tmp_path / "invoices.csv"
    path.write_bytes(data)
    assert cli("import", str(path)) == 2
    assert cli.err.startswith("invoice-desktop: ")


@pytest.mark.parametrize(
    "argv",
    [
        ("approve",),
        ("approve", "INV-0001", "--all-drafts"),
        ("import", "x.csv", "--amounts", "gross"),
        ("import",),
        ("invoices", "--tab", "sent"),
    ],
)
def test_bad_arguments_exit_2(cli, argv):
    assert cli(*argv) == 2
    assert "usage:" in cli.err


def test_empty_list(cli):
    assert cli("invoices", "--tab", "draft") == 0
    assert cli.out.strip() == "No invoices on this tab."
    assert cli.json("invoices")[1] == []


DATA = Path(__file__).parent.parent / "data"


def test_import_credit_notes_credits_the_invoices_and_reports_them(cli):
    assert cli("import", str(DATA / "xero_sales_invoice_template.csv"), "--approve") == 0
    template = DATA / "xero_sales_credit_note_template.csv"

    code, document = cli.json("import-credit-notes", str(template))

    assert code == 0, document
    assert document == {
        "file": str(template),
        "imported": [
            {"number": "CN-0101", "invoice": "INV-0101", "total": "73.15", "invoice_amount_due": "86.90",
             "queued_for_xero": False},
            {"number": "CN-0102", "invoice": "INV-0102", "total": "300.00", "invoice_amount_due": "0.00",
             "queued_for_xero": False},
        ],
        "ignored_columns": [],
        "errors": [],
    }  # fmt: skip
    code, listing = cli.json("invoices")
    assert isinstance(listing, list)
    assert {i["number"]: (i["amount_due"], i["status"]) for i in listing} == {
        "INV-0101": ("86.90", "awaiting_payment"),
        "INV-0102": ("0.00", "paid"),
    }
    assert cli("import-credit-notes", str(template)) == 1  # the numbers are taken now
    assert cli.out.splitlines()[0] == f"Nothing imported: 3 problems in {template}."
    assert "  line 2, CreditNoteNumber: CN-0101 is already used by another credit note" in cli.out


def test_import_credit_notes_with_a_bad_row_imports_nothing(cli, tmp_path):
    assert cli("import", str(write_csv(tmp_path, *GOOD_ROWS)), "--approve") == 0
    before = cli.state()
    bad = tmp_path / "credit_notes.csv"
    bad.write_text(
        "*ContactName,*CreditNoteNumber,*CreditNoteDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType,"
        "InvoiceNumber\r\n"
        "Acme Pty Ltd,CN-0001,10/03/2024,Consulting,1,33.33,200,GST on Income,INV-0001\r\n"
        "Acme Pty Ltd,CN-0002,10/03/2024,Bread,1,10.00,200,GST Free Income,INV-0002\r\n",
        encoding="utf-8",
    )

    assert cli("import-credit-notes", str(bad)) == 1
    assert cli.out.splitlines() == [
        f"Nothing imported: 1 problem in {bad}.",
        "  line 3, ContactName: 'Acme Pty Ltd' is not the client of INV-0002, which is 'Bob's Bakery'",
    ]
    code, document = cli.json("import-credit-notes", str(bad))
    assert (code, document["imported"]) == (1, [])
    assert [(e["line"], e["column"]) for e in document["errors"]] == [(3, "ContactName")]
    assert cli.state() == before

    assert cli("import-credit-notes", str(tmp_path / "nowhere.csv")) == 2
    assert "does not exist" in cli.err
