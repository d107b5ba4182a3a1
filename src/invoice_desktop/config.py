"""Where one company file lives, and which Xero the app talks to.

Everything of one company file (database, logs, the token file fallback) sits in one data directory:
`--data-dir DIR`, else `INVOICE_DESKTOP_DATA_DIR`, else the platform's user data dir. In team mode the company
file is a PostgreSQL database instead (`--database URL`, else `INVOICE_DESKTOP_DATABASE_URL`): the data directory
then holds what stays with each desk (its logs, the token file fallback, window state).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from invoice_desktop import APP_ID

ENV_DATA_DIR = "INVOICE_DESKTOP_DATA_DIR"
ENV_XERO_ENDPOINT = "INVOICE_DESKTOP_XERO_ENDPOINT"
ENV_CLIENT_ID = "INVOICE_DESKTOP_XERO_CLIENT_ID"
ENV_KEYRING = "INVOICE_DESKTOP_KEYRING"
ENV_TOKEN_DIR = "INVOICE_DESKTOP_TOKEN_DIR"  # team mode: the folder every desk reaches that holds the Xero sign-in
ENV_DATABASE_URL = "INVOICE_DESKTOP_DATABASE_URL"

DATABASE_NAME = "company.sqlite3"
LOG_DIR_NAME = "logs"
TOKEN_FILE_NAME = "xero-token.json"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    # Team mode's shared Xero connection: the sign-in is kept in this folder (a share every desk reaches), not in
    # the desk's keyring. None: the keyring, or the data dir's owner-only file (one desk).
    shared_token_dir: Path | None = None
    database_url: str | None = None  # team mode: the company file is this PostgreSQL database

    @property
    def database(self) -> Path:
        """The SQLite company file (when no database_url is given)."""
        return self.data_dir / DATABASE_NAME

    @property
    def company_location(self) -> Path | str:
        """Where the company file is: the PostgreSQL URL in team mode, else the SQLite file."""
        return self.database_url or self.database

    @property
    def log_dir(self) -> Path:
        return self.data_dir / LOG_DIR_NAME

    @property
    def token_file(self) -> Path:
        return (self.shared_token_dir or self.data_dir) / TOKEN_FILE_NAME

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    def ensure(self) -> AppPaths:
        """Make the data folder (OSError when it cannot be made). Its logs/ is made by logs.setup_logging, which
        goes on without a log file rather than stop the app."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self


def resolve_data_dir(cli_value: str | None, environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    chosen = cli_value or env.get(ENV_DATA_DIR)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_ID, APP_ID))


def resolve_database_url(cli_value: str | None, environ: os._Environ[str] | dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return (cli_value or env.get(ENV_DATABASE_URL) or "").strip() or None


def resolve_app_paths(
    cli_value: str | None = None, database_url: str | None = None, token_dir: str | None = None
) -> AppPaths:
    shared = token_dir or os.environ.get(ENV_TOKEN_DIR)
    return AppPaths(
        resolve_data_dir(cli_value),
        shared_token_dir=Path(shared).expanduser().resolve() if shared else None,
        database_url=resolve_database_url(database_url),
    )


DEMO_FOLDER = "sandbox-demo"


def demo_app_paths(cli_value: str | None = None) -> AppPaths:
    """`--sandbox`: --data-dir when given, else a demo company file of its own beside (never in) the user's real
    one. INVOICE_DESKTOP_DATA_DIR is not used: it names a real company file."""
    if cli_value:
        return AppPaths(Path(cli_value).expanduser().resolve())
    return AppPaths(Path(platformdirs.user_data_dir(APP_ID, APP_ID)) / DEMO_FOLDER)


@dataclass(frozen=True)
class XeroEndpoints:
    """Every URL the app uses, derived from one base so a sandbox can stand in for all three Xero hosts."""

    authorize: str
    token: str
    revocation: str
    api_root: str  # where /connections lives (IdentityApi base_url)
    accounting: str  # /api.xro/2.0 (AccountingApi base_url, no trailing slash)
    is_real_xero: bool

    @classmethod
    def real(cls) -> XeroEndpoints:
        return cls(
            authorize="https://login.xero.com/identity/connect/authorize",
            token="https://identity.xero.com/connect/token",
            revocation="https://identity.xero.com/connect/revocation",
            api_root="https://api.xero.com",
            accounting="https://api.xero.com/api.xro/2.0",
            is_real_xero=True,
        )

    @classmethod
    def under(cls, base_url: str) -> XeroEndpoints:
        base = base_url.rstrip("/")
        return cls(
            authorize=f"{base}/identity/connect/authorize",
            token=f"{base}/connect/token",
            revocation=f"{base}/connect/revocation",
            api_root=base,
            accounting=f"{base}/api.xro/2.0",
            is_real_xero=False,
        )


def resolve_endpoints(cli_value: str | None = None) -> XeroEndpoints:
    chosen = cli_value or os.environ.get(ENV_XERO_ENDPOINT)
    return XeroEndpoints.under(chosen) if chosen else XeroEndpoints.real()


# The client id used with a Xero that is not the real one (the built-in sandbox, which takes any) when none was given.
LOCAL_XERO_CLIENT_ID = "SANDBOX0DESKTOP0APP0CLIENT0ID000"


def resolve_client_id(cli_value: str | None = None, stored: str | None = None) -> str | None:
    return cli_value or os.environ.get(ENV_CLIENT_ID) or stored or None
