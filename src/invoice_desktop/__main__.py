"""Entry point: arguments, paths, logging, the company file, then a headless command or the window.

Whatever goes wrong ends as one line and exit status 2 (cli.boundary), never a traceback."""

from __future__ import annotations

import argparse
import multiprocessing
import sys

from invoice_desktop.app_context import AppContext
from invoice_desktop.cli import build_parser, fail
from invoice_desktop.cli.boundary import guarded
from invoice_desktop.config import demo_app_paths, resolve_app_paths, resolve_client_id, resolve_endpoints
from invoice_desktop.desk import use_desk
from invoice_desktop.logs import setup_logging
from invoice_desktop.store.database import CompanyFileError, close_database, open_database


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the built app: a Resync's engine process (jobs.engine_process) starts here
    args = build_parser().parse_args(argv)
    windowed = args.command is None and sys.stderr is None  # the windowed app: no terminal to say it in
    return guarded(lambda: _run(args), bool(getattr(args, "json", False)), _show_in_a_dialog if windowed else None)


def _show_in_a_dialog(message: str) -> None:
    from invoice_desktop.ui.crash_dialog import show_startup_problem

    show_startup_problem(message)


def _run(args: argparse.Namespace) -> int:
    sandbox_demo = args.sandbox and args.command is None
    if args.reset and not sandbox_demo:
        return fail("--reset goes with --sandbox alone: it wipes the demo company file and the sandbox's state")
    paths = (
        demo_app_paths(args.data_dir)
        if sandbox_demo
        else resolve_app_paths(args.data_dir, args.database, args.token_dir)
    )
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
        raise CompanyFileError(f"cannot use the data folder {paths.data_dir}: {exc.strerror or exc}") from exc
    setup_logging(paths.log_dir)  # without a log file the app still runs; messages pointing at the log say why
    use_desk(paths)  # the user name this desk's work is recorded under
    ctx = AppContext(
        paths=paths,
        endpoints=resolve_endpoints(args.xero_endpoint),
        client_id=resolve_client_id(args.client_id),
    )

    func = getattr(args, "func", None)
    if func is not None and not getattr(args, "needs_database", True):
        return func(ctx, args)

    open_database(paths.company_location, paths.backup_dir)  # a CompanyFileError is the boundary's one line
    try:
        if func is None:
            if sandbox_demo:
                from invoice_desktop.sandbox_demo import run_demo_window

                return run_demo_window(ctx)
            from invoice_desktop.ui.app import run_window

            return run_window(ctx)
        return func(ctx, args)
    finally:
        close_database()


if __name__ == "__main__":
    sys.exit(main())
