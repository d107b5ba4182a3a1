"""The desktop bundle: build.spec builds a one-folder app that starts, finds its files and exits cleanly.

Slow (it runs PyInstaller): `pytest -m slow tests/bundle` (the folder is not called build: pytest never looks
in folders of that name). Needs the build extra (`pip install -e ".[build]"`) and, on Linux, objdump (binutils).
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from invoice_desktop import __version__
from invoice_desktop.config import ENV_KEYRING
from invoice_desktop.logs import LOG_FILE_NAME
from waiting import catches_signal, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="runs the bundle with SIGTERM and POSIX file modes"),
]

ROOT = Path(__file__).resolve().parents[2]
APP = "InvoiceDesktop"
FIRST_EXPORT = "sandbox demo: first export"
STARTUP_LIMIT = 90.0  # seconds; a hang guard, not a speed requirement


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller", reason='the build extra is not installed: pip install -e ".[build]"')
    out = tmp_path_factory.mktemp("pyinstaller")
    started = time.monotonic()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(out / "dist")]
    result = subprocess.run(
        [*command, "--workpath", str(out / "work"), str(ROOT / "build.spec")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stderr[-6000:]}"
    print(f"\nbundle built in {time.monotonic() - started:.1f} s")
    return out / "dist" / APP


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    """The app's own keyring policy (the test suite forces the file), Qt offscreen, QSettings kept out of $HOME."""
    env = dict(os.environ)
    env.pop(ENV_KEYRING, None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


def _executable(bundle: Path) -> Path:
    return bundle / (APP + ".exe" if sys.platform == "win32" else APP)


def _internal(bundle: Path) -> Path:
    return bundle / "_internal"  # PyInstaller's default contents directory


def test_version_prints_the_package_version(bundle: Path) -> None:
    result = subprocess.run([_executable(bundle), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"invoice-desktop {__version__}"


def test_bundle_carries_icons_sandbox_page_and_keyring_backends(bundle: Path) -> None:
    inside = _internal(bundle)
    for name in ("resources/icons/app.svg", "resources/icons/app.png", "sandbox/static/admin.css"):
        assert (inside / "invoice_desktop" / name).is_file(), name
    # The window icon is an SVG: Qt draws it through these plugins, which bring the Qt Svg library with them.
    plugins = inside / "PySide6" / "Qt" / "plugins"
    assert list(plugins.glob("iconengines/*qsvgicon*")), "the svg icon engine is missing"
    assert list(plugins.glob("imageformats/*qsvg*")), "the svg image format is missing"
    # keyring lists its backends as entry points in its metadata.
    assert list(inside.glob("keyring-*.dist-info/entry_points.txt")), "keyring metadata is missing"


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="ldd on Linux")
def test_no_bundled_library_misses_a_qt_library(bundle: Path) -> None:
    """build.spec drops unused Qt plugins and libraries: nothing kept may need one of them."""
    inside = _internal(bundle)
    env = {**os.environ, "LD_LIBRARY_PATH": str(inside)}  # as the bootloader sets it
    missing = []
    for library in sorted(inside.rglob("*.so*")):
        if library.is_symlink() or not library.is_file():
            continue
        out = subprocess.run(["ldd", str(library)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            if "libQt" in line and "not found" in line:
                missing.append(f"{library.relative_to(inside)}: {line.strip()}")
    assert missing == []


def test_bundle_chooses_token_storage_as_the_installed_app_does(
    bundle: Path, tmp_path: Path, app_env: dict[str, str]
) -> None:
    """Same keyring backends inside as outside: on a desktop both say keyring, on a bare machine both say file."""

    def storage_line(command: list[str | Path], data_dir: Path) -> str:
        result = subprocess.run(
            [*command, "--data-dir", str(data_dir), "xero", "status"],
            capture_output=True,
            text=True,
            env=app_env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return next(line.strip() for line in result.stdout.splitlines() if "kept in" in line)

    bundled = storage_line([_executable(bundle)], tmp_path / "bundled")
    installed = storage_line([sys.executable, "-m", "invoice_desktop"], tmp_path / "installed")
    assert bundled == installed


@pytest.fixture
def demo(bundle: Path, tmp_path: Path, app_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    data_dir = tmp_path / "demo"
    output = (tmp_path / "output.txt").open("wb")
    process = subprocess.Popen(
        [_executable(bundle), "--sandbox", "--data-dir", str(data_dir)],
        env=app_env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process, data_dir
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        output.close()


def test_sandbox_demo_starts_exports_and_exits_cleanly_on_sigterm(
    demo: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    process, data_dir = demo
    log_file = data_dir / "logs" / LOG_FILE_NAME
    started = time.monotonic()
    try:
        wait_until(lambda: FIRST_EXPORT in _read(log_file), "the first export", process=process, timeout=STARTUP_LIMIT)
        wait_until(lambda: catches_signal(process.pid), "the window's SIGTERM handler", process=process)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_output(tmp_path)}") from None
    print(f"\nfirst export logged and the window up {time.monotonic() - started:.1f} s after start")

    time.sleep(3)  # what is under test: the window, up now, stays up (a crash shortly after start shows here)
    assert process.poll() is None, f"exited with {process.returncode}:\n{_output(tmp_path)}"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, _output(tmp_path)

    log = log_file.read_text(encoding="utf-8")
    assert " ERROR " not in log and "Traceback" not in log, log
    assert "Traceback" not in _output(tmp_path), _output(tmp_path)
    # The demo keeps the sandbox sign-in in the owner-only file, never the system keyring.
    token_file = data_dir / "xero-token.json"
    assert token_file.is_file()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _output(tmp_path: Path) -> str:
    return (tmp_path / "output.txt").read_text(encoding="utf-8", errors="replace")[-4000:]
