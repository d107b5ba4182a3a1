"""The local Xero sandbox (see server.start_sandbox). Kept import-light: settings only needs the client id."""

from __future__ import annotations

SANDBOX_CLIENT_ID = "invoice-desktop-sandbox"
