"""The "Sandbox Xero" admin page's HTTP side: GET /sandbox/admin?org=<tenant id> shows one organisation;
POST /sandbox/admin/action runs one SandboxControl action (admin_actions.py) and redirects back (303) to the page
with a flash message, so a reload never repeats an action.

Flash messages are kept server-side under a random id (the URL carries only the id, so nobody can make the page
say something with a crafted link). A POST whose Origin (or Sec-Fetch-Site) says it came from another site is
refused: the sandbox listens on loopback only, but a web page in the same browser could still post to it.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from invoice_desktop.sandbox import admin_actions, admin_page
from invoice_desktop.sandbox.admin_page import ACTION_PATH, ADMIN_PATH, AdminView, AppConnection
from invoice_desktop.sandbox.context import SandboxContext
from invoice_desktop.sandbox.control import ControlError, SandboxControl
from invoice_desktop.sandbox.http_messages import Request, Response, is_cross_site
from invoice_desktop.sandbox.state import Organisation

APP_NAME = "Invoice Desktop"
SECTIONS = (
    "connection", "invoices", "credit-notes", "contacts", "accounts", "settings", "plan", "currencies", "faults",
)  # fmt: skip
_MAX_FLASHES = 50


class AdminPages:
    def __init__(self, ctx: SandboxContext, control: SandboxControl) -> None:
        self._ctx = ctx
        self._control = control
        self._flashes: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def handles(self, lower_path: str) -> bool:
        return lower_path in ("/sandbox", ADMIN_PATH, ACTION_PATH)

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/").lower()
        if path == "/sandbox":
            return Response.redirect(ADMIN_PATH)
        if path == ADMIN_PATH and request.method == "GET":
            return self._page(request)
        if path == ACTION_PATH and request.method == "POST":
            return self._action(request)
        return Response.text(405, "Use GET on /sandbox/admin and POST on /sandbox/admin/action.")

    # -- GET ------------------------------------------------------------------------------------------------------

    def _page(self, request: Request) -> Response:
        try:
            org = self._control.organisation(request.query("org") or None)
        except ControlError as exc:
            return Response.html(404, admin_page.not_found_page(str(exc)))
        flash = self._take_flash(request.query("flash") or "")
        with self._ctx.state.lock:
            page = admin_page.render(self._view(org, flash))
        return Response(200, page.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8",
                                                   "Cache-Control": "no-store"})  # fmt: skip

    def _view(self, org: Organisation, flash: tuple[str, str] | None) -> AdminView:
        state = self._ctx.state
        clients = {r.auth_event_id: r.client_id for r in state.refresh_tokens.values()}
        connections = [
            AppConnection(c, f"{APP_NAME} ({clients[c.auth_event_id]})" if c.auth_event_id in clients else APP_NAME)
            for c in state.connections
            if c.tenant_id == org.tenant_id
        ]
        return AdminView(
            org=org,
            organisations=list(state.organisations.values()),
            connections=connections,
            faults=self._ctx.faults.describe(),
            limits=self._ctx.limiter.snapshot(org.tenant_id),
            auto_approve=self._ctx.options.auto_approve,
            today=self._ctx.clock.today(),
            flash=flash,
            contacts_by_id={c.contact_id.lower(): c for c in org.contacts},
        )

    # -- POST -----------------------------------------------------------------------------------------------------

    def _action(self, request: Request) -> Response:
        if is_cross_site(request):
            return Response.text(403, "Sandbox Xero only takes changes from its own page.")
        form = request.form()
        try:
            org = self._control.organisation(form.get("org") or None)
        except ControlError as exc:
            return Response.html(404, admin_page.not_found_page(str(exc)))
        action = admin_actions.ACTIONS.get(form.get("action", ""))
        if action is None:
            flash = ("error", f"Unknown action {form.get('action', '')!r}.")
        else:
            try:
                flash = ("ok", action(self._control, org, form))
            except (ControlError, ValueError, KeyError) as exc:
                flash = ("error", f"Could not do that: {_reason(exc)}")
        back = form.get("back", "")
        anchor = f"#{back}" if back in SECTIONS else ""
        return Response.redirect(admin_page.page_url(org.tenant_id, flash=self._keep_flash(flash)) + anchor, 303)

    def _keep_flash(self, flash: tuple[str, str]) -> str:
        flash_id = secrets.token_urlsafe(9)
        with self._lock:
            self._flashes[flash_id] = flash
            while len(self._flashes) > _MAX_FLASHES:
                self._flashes.popitem(last=False)
        return flash_id

    def _take_flash(self, flash_id: str) -> tuple[str, str] | None:
        with self._lock:
            return self._flashes.pop(flash_id, None)


def _reason(exc: Exception) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return text or type(exc).__name__
