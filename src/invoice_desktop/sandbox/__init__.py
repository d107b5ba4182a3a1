"""The built-in Xero sandbox: a faithful local Xero on loopback (docs/product.md §6)."""

from invoice_desktop.config import LOCAL_XERO_CLIENT_ID

# The client id of the desktop app registered in the sandbox: the one the app uses with a Xero that is not the real
# one when no other client id was given (xero.settings.effective_client_id); the sandbox takes any.
SANDBOX_CLIENT_ID = LOCAL_XERO_CLIENT_ID
