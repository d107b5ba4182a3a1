"""`xero sync | resync | failed | synced` (the export engine's commands), registered under `xero`."""

from __future__ import annotations

import argparse


def register(xero_subparsers: argparse._SubParsersAction) -> None:
    return None
