"""A throwaway PostgreSQL server for the tests' PostgreSQL leg: initdb and pg_ctl (Debian's `postgresql` package)
on a temp data dir, on a free port of 127.0.0.1, trust authentication. Run as root, the server runs as the
`postgres` user (PostgreSQL refuses root) and its data dir is owned by it.

    python tests/postgres_server.py start DIR    prints the server's URL (postgresql://postgres@127.0.0.1:PORT/postgres)
    python tests/postgres_server.py stop DIR

tests/conftest.py starts one itself when no INVOICE_DESKTOP_TEST_POSTGRES_URL is given; .ci/run starts one for the
whole run.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SUPERUSER = "postgres"


def bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else the PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path and shutil.which("pg_ctl") else None


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", SUPERUSER, "--", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: Path) -> str:
    """Start a server with its data under `folder`; its URL. RuntimeError (saying why) when it cannot."""
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, SUPERUSER)
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True}
    try:
        subprocess.run(
            _as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
                             "-E", "UTF8", "--locale=C.UTF-8"]), **run,
        )  # fmt: skip
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run(
            _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                             "-o", options, "-w", "-t", "60", "start"]), **run,
        )  # fmt: skip
    except (subprocess.CalledProcessError, OSError) as exc:
        said = getattr(exc, "stderr", "") or ""
        raise RuntimeError(f"the PostgreSQL server could not be started: {exc} {said.strip()}") from exc
    (folder / "port").write_text(str(port))
    return url_of(port)


def url_of(port: int) -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"


def stop(folder: Path) -> None:
    binaries = bin_dir()
    if binaries is None or not (folder / "data").exists():
        return
    subprocess.run(
        _as_server_user([str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]),
        capture_output=True,
    )


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(where))
    elif command == "stop":
        stop(where)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop DIR")
