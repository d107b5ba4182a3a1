"""Entry point: arguments, paths, logging, the company file, then a headless command or the window."""

from __future__ import annotations

import logging
import sys

from invoice_desktop.cli import EXIT_CANNOT_RUN, AppContext, build_parser, fail
from invoice_desktop.config import demo_app_paths, resolve_app_paths, resolve_client_id, resolve_endpoints
from invoice_desktop.logs import setup_logging
from invoice_desktop.store.database import CompanyFileError, close_database, open_database

log = logging.getLogger("invoice_desktop")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    sandbox_demo = args.sandbox and args.command is None
    if args.reset and not sandbox_demo:
        return fail("--reset goes with --sandbox alone: it wipes the demo company file and the sandbox's state")
    paths = demo_app_paths(args.data_dir) if sandbox_demo else resolve_app_paths(args.data_dir)
    if args.reset:
        from invoice_desktop.sandbox_demo import DemoResetError, reset_demo

        try:
            reset_demo(paths)
        except DemoResetError as exc:
            return fail(str(exc))
        print(f"invoice-desktop: the demo in {paths.data_dir} was reset; it starts fresh", file=sys.stderr)
    try:
        paths.ensure()
    except OSError as exc:
        return fail(f"cannot use the data folder {paths.data_dir}: {exc}")
    setup_logging(paths.log_dir)
    ctx = AppContext(
        paths=paths,
        endpoints=resolve_endpoints(args.xero_endpoint),
        client_id=resolve_client_id(args.client_id),
    )

    func = getattr(args, "func", None)
    if func is not None and not getattr(args, "needs_database", True):
        return func(ctx, args)

    try:
        open_database(paths.database, paths.backup_dir)
    except CompanyFileError as exc:
        log.error("company file refused: %s", exc)
        return fail(str(exc))
    try:
        if func is None:
            from invoice_desktop.ui.app import run_sandbox_demo, run_window

            return run_sandbox_demo(ctx) if sandbox_demo else run_window(ctx)
        return func(ctx, args)
    except KeyboardInterrupt:
        return EXIT_CANNOT_RUN
    finally:
        close_database()


if __name__ == "__main__":
    sys.exit(main())
