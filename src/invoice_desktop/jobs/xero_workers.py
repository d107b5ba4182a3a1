"""The other Xero jobs of Settings > Xero: fetch Xero's settings again, and disconnect (both talk to Xero)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.jobs.worker import Job
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.connect import DisconnectResult, disconnect
from invoice_desktop.xero.xero_cache import XeroCache, refresh_cache


class XeroJob(Job):
    def __init__(
        self, paths: AppPaths, endpoints: XeroEndpoints, client_id: str | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.endpoints = endpoints
        self.client_id = client_id


class RefreshWorker(XeroJob):
    """Fetch the connected organisation's accounts, tax rates, tracking categories, ... into the cache."""

    def work(self) -> XeroCache:
        return refresh_cache(open_client(self.paths, self.endpoints, self.client_id))


class DisconnectWorker(XeroJob):
    """Disconnect and delete settings: remove the connection in Xero, revoke the sign-in, forget everything."""

    def work(self) -> DisconnectResult:
        return disconnect(self.paths, self.endpoints)
