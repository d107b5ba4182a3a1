"""The consent page of /identity/connect/authorize: the login's organisations with checkboxes and Allow access."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from invoice_desktop.sandbox.state import Organisation

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em;color:#1e3145}"
    "h1{font-size:1.3em}.org{display:block;padding:.5em;border:1px solid #ccd;border-radius:4px;margin:.4em 0}"
    "button{padding:.5em 1.2em;margin-right:.6em;font-size:1em}.allow{background:#13b5ea;color:#fff;border:0}"
    ".error{color:#b42318}.scopes{font-size:.9em;color:#555}"
)


def consent_page(
    action: str,
    params: Mapping[str, str],
    organisations: Iterable[Organisation],
    scopes: list[str],
    message: str = "",
) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items()
    )
    boxes = "".join(
        f'<label class="org"><input type="checkbox" name="tenant" value="{html.escape(org.tenant_id)}"'
        f"{' checked' if index == 0 else ''}> {html.escape(org.name)}</label>"
        for index, org in enumerate(organisations)
    )
    error = f'<p class="error">{html.escape(message)}</p>' if message else ""
    scope_list = ", ".join(html.escape(s) for s in scopes)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Xero (sandbox) — Allow access</title>'
        f"<style>{_STYLE}</style></head><body><h1>Invoice Desktop wants to access your Xero organisations</h1>"
        f"{error}<form method="
        f'"post" action="{html.escape(action)}">{hidden}<p>Choose the organisations to connect:</p>{boxes}'
        f'<p class="scopes">Access requested: {scope_list}</p>'
        '<button class="allow" type="submit" name="decision" value="allow">Allow access</button>'
        '<button type="submit" name="decision" value="deny">Cancel</button></form>'
        "<p><small>This is the local Xero sandbox of Invoice Desktop, not Xero.</small></p></body></html>"
    )


def error_page(reason: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Xero (sandbox) — Error</title>'
        f"<style>{_STYLE}</style></head><body><h1>Sorry, something went wrong</h1>"
        f'<p class="error">{html.escape(reason)}</p></body></html>'
    )
