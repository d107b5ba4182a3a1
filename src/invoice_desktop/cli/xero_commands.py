"""`xero connect | disconnect | status | settings` (and, through export_commands, `sync | resync | failed | synced`).

Thin: parse, call invoice_desktop.xero, print. Errors go to stderr with exit status 2 ("could not run").
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from invoice_desktop.app_context import AppContext
from invoice_desktop.cli import EXIT_CANNOT_RUN, EXIT_OK, EXIT_PARTIAL, ArgumentParser, fail, print_json
from invoice_desktop.xero.callback_server import DEFAULT_PORT, DEFAULT_TIMEOUT
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.connect import (
    XERO_CALL_ERRORS,
    ChooseOrganisation,
    ConnectOptions,
    ConnectResult,
    connect,
    describe_error,
    disconnect,
    sign_in_checklist,
)
from invoice_desktop.xero.settings import Destination, SettingsError, XeroSettings, load_connection, load_settings
from invoice_desktop.xero.settings_edit import SettingsChange, change_settings
from invoice_desktop.xero.status import XeroStatus, load_status
from invoice_desktop.xero.tokens import STORAGE_WORDS
from invoice_desktop.xero.xero_cache import XeroCache, load_cache, refresh_cache

ON_OFF = {"on": True, "off": False}


def register(subparsers: argparse._SubParsersAction) -> None:
    from invoice_desktop.cli import export_commands

    xero = subparsers.add_parser("xero", help="the Xero interface: connect, status, settings, sync")
    xero.set_defaults(func=lambda ctx, args: _usage(xero))
    commands = xero.add_subparsers(dest="xero_command", metavar="XERO_COMMAND", parser_class=ArgumentParser)

    p = commands.add_parser("connect", help="sign in to Xero and connect this company file to an organisation")
    p.add_argument("--client-id", dest="connect_client_id", metavar="ID", help="the Xero app's client id (PKCE)")
    p.add_argument("--tenant", metavar="NAME_OR_ID", help="the organisation, when the login has several")
    p.add_argument("--no-browser", action="store_true", help="print the sign-in address instead of opening it")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"loopback callback port (default {DEFAULT_PORT})")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds to wait for the sign-in")
    p.set_defaults(func=cmd_connect)

    p = commands.add_parser("disconnect", help="disconnect from Xero and delete the Xero settings")
    p.set_defaults(func=cmd_disconnect)

    p = commands.add_parser("status", help="the connection, where the sign-in is kept, the export queue")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = commands.add_parser("settings", help="show or change the Xero settings (checked against Xero's chart)")
    p.add_argument("--destination", choices=[d.value for d in Destination], help="the status new invoices get")
    p.add_argument("--auto-export", choices=list(ON_OFF), help="export invoices when they are approved")
    p.add_argument("--import-payments", choices=list(ON_OFF), help="import payments recorded in Xero")
    p.add_argument("--income-account", metavar="XERO_CODE", help="the default income account")
    p.add_argument("--payments-account", metavar="XERO_CODE", help="the Xero bank account payments recorded here go to")
    p.add_argument("--send-payments", choices=list(ON_OFF), help="send payments recorded here to Xero")
    p.add_argument("--map", action="append", default=[], metavar="LOCAL=XERO_CODE", help="map a local account")
    p.add_argument(
        "--map-tax", action="append", default=[], metavar="LOCAL_TAX_NAME=XERO_TAX_TYPE", help="map a tax rate"
    )
    p.add_argument(
        "--broad-scopes",
        choices=list(ON_OFF),
        help="sign in with the broad scopes of Xero apps created before March 2026 (at the next connect)",
    )
    p.add_argument("--tracking", action="append", metavar="NAME", help="a Xero tracking category (at most two)")
    p.add_argument("--no-tracking", action="store_true", help="use no tracking categories")
    switch = p.add_mutually_exclusive_group()
    switch.add_argument("--enable", dest="enabled", action="store_const", const=True, help="switch the interface on")
    switch.add_argument("--disable", dest="enabled", action="store_const", const=False, help="switch it off")
    p.add_argument("--refresh", action="store_true", help="fetch Xero's accounts, tax rates and settings again")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_settings)

    export_commands.register(commands)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_CANNOT_RUN


# -- connect / disconnect ----------------------------------------------------------------------------------------


def cmd_connect(ctx: AppContext, args: argparse.Namespace) -> int:
    options = ConnectOptions(
        client_id=args.connect_client_id or ctx.client_id,
        tenant=args.tenant,
        open_browser=not args.no_browser,
        port=args.port,
        timeout=args.timeout,
    )
    try:
        result = connect(ctx.paths, ctx.endpoints, options, on_url=_show_url)
    except ChooseOrganisation as exc:
        print(f"invoice-desktop: {exc}", file=sys.stderr)
        print("Organisations of this login (use --tenant NAME_OR_ID):", file=sys.stderr)
        for org in exc.organisations:
            print(f"  {org.name}  ({org.tenant_id})", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except XERO_CALL_ERRORS as exc:
        return fail(describe_error(exc))
    _print_connected(result)
    return EXIT_OK


def _show_url(url: str, opened: bool) -> None:
    if opened:
        print("Your browser was opened to sign in to Xero. If it did not open, visit:", flush=True)
    else:
        print("Open this address in a browser to sign in to Xero:", flush=True)
    print(f"  {url}", flush=True)
    print("Waiting for Xero (Ctrl+C cancels)…", flush=True)
    print(sign_in_checklist(url), flush=True)


def _print_connected(result: ConnectResult) -> None:
    verb = "Reconnected" if result.reconnected else "Connected"
    print(f"{verb} to the Xero organisation {result.organisation.name!r} ({result.organisation.tenant_id}).")
    if result.reconnected:
        print("Your Xero settings (mapping, switches) were kept.")
    if result.cache is not None:
        cache = result.cache
        tracking = _count(cache.tracking_categories, "tracking category")
        print(
            f"Xero's settings cached: {len(cache.accounts)} accounts ({len(cache.sales_accounts())} usable on "
            f"sales invoices), {len(cache.tax_rates)} tax rates, {tracking}."
        )
        _print_problems(cache.problems)
    if result.cache_error:
        print(f"Warning: {result.cache_error}", file=sys.stderr)
    if result.storage_warning:
        print(f"Warning: {result.storage_warning}", file=sys.stderr)
    if not load_settings().enabled:
        print("The Xero interface is not enabled yet: choose a default income account, then enable it, e.g.")
        print("  invoice-desktop xero settings --income-account 200 --enable")


def _count(items: tuple[object, ...], noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{len(items)} {noun if len(items) == 1 else plural}"


def _print_problems(problems: tuple[str, ...]) -> None:
    if problems:
        print(f"{len(problems)} item(s) of Xero's settings could be read only in part (see the log):")
        for problem in problems[:10]:
            print(f"  {problem}")


def cmd_disconnect(ctx: AppContext, args: argparse.Namespace) -> int:
    record = load_connection()
    if not record.tenant_id:
        print("Xero is not connected; any Xero settings and saved sign-in are deleted.")
    result = disconnect(ctx.paths, ctx.endpoints)
    if record.tenant_id:
        print(f"Disconnected from the Xero organisation {result.organisation!r}; the Xero settings were deleted.")
    for problem in result.problems:
        print(f"Warning: {problem}", file=sys.stderr)
    return EXIT_PARTIAL if result.problems else EXIT_OK


# -- status ------------------------------------------------------------------------------------------------------


def cmd_status(ctx: AppContext, args: argparse.Namespace) -> int:
    status = load_status(ctx.paths)
    if args.json:
        print_json(status.to_json())
        return EXIT_OK
    _print_status(status)
    return EXIT_OK


def _print_status(status: XeroStatus) -> None:
    where = f" — {status.organisation} ({status.tenant_id})" if status.tenant_id else ""
    print(f"Xero: {status.state.label}{where}")
    if status.dropped_reason:
        print(f"  Why: {status.dropped_reason}")
    if status.tenant_id and not status.signed_in:
        print("  The saved Xero sign-in is missing: reconnect with `xero connect`.")
    storage = STORAGE_WORDS[status.token_storage].replace(" in the company file's folder", "")
    if status.signed_in or status.tenant_id:
        print(f"  Sign-in kept in: {storage}")
        if status.token_warning:
            print(f"  Warning: {status.token_warning}")
    else:
        print(f"  A sign-in would be kept in: {storage}")
    if status.connected_at:
        print(f"  Connected at: {status.connected_at}")
    if status.last_change_text:
        print(f"  Last change: {status.last_change_text}")
    print(f"  Last sync: {status.last_sync_at or 'never'}")
    if status.settings_fetched_at:
        print(f"  Xero's settings fetched at: {status.settings_fetched_at}")
    queue = ", ".join(f"{state.replace('_', ' ')} {n}" for state, n in status.queue.items())
    print(f"  Export queue: {queue}")


# -- settings ----------------------------------------------------------------------------------------------------


def cmd_settings(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        change = _settings_change(args)
    except ValueError as exc:
        return fail(str(exc))
    record = load_connection()
    cache = load_cache()
    if cache is not None and cache.tenant_id != record.tenant_id:
        cache = None  # another organisation's chart
    if args.refresh or (change.needs_chart and cache is None and record.tenant_id):
        try:
            cache = refresh_cache(open_client(ctx.paths, ctx.endpoints, ctx.client_id))
        except XERO_CALL_ERRORS as exc:
            return fail(f"Xero's settings could not be fetched: {describe_error(exc)}")
    warnings: tuple[str, ...] = ()
    settings = load_settings()
    if not change.is_empty:
        try:
            saved = change_settings(change, cache)
        except SettingsError as exc:
            print("invoice-desktop: nothing was changed:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return EXIT_CANNOT_RUN
        settings, warnings = saved.settings, saved.warnings
    if args.json:
        print_json(_settings_json(settings, cache, warnings))
    else:
        if not change.is_empty:
            print("Saved.")
        _print_settings(settings, cache, warnings)
    return EXIT_OK


def _settings_change(args: argparse.Namespace) -> SettingsChange:
    tracking: tuple[str, ...] | None = None
    if args.no_tracking:
        tracking = ()
    elif args.tracking:
        tracking = tuple(args.tracking)
    return SettingsChange(
        enabled=args.enabled,
        destination=Destination(args.destination) if args.destination else None,
        export_on_approval=ON_OFF[args.auto_export] if args.auto_export else None,
        import_payments=ON_OFF[args.import_payments] if args.import_payments else None,
        income_account=args.income_account,
        account_map=_pairs(args.map, "--map LOCAL=XERO_CODE"),
        tax_map=_pairs(args.map_tax, "--map-tax LOCAL_TAX_NAME=XERO_TAX_TYPE"),
        tracking=tracking,
        broad_scopes=ON_OFF[args.broad_scopes] if args.broad_scopes else None,
        payments_account=args.payments_account,
        send_payments=ON_OFF[args.send_payments] if args.send_payments else None,
    )


def _pairs(values: list[str], form: str) -> dict[str, str]:
    """LOCAL=XERO pairs; the local side may hold spaces ("GST on Income=OUTPUT"); "LOCAL=" removes one."""
    pairs: dict[str, str] = {}
    for value in values:
        local, sep, xero = value.rpartition("=")
        if not sep or not local.strip():
            raise ValueError(f"{value!r} is not of the form {form}")
        pairs[local.strip()] = xero.strip()
    return pairs


def _settings_json(settings: XeroSettings, cache: XeroCache | None, warnings: tuple[str, ...]) -> dict[str, Any]:
    record = load_connection()
    return {
        "organisation": record.tenant_name or None,
        "tenant_id": record.tenant_id or None,
        "settings": settings.to_json(),
        "xero": None
        if cache is None
        else {
            "fetched_at": cache.fetched_at,
            "sales_accounts": [{"code": a.code, "name": a.name, "type": a.type} for a in cache.sales_accounts()],
            "sales_tax_rates": [
                {"tax_type": t.tax_type, "name": t.name, "rate": str(t.rate)} for t in cache.sales_tax_rates()
            ],
            "tracking_categories": [c.name for c in cache.active_tracking_categories()],
            "payment_accounts": [{"code": a.code, "name": a.name, "type": a.type} for a in cache.payment_accounts()],
            "problems": list(cache.problems),
        },
        "warnings": list(warnings),
    }


def _print_settings(settings: XeroSettings, cache: XeroCache | None, warnings: tuple[str, ...]) -> None:
    record = load_connection()
    org = f"{record.tenant_name} ({record.tenant_id})" if record.tenant_id else "not connected"
    print(f"Xero organisation: {org}")
    print(f"  Interface enabled: {'yes' if settings.enabled else 'no'}")
    print(f"  New invoices go to Xero as: {settings.destination.label}")
    print(f"  Export on approval: {'on' if settings.export_on_approval else 'off'}")
    print(f"  Import payments: {'on' if settings.import_payments else 'off'}")
    print(f"  Default income account: {_account_label(settings.income_account, cache) or 'not chosen'}")
    print(f"  Account mapping: {'none' if not settings.account_map else ''}")
    for local, code in settings.account_map.items():
        print(f"    {local} -> {_account_label(code, cache)}")
    print(f"  Tax mapping: {'none' if not settings.tax_map else ''}")
    for local, tax_type in settings.tax_map.items():
        rate = cache.tax_rate(tax_type) if cache else None
        print(f"    {local} -> {tax_type}" + (f" ({rate.name}, {rate.rate}%)" if rate else ""))
    print(f"  Tracking categories: {', '.join(settings.tracking) or 'none'}")
    print(f"  Payments go to: {_account_label(settings.payments_account, cache) or 'not chosen'}")
    print(f"  Send payments recorded here to Xero: {'on' if settings.send_payments else 'off'}")
    print(f"  Sign-in scopes: {'broad (apps created before March 2026)' if settings.broad_scopes else 'granular'}")
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if cache is None:
        print("Xero's chart of accounts is not cached: connect, or use --refresh.")
        return
    print(f"Xero's settings, fetched at {cache.fetched_at}:")
    print("  Accounts usable on sales invoices: " + ", ".join(a.label for a in cache.sales_accounts()))
    print("  Tax rates usable on sales invoices: " + ", ".join(
        f"{t.tax_type} ({t.name})" for t in cache.sales_tax_rates()
    ))  # fmt: skip
    names = [c.name for c in cache.active_tracking_categories()]
    print(f"  Tracking categories: {', '.join(names) or 'none'}")
    print("  Accounts payments may go to: " + ", ".join(a.label for a in cache.payment_accounts()))
    _print_problems(cache.problems)


def _account_label(code: str, cache: XeroCache | None) -> str:
    account = cache.account(code) if cache and code else None
    return account.label if account else code
