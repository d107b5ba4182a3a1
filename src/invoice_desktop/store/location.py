"""Where a company file lives: a SQLite file (a path) or a PostgreSQL database (a URL, team mode).

`--database URL` / INVOICE_DESKTOP_DATABASE_URL name a PostgreSQL database
(`postgresql://user[:password]@host[:port]/dbname`); without one, the company file is the SQLite file in the data
folder. A URL is only ever shown with its password masked.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from invoice_desktop.store.errors import CompanyFileError

SCHEMES = ("postgresql", "postgres")

CompanyLocation = Path | str  # a SQLite file, or a PostgreSQL URL


def is_database_url(location: CompanyLocation) -> bool:
    return isinstance(location, str) and urlsplit(location).scheme in SCHEMES


def checked_url(url: str) -> str:
    """`url` when it names a PostgreSQL database; else a CompanyFileError saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise CompanyFileError(
            f"{shown(url)} is not a PostgreSQL URL: write it as postgresql://user[:password]@host[:port]/dbname."
        )
    if not parts.hostname or not parts.path.strip("/"):
        raise CompanyFileError(
            f"{shown(url)} names no server or no database: write it as postgresql://user[:password]@host[:port]/dbname."
        )
    try:
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number
    except ValueError as exc:
        raise CompanyFileError(f"{shown(url)} has a port that is not a number.") from exc
    return url


def shown(url: str) -> str:
    """The URL as it may be printed or logged: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.strip("/")


def described(location: CompanyLocation) -> str:
    return shown(location) if isinstance(location, str) else str(location)
