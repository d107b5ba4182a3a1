"""Connect to Xero on a worker thread: the sign-in in the system browser, then the organisation picker.

`waiting_for_sign_in(url, opened)` says the browser was opened (or could not be) and the flow now waits for the
sign-in; Cancel (`cancel()`) stops the wait. When the login connected several organisations the worker emits
`organisation_needed(organisations)` and waits for the window's answer through `choose(organisation)` (None: the
user declined, nothing is changed). `succeeded` carries the ConnectResult (no token in it).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.jobs.worker import Job, JobCancelled
from invoice_desktop.xero.connect import ChooseOrganisation, ConnectCancel, ConnectOptions, ConnectResult, connect
from invoice_desktop.xero.settings import Organisation


class ConnectWorker(Job):
    waiting_for_sign_in = Signal(str, bool)  # the authorize URL (not secret), whether a browser was opened
    organisation_needed = Signal(object)  # tuple[Organisation, ...]

    def __init__(
        self, paths: AppPaths, endpoints: XeroEndpoints, options: ConnectOptions, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._endpoints = endpoints
        self._options = options
        self._connect_cancel = ConnectCancel()
        self._answered = threading.Event()
        self._choice: Organisation | None = None

    def cancel(self) -> None:
        super().cancel()
        self._connect_cancel.cancel()
        self._answered.set()

    def choose(self, organisation: Organisation | None) -> None:
        """The picker's answer (called from the GUI thread)."""
        self._choice = organisation
        self._answered.set()

    def _ask(self, organisations: tuple[Organisation, ...]) -> Organisation | None:
        self._choice = None
        self._answered.clear()
        self.organisation_needed.emit(organisations)
        self._answered.wait()
        return None if self.is_cancelled else self._choice

    def work(self) -> ConnectResult:
        try:
            return connect(
                self._paths,
                self._endpoints,
                self._options,
                choose=self._ask,
                on_url=self.waiting_for_sign_in.emit,
                cancel=self._connect_cancel,
            )
        except ChooseOrganisation:
            if self._answered.is_set():  # the picker was shown and declined: nothing was changed
                raise JobCancelled from None
            raise
