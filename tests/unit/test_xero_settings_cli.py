"""`xero settings` / `xero status` through the real command line, against a cached chart (no network):
validation with clear messages, nothing changed on any error, show and --json output, exit statuses."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from test_xero_cache import chart

from invoice_desktop.__main__ import main
from invoice_desktop.ledger import catalog
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.settings import Destination, Organisation, XeroSettings
from invoice_desktop.xero.settings_edit import SettingsChange, apply_change
from invoice_desktop.xero.xero_cache import build_cache, save_cache

TENANT = "tenant-1"


class Company:
    """A company file in `data_dir`; `cli(...)` runs the real command (which opens and closes the file itself)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def open(self) -> None:
        open_database(self.data_dir / "company.sqlite3", self.data_dir / "backups")

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--data-dir", str(self.data_dir), *args])
        out, err = capsys.readouterr()
        return code, out, err

    def settings(self) -> XeroSettings:
        self.open()
        try:
            return xero_settings.load_settings()
        finally:
            close_database()


@pytest.fixture
def company(data_dir: Path) -> Company:
    """Connected to a (cached) organisation; local accounts 4000, 4100 and tax rates "GST on Income", "No GST"."""
    c = Company(data_dir)
    c.open()
    catalog.get_or_create_account("4000", "Sales")
    catalog.get_or_create_account("4100", "Fittings")
    catalog.create_tax_rate("GST on Income", Decimal(10))
    catalog.create_tax_rate("No GST", Decimal(0))
    xero_settings.save_connection(Organisation(TENANT, "Harbour Lane Plumbing Pty Ltd"), "client-1")
    save_cache(build_cache(TENANT, chart()))
    close_database()
    return c


def test_show_lists_settings_and_the_accounts_to_choose_from(company: Company, capsys) -> None:
    code, out, _ = company.cli(capsys, "xero", "settings")
    assert code == 0
    assert "Harbour Lane Plumbing Pty Ltd" in out and "Default income account: not chosen" in out
    assert "Accounts usable on sales invoices: 200 Account 200, 270 Account 270" in out
    assert "OUTPUT (GST on Income)" in out and "INPUT" not in out.split("Tax rates usable")[1]


def test_valid_changes_are_saved_and_shown_in_json(company: Company, capsys) -> None:
    code, out, err = company.cli(
        capsys, "xero", "settings", "--income-account", "200", "--map", "4000=200", "--map", "4100=270",
        "--map-tax", "GST on Income=OUTPUT", "--destination", "draft", "--auto-export", "off",
        "--import-payments", "off", "--tracking", "region", "--enable", "--json",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["settings"] == {
        "enabled": True,
        "destination": "draft",
        "export_on_approval": False,
        "import_payments": False,
        "income_account": "200",
        "account_map": {"4000": "200", "4100": "270"},
        "tax_map": {"GST on Income": "OUTPUT"},
        "tracking": ["Region"],  # spelled as Xero spells it
        "broad_scopes": False,
        "payments_account": "",
        "send_payments": False,
    }
    assert [a["code"] for a in document["xero"]["sales_accounts"]] == ["200", "270"]
    assert document["organisation"] == "Harbour Lane Plumbing Pty Ltd" and document["warnings"] == []
    saved = company.settings()
    assert saved.enabled and saved.destination is Destination.DRAFT and saved.account_map["4100"] == "270"


def test_a_tax_rate_may_be_named_as_xero_shows_it(company: Company, capsys) -> None:
    code, _, err = company.cli(capsys, "xero", "settings", "--map-tax", "gst on income=GST on Income")
    assert code == 0, err
    assert company.settings().tax_map == {"GST on Income": "OUTPUT"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--income-account", "210"], "Xero account 210 Account 210 is archived"),
        (["--map", "4000=210"], "Local account 4000 cannot be mapped to 210: Xero account 210 Account 210 is archived"),
        (["--map", "4000=400"], "cannot be used on a sales invoice; choose a revenue account"),
        (["--map", "4000=090"], "cannot be used on a sales invoice"),
        (["--map", "4000=999"], "has no account with code 999"),
        (["--map-tax", "GST on Income=INPUT"], "cannot be used on revenue accounts"),
        (["--map-tax", "GST on Income=EXEMPTOUTPUT"], "is deleted"),
        (["--map", "9999=200"], "There is no local account '9999' (known: 4000, 4100)"),
        (["--map-tax", "VAT=OUTPUT"], "There is no local tax rate 'VAT'"),
        (["--tracking", "Old"], "Xero has no active tracking category named 'Old'"),
        (["--tracking", "Region", "--tracking", "Region2", "--tracking", "X"], "at most 2 tracking categories"),
        (["--enable"], "Choose a default income account before enabling"),
    ],
)
def test_invalid_changes_are_refused_and_nothing_changes(company: Company, capsys, args, message) -> None:
    before = company.settings()
    # A valid change in the same command must not be saved either.
    code, out, err = company.cli(capsys, "xero", "settings", "--destination", "draft", *args)
    assert code == 2
    assert "nothing was changed" in err and message in err, err
    assert out == ""
    assert company.settings() == before


def test_badly_formed_map_is_a_usage_error(company: Company, capsys) -> None:
    code, _, err = company.cli(capsys, "xero", "settings", "--map", "4000")
    assert code == 2 and "not of the form --map LOCAL=XERO_CODE" in err
    with pytest.raises(SystemExit) as exited:  # argparse's own exit, status 2 like every usage error
        company.cli(capsys, "xero", "settings", "--auto-export", "maybe")
    assert exited.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_an_empty_target_removes_a_mapping(company: Company, capsys) -> None:
    assert company.cli(capsys, "xero", "settings", "--map", "4000=200", "--map", "4100=260x")[0] == 2
    assert company.cli(capsys, "xero", "settings", "--map", "4000=200", "--map", "4100=270")[0] == 0
    assert company.cli(capsys, "xero", "settings", "--map", "4100=")[0] == 0
    assert company.settings().account_map == {"4000": "200"}


def test_a_problem_already_there_does_not_block_switching_off(company: Company, capsys) -> None:
    assert company.cli(capsys, "xero", "settings", "--income-account", "200", "--map", "4000=200", "--enable")[0] == 0
    # Xero archives account 200 afterwards; the next fetch says so.
    company.open()
    raw = chart()
    raw.accounts[1]["Status"] = "ARCHIVED"
    save_cache(build_cache(TENANT, raw))
    close_database()
    code, _, err = company.cli(capsys, "xero", "settings", "--disable")
    assert code == 0 and "Warning: Local account 4000 cannot be mapped to 200" in err
    assert not company.settings().enabled
    code, _, err = company.cli(capsys, "xero", "settings", "--enable")
    assert code == 2 and "4000 cannot be mapped to 200" in err


def test_choosing_from_the_chart_needs_the_chart(data_dir: Path, capsys) -> None:
    c = Company(data_dir)
    c.open()
    catalog.get_or_create_account("4000")
    close_database()
    code, _, err = c.cli(capsys, "xero", "settings", "--map", "4000=200")
    assert code == 2 and "not known yet" in err
    code, _, err = c.cli(capsys, "xero", "settings", "--enable")
    assert code == 2 and "Connect to Xero before enabling" in err
    code, _, err = c.cli(capsys, "xero", "settings", "--refresh")
    assert code == 2 and "Xero is not connected" in err


def test_cache_of_another_organisation_is_not_used(company: Company, capsys) -> None:
    company.open()
    save_cache(build_cache("some-other-tenant", chart()))
    close_database()
    code, _, err = company.cli(capsys, "xero", "settings", "--map", "4000=200")
    assert code == 2 and "fetched" in err  # tries to fetch this organisation's chart; no sign-in here


def test_apply_change_keeps_what_is_not_mentioned() -> None:
    current = XeroSettings(income_account="200", account_map={"4000": "200"}, tracking=["Region"])
    cache = build_cache(TENANT, chart())
    updated = apply_change(current, SettingsChange(import_payments=False), cache)
    assert updated == XeroSettings(
        income_account="200", account_map={"4000": "200"}, tracking=["Region"], import_payments=False
    )
    assert SettingsChange().is_empty and not SettingsChange(account_map={"x": ""}).needs_chart


def test_status_json_reports_state_storage_and_queue(company: Company, capsys) -> None:
    code, out, _ = company.cli(capsys, "xero", "status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["state"] == "disabled" and status["organisation"] == "Harbour Lane Plumbing Pty Ltd"
    assert status["token_storage"] == "file" and "owner-only file" in status["token_warning"]
    assert status["signed_in"] is False and status["settings_fetched_at"]
    assert status["queue"] == {"not_sent": 0, "queued": 0, "sending": 0, "synced": 0, "failed": 0, "skipped": 0}
    code, out, _ = company.cli(capsys, "xero", "status")
    assert code == 0 and "Xero: Disabled — Harbour Lane Plumbing Pty Ltd" in out
    assert "saved Xero sign-in is missing" in out


def test_xero_without_a_subcommand_shows_usage(company: Company, capsys) -> None:
    code, _, err = company.cli(capsys, "xero")
    assert code == 2 and "connect" in err and "settings" in err
