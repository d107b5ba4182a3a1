"""Business > Settings > Xero: the "Xero settings" window (it sets up the Xero interface).

The Connection section connects (sign-in in the system browser on a worker thread, Cancel while waiting, a picker
when the login has several organisations), reconnects (the settings are kept) and disconnects (after asking; the
token is revoked and every Xero setting deleted). The Settings section (while connected, or on the cached chart,
marked stale, while the connection is dropped) is saved through xero.settings_edit: every problem is listed and
nothing is changed when there is one. Closing with settings changed and not saved (Close, Esc or the window's close
button) asks first: Save, Discard or Cancel.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.connect_worker import ConnectWorker
from invoice_desktop.jobs.failure import JobFailure
from invoice_desktop.jobs.worker import Job, start_kept_alive
from invoice_desktop.jobs.xero_workers import DisconnectWorker, RefreshWorker
from invoice_desktop.ledger import catalog
from invoice_desktop.ui.confirm import ask_discard
from invoice_desktop.ui.desk_settings import DeskSettingsBox
from invoice_desktop.ui.plain_text import Markup, as_markup, message_box
from invoice_desktop.ui.xero_settings_connection import ConnectionPanel
from invoice_desktop.ui.xero_settings_form import LocalBooks, XeroSettingsForm
from invoice_desktop.ui.xero_settings_widgets import MessageLabel, OrganisationPicker
from invoice_desktop.xero.connect import ConnectOptions, ConnectResult, DisconnectResult, sign_in_checklist
from invoice_desktop.xero.settings import ConnectionState, SettingsError, load_connection, load_settings
from invoice_desktop.xero.settings_edit import change_settings
from invoice_desktop.xero.status import load_status
from invoice_desktop.xero.xero_cache import XeroCache, load_cache

TITLE = "Xero settings"  # named as the menu item that opens it: Business > Settings > Xero
JOB_STOP_WAIT_MS = 15_000  # a cancelled sign-in stops at once; a Xero call ends within its (integer) timeout


class XeroSettingsDialog(QDialog):
    connection_changed = Signal()  # connected, disconnected, dropped, or the interface switched on or off
    job_done = Signal()  # a background job (connect, refresh, disconnect) ended, whatever its outcome

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, connect_options: ConnectOptions | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setObjectName("xero_settings_dialog")
        self.ctx = ctx
        self.connect_options = connect_options or ConnectOptions(client_id=ctx.client_id)
        self.job: Job | None = None
        self.picker: OrganisationPicker | None = None
        self.confirm_box: QMessageBox | None = None
        self.cache: XeroCache | None = None

        self.connection = ConnectionPanel(self)
        self.desk = DeskSettingsBox(ctx.paths, self)
        self.form = XeroSettingsForm(self)
        self.messages = MessageLabel("Messages", self)
        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton("Save", self)
        self.save_button.setAccessibleName("Save the Xero settings")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ApplyRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)

        self.connection.connect_requested.connect(self.start_connect)
        self.connection.cancel_requested.connect(self.cancel_job)
        self.connection.disconnect_requested.connect(self.confirm_disconnect)
        self.form.refresh_button.clicked.connect(self.start_refresh)
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.desk.saved.connect(self.messages.show_info)
        self.desk.refused.connect(self.messages.show_error)

        layout = QVBoxLayout(self)
        layout.addWidget(self.connection)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.messages)
        bottom = QHBoxLayout()
        bottom.addWidget(self.desk)
        bottom.addSpacing(24)
        bottom.addWidget(self.buttons, 1)
        layout.addLayout(bottom)
        self.resize(1120, 640)  # the mapping's labels whole ("… (archived in Xero)")
        self.reload()

    # -- what is shown -----------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the stored connection, settings and Xero's cached settings again."""
        record = load_connection()
        cache = load_cache()
        self.cache = cache if cache is not None and cache.tenant_id == record.tenant_id else None
        books = LocalBooks(tuple(catalog.list_accounts()), tuple(catalog.list_tax_rates()))
        self.connection.show_status(load_status(self.ctx.paths))
        self.form.load(load_settings(), self.cache, books)
        self._update_enabled()

    def _update_enabled(self) -> None:
        """Connected: the form. Dropped: the form too, on the cached chart marked as such (the mapping the Failed
        tooltip sends the bookkeeper to fix can be fixed before reconnecting), but no Refresh from Xero."""
        state = load_connection().state
        connected = state is ConnectionState.CONNECTED
        offline = state is ConnectionState.DROPPED and self.cache is not None
        idle = self.job is None
        self.form.set_offline(offline)
        self.form.setEnabled((connected or offline) and idle)
        self.form.refresh_button.setEnabled(connected and idle)
        self.save_button.setEnabled((connected or offline) and idle)

    def _start(self, job: Job, busy_text: str, *, cancellable: bool = False) -> None:
        self.job = job
        self.messages.clear_message()
        job.failed.connect(self.on_job_failed)
        job.cancelled.connect(self.on_job_cancelled)
        job.finished.connect(self.on_job_finished)
        self.connection.set_busy(busy_text, cancellable=cancellable)
        self._update_enabled()
        start_kept_alive(job)  # not a child: the dialog may be closed and deleted while the job still runs

    @Slot()
    def on_job_finished(self) -> None:
        self.job = None  # the job itself is let go of by jobs.worker once its thread has ended
        self.connection.set_busy(None)
        self.connection.show_status(load_status(self.ctx.paths))
        self._update_enabled()
        self.job_done.emit()

    @Slot(object)
    def on_job_failed(self, failure: JobFailure) -> None:
        self.messages.show_error(failure.text())
        self.connection_changed.emit()  # a dropped connection is news for the status bar too

    @Slot()
    def on_job_cancelled(self) -> None:
        self.messages.show_info("Cancelled: nothing was changed.")

    @Slot()
    def cancel_job(self) -> None:
        if self.job is not None:
            self.connection.cancel_button.setEnabled(False)
            self.job.cancel()

    # -- connect -----------------------------------------------------------------------------------------------

    @Slot()
    def start_connect(self) -> None:
        if self.job is not None:
            return
        worker = ConnectWorker(self.ctx.paths, self.ctx.endpoints, self.connect_options)
        worker.waiting_for_sign_in.connect(self.on_waiting_for_sign_in)
        worker.organisation_needed.connect(self.on_organisation_needed)
        worker.succeeded.connect(self.on_connected)
        self._start(worker, "Starting the sign-in…", cancellable=True)

    @Slot(str, bool)
    def on_waiting_for_sign_in(self, url: str, opened: bool) -> None:
        link = f'<a href="{html.escape(url, quote=True)}">open the Xero sign-in page</a>'
        first = "Sign in to Xero in the browser window that opened" if opened else f"Please {link} in a browser"
        more = f" (if it did not open, {link})" if opened else ""
        check = as_markup(sign_in_checklist(url))  # what Xero's own page may be saying
        self.connection.set_busy(
            Markup(f"<p>{first}{more}, then allow access. Waiting for Xero…</p>{check}"), cancellable=True
        )

    @Slot(object)
    def on_organisation_needed(self, organisations: tuple) -> None:
        self.connection.set_busy("Choose the Xero organisation to connect to…", cancellable=True)
        self.picker = OrganisationPicker(organisations, load_connection().tenant_id, self)
        self.picker.finished.connect(self.on_picker_finished)
        self.picker.open()

    @Slot(int)
    def on_picker_finished(self, result: int) -> None:
        picker, self.picker = self.picker, None
        if picker is None:
            return
        chosen = picker.chosen() if result == QDialog.DialogCode.Accepted else None
        picker.deleteLater()
        if isinstance(self.job, ConnectWorker):
            self.connection.set_busy(
                f"Connecting to {chosen.label}…" if chosen else "Cancelling…", cancellable=chosen is not None
            )
            self.job.choose(chosen)

    @Slot(object)
    def on_connected(self, result: ConnectResult) -> None:
        self.reload()
        verb = "Reconnected" if result.reconnected else "Connected"
        lines = [f"{verb} to {result.organisation.label}."]
        if result.reconnected:
            lines.append("Your Xero settings were kept.")
        if not load_settings().enabled:
            lines.append("Choose a default income account, then enable the interface and Save.")
        if result.cache_error:
            lines.append(result.cache_error)
        if result.cache_error:
            self.messages.show_error(" ".join(lines))
        else:
            self.messages.show_info(" ".join(lines))
        self.connection_changed.emit()

    # -- refresh -----------------------------------------------------------------------------------------------

    @Slot()
    def start_refresh(self) -> None:
        if self.job is not None:
            return
        worker = RefreshWorker(self.ctx.paths, self.ctx.endpoints, self.ctx.client_id)
        worker.succeeded.connect(self.on_refreshed)
        self._start(worker, "Fetching Xero's accounts, tax rates and tracking categories…")

    @Slot(object)
    def on_refreshed(self, cache: XeroCache) -> None:
        self.cache = cache
        self.form.set_cache(cache)
        self.messages.show_info("Xero's accounts, tax rates and tracking categories were fetched again.")

    # -- disconnect --------------------------------------------------------------------------------------------

    @Slot()
    def confirm_disconnect(self) -> None:
        organisation = load_connection().tenant_name or "Xero"
        box = message_box(
            QMessageBox.Icon.Warning,
            "Disconnect from Xero",
            f"Disconnect from {organisation} and delete the Xero settings?\n\n"
            "The sign-in is revoked in Xero and the mapping, switches and default income account are deleted; "
            "they must be set up again after connecting. Invoices already in Xero stay there.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.addButton("Disconnect and delete settings", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(self.on_confirm_finished)
        self.confirm_box = box
        box.open()

    @Slot(int)
    def on_confirm_finished(self, _result: int) -> None:
        box, self.confirm_box = self.confirm_box, None
        if box is None:
            return
        confirmed = box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.DestructiveRole
        box.deleteLater()
        if confirmed and self.job is None:
            worker = DisconnectWorker(self.ctx.paths, self.ctx.endpoints, self.ctx.client_id)
            worker.succeeded.connect(self.on_disconnected)
            self._start(worker, "Disconnecting from Xero…")

    @Slot(object)
    def on_disconnected(self, result: DisconnectResult) -> None:
        self.reload()
        done = "Disconnected from Xero; the Xero settings were deleted."
        if result.problems:
            self.messages.show_problems(done, result.problems)
        else:
            self.messages.show_info(done)
        self.connection_changed.emit()

    # -- save --------------------------------------------------------------------------------------------------

    @Slot()
    def save(self) -> bool:
        """Save what was changed; True when it was saved."""
        change = self.form.change()
        if change.is_empty:
            self.messages.show_info("Nothing to save: no setting was changed.")
            return False
        try:
            saved = change_settings(change, self.cache)
        except SettingsError as exc:
            self.messages.show_problems("Nothing was saved:", exc.problems)
            return False
        self.form.load(saved.settings, self.cache, self.form.books)
        if saved.warnings:
            self.messages.show_problems("Saved. Still to fix:", saved.warnings)
        else:
            self.messages.show_info("Saved.")
        self.connection.show_status(load_status(self.ctx.paths))
        self.connection_changed.emit()
        return True

    # -- closing -----------------------------------------------------------------------------------------------

    @Slot()
    def reject(self) -> None:
        """Close, Esc and the window's close button: closes at once unless settings were changed and not saved."""
        if not self.form.has_changes():
            super().reject()
            return
        save = self.save_and_close if self.save_button.isEnabled() else None  # not while a job runs
        ask_discard(self, "The Xero settings have changes that are not saved.", self.discard, save)

    @Slot()
    def discard(self) -> None:
        """Close without saving."""
        super().reject()

    @Slot()
    def save_and_close(self) -> None:
        """Save, then close, unless something is left to read: the problems that stopped the save, or the warnings
        that came with it."""
        if self.save() and not self.messages.problems:
            super().reject()

    def done(self, result: int) -> None:
        """Closing while a job runs cancels it and waits a while for its thread; one still running then is kept
        alive by jobs.worker until it ends (and waited for on quit)."""
        job = self.job
        if job is not None:
            job.cancel()
            job.wait(JOB_STOP_WAIT_MS)
        super().done(result)
