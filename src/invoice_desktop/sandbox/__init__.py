"""The built-in Xero sandbox: a faithful local Xero on loopback (docs/product.md §6)."""

# The client id of the desktop app registered in the sandbox. The app uses it when it talks to the sandbox and
# no other client id was given (xero.settings.effective_client_id).
SANDBOX_CLIENT_ID = "SANDBOX0DESKTOP0APP0CLIENT0ID000"
