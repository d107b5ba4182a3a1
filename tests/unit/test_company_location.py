"""Where the company file is: the SQLite file of the data folder, or (team mode) the PostgreSQL database that
--database / INVOICE_DESKTOP_DATABASE_URL names (config, store.location)."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoice_desktop.__main__ import main
from invoice_desktop.config import AppPaths, resolve_database_url
from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.store.location import checked_url, is_database_url, shown


def test_the_option_wins_over_the_environment_and_without_either_it_is_the_sqlite_file(tmp_path: Path):
    env = {"INVOICE_DESKTOP_DATABASE_URL": "postgresql://desk@db/env"}
    assert resolve_database_url("postgresql://desk@db/option", env) == "postgresql://desk@db/option"
    assert resolve_database_url(None, env) == "postgresql://desk@db/env"
    assert resolve_database_url(None, {}) is None
    assert AppPaths(tmp_path).company_location == tmp_path / "company.sqlite3"
    assert AppPaths(tmp_path, database_url="postgresql://desk@db/co").company_location == "postgresql://desk@db/co"


def test_a_password_is_never_shown():
    assert shown("postgresql://desk:s3cret@db.lan:5433/company") == "postgresql://desk:***@db.lan:5433/company"
    assert shown("postgresql://desk@db.lan/company") == "postgresql://desk@db.lan/company"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://desk@db/company", "is not a PostgreSQL URL"),
        ("postgresql://desk@db/", "names no server or no database"),
        ("postgresql://desk@db:port/company", "port that is not a number"),
    ],
)
def test_a_url_that_names_no_postgresql_database_is_refused_in_one_line(
    url: str, said: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(CompanyFileError, match=said):
        checked_url(url)
    assert main(["--data-dir", str(data_dir), "--database", url, "invoices"]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1
    assert not (data_dir / "company.sqlite3").exists()  # no SQLite file made instead


def test_only_postgresql_urls_are_database_urls(tmp_path: Path):
    assert is_database_url("postgresql://desk@db/co") and is_database_url("postgres://desk@db/co")
    assert not is_database_url(tmp_path / "company.sqlite3") and not is_database_url("company.sqlite3")
