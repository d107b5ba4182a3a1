"""The composition root: what the commands and the window are given to work with (docs/architecture.md).

One AppContext is made at start-up (__main__) from the arguments and the environment: where the company file is,
which Xero to talk to and with which client id. The commands (cli/) and the window (ui/) both take it; neither
builds one of its own, and neither knows whether the Xero behind `endpoints` is the real one or the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.company_client import open_client


@dataclass
class AppContext:
    """Where the company file is and which Xero to talk to."""

    paths: AppPaths
    endpoints: XeroEndpoints
    client_id: str | None
    xero_admin_url: str | None = None  # a page where Xero's side can be changed by hand (the demo's sandbox)
    # The window's Resync runs the export engine in a process of its own (jobs.engine_process): run_window's
    # choice; tests that drive the window's widgets keep it on a thread unless they ask.
    engine_in_child: bool = False

    def open_client(self) -> XeroClient:
        """The company file's Xero client (NotConnected / ConnectionDropped when there is none to use)."""
        return open_client(self.paths, self.endpoints, self.client_id)
