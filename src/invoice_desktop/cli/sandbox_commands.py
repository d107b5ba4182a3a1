"""`invoice-desktop sandbox [--port P] [--state DIR] [--auto-approve]`: serve the Xero sandbox on loopback until
Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from invoice_desktop.app_context import AppContext
from invoice_desktop.cli import EXIT_OK, fail


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sandbox", help="serve the Xero sandbox on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="the port to listen on (default: a free one)")
    parser.add_argument("--state", metavar="DIR", help="keep the sandbox's state in DIR (default: in memory)")
    parser.add_argument("--auto-approve", action="store_true", help="approve every sign-in at once (headless connects)")
    parser.set_defaults(func=run_sandbox, needs_database=False)


def run_sandbox(ctx: AppContext, args: argparse.Namespace) -> int:
    from invoice_desktop.sandbox import SANDBOX_CLIENT_ID
    from invoice_desktop.sandbox.server import start_sandbox

    try:
        sandbox = start_sandbox(Path(args.state) if args.state else None, args.port, auto_approve=args.auto_approve)
    except (OSError, ValueError) as exc:
        return fail(f"cannot start the sandbox: {exc}")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    print(f"Xero sandbox serving at {sandbox.base_url}", flush=True)
    print(f"  use: --xero-endpoint {sandbox.base_url}   (client id {SANDBOX_CLIENT_ID} or any other)", flush=True)
    print(f"  admin page (Sandbox Xero): {sandbox.admin_url}", flush=True)
    print(f"  control: {sandbox.base_url}/sandbox/control   Ctrl+C stops it", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
        print("Xero sandbox stopped", file=sys.stderr, flush=True)
    return EXIT_OK
