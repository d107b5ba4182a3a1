"""Where "Open in Xero" goes: the invoice in Xero's web app, or, for the sandbox, its admin page's invoice list."""

from __future__ import annotations

from urllib.parse import urlencode

from PySide6.QtCore import QUrl

from invoice_desktop.config import XeroEndpoints

XERO_INVOICE_URL = "https://go.xero.com/AccountsReceivable/View.aspx"
SANDBOX_ADMIN_PATH = "/sandbox/admin"  # sandbox/admin_page.ADMIN_PATH (the window does not import the sandbox)


def xero_invoice_url(endpoints: XeroEndpoints, tenant_id: str, xero_invoice_id: str) -> QUrl:
    """Real Xero: go.xero.com's invoice view (it opens in the organisation the user is signed in to).
    The sandbox has no invoice view of its own: its admin page, the organisation's invoices, with the id along."""
    if endpoints.is_real_xero:
        return QUrl(f"{XERO_INVOICE_URL}?{urlencode({'InvoiceID': xero_invoice_id})}")
    query = urlencode({"org": tenant_id, "invoice": xero_invoice_id})
    return QUrl(f"{endpoints.api_root}{SANDBOX_ADMIN_PATH}?{query}#invoices")
