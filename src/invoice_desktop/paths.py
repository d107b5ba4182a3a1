"""Finding bundled resources from a checkout, an installed wheel or a PyInstaller bundle."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path


def resource_path(name: str) -> Path:
    """Absolute path of a file under resources/ (e.g. 'icons/app.svg')."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidate = Path(bundle) / "invoice_desktop" / "resources" / name
        if candidate.exists():
            return candidate
    root = resources.files("invoice_desktop.resources")
    return Path(str(root.joinpath(name)))
