"""Invoice Information's Xero panel: where the invoice stands in Xero, the whole error when the export failed
(title, Xero's own words, what to do, attempts, last attempt and next retry) and the history of attempts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from invoice_desktop.ledger.export_history import AttemptDetail
from invoice_desktop.ledger.invoices import ExportDetail
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import AttemptOutcome, EventAction, ExportState
from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.labels import (
    SYNC_FAILED,
    XERO_SAID,
    for_this_invoice,
    preflight_found,
    quoted,
    value_label,
    words_label,
)
from invoice_desktop.ui.models.columns import Column
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.ui.record_table import fit_height, record_table
from invoice_desktop.ui.status_colours import StatusColour, status_colour

STATE_WORDS: dict[ExportState, str] = {
    ExportState.NOT_SENT: "Not attempted",
    ExportState.QUEUED: "Queued for export",
    ExportState.SENDING: "Being exported now",
    ExportState.SYNCED: "Synced",
    ExportState.FAILED: SYNC_FAILED,
    ExportState.SKIPPED: "Not sent to Xero",
}

OUTCOME_WORDS: dict[AttemptOutcome | EventAction, str] = {
    AttemptOutcome.SYNCED: "Exported",
    AttemptOutcome.LINKED: "Found in Xero, linked",
    AttemptOutcome.FAILED: "Failed",
    AttemptOutcome.RETRY: "Will retry",
    AttemptOutcome.SKIPPED: "Not sent",
    AttemptOutcome.RENUMBERED: "Renumbered",
    AttemptOutcome.VOIDED: "Voided in Xero",
    AttemptOutcome.VOID_FAILED: "Not voided",
    EventAction.APPROVED: "Approved",
    EventAction.EXPORT_STARTED: "Export to Xero asked for",
    EventAction.VOIDED: "Voided",
    EventAction.XERO_CONNECTED: "Xero connected",
    EventAction.XERO_ORGANISATION_CHANGED: "Xero organisation changed",
    EventAction.XERO_DISCONNECTED: "Xero disconnected",
}

ATTEMPT_COLUMNS: tuple[Column[AttemptDetail], ...] = (
    Column("When", lambda a: format_datetime(a.at)),
    Column("Outcome", lambda a: OUTCOME_WORDS[a.outcome]),
    Column("By", lambda a: a.by),
    Column("Problem", lambda a: a.title),
    Column("Message", lambda a: " ".join(a.messages), tooltip=lambda a: _attempt_words(a)),
)


def _attempt_words(attempt: AttemptDetail) -> str:
    """An attempt's messages, labelled "Xero said" only when they are Xero's own (it answered that attempt)."""
    label = words_label(attempt.category, attempt.correlation_id is not None)
    return "\n".join(quoted(label, m) for m in attempt.messages)


def failure_title(category: FailureCategory | None) -> str:
    return category.title if category else "Export to Xero failed"


class XeroPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Xero", parent)
        self.setAccessibleName("Xero export")
        self.state_label = value_label("Xero state", self)
        bold = QFont(self.state_label.font())
        bold.setBold(True)
        self.state_label.setFont(bold)
        self.xero_id_label = value_label("Xero invoice id", self)
        self.error_title = value_label("Export error", self)
        self.error_title.setFont(bold)
        self.xero_words = value_label("Xero's message", self)
        self.hint_label = value_label("What to do", self)
        self.attempts_label = value_label("Export attempts", self)
        self.warnings_label = value_label("Xero's warnings", self)
        self.note_label = value_label("Note", self)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow("State:", self.state_label)
        self.form.addRow("Xero invoice id:", self.xero_id_label)
        self.form.addRow("Problem:", self.error_title)
        self.form.addRow(f"{XERO_SAID}:", self.xero_words)
        self.form.addRow("What to do:", self.hint_label)
        self.form.addRow("Attempts:", self.attempts_label)
        self.form.addRow("Xero warned:", self.warnings_label)
        self.form.addRow("Note:", self.note_label)

        self.history_model = ColumnsModel(ATTEMPT_COLUMNS, self)
        self.history = record_table(self.history_model, "Export history", stretch=3, parent=self)
        self.history_caption = QLabel("History", self)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.history_caption)
        layout.addWidget(self.history)

    def show_export(self, export: ExportDetail | None, attempts: tuple[AttemptDetail, ...]) -> None:
        if export is None:
            self._set_state("Not approved yet: nothing goes to Xero before approval", None)
            self._show_rows(note="")
        else:
            failed = export.state is ExportState.FAILED
            colour = StatusColour.ERROR if failed else StatusColour.OK if export.state is ExportState.SYNCED else None
            words = STATE_WORDS[export.state]
            if export.state is ExportState.SYNCED and export.synced_at:
                words += f" on {format_datetime(export.synced_at)}"
            self._set_state(words, colour)
            self.xero_id_label.setText(export.xero_invoice_id or "")
            self.error_title.setText(failure_title(export.category) if failed else "")
            self._show_words(export.category, export.messages if failed else (), not preflight_found(export.note))
            hint = export.hint or (export.category.default_hint if export.category else "")
            self.hint_label.setText(for_this_invoice(hint) if failed else "")
            self.attempts_label.setText(self._attempts_text(export) if export.attempts or failed else "")
            self.warnings_label.setText("\n".join(f"“{w}”" for w in export.warnings))
            self._show_rows(note=export.note)
        self.history_model.set_records(attempts)
        self.history.setVisible(bool(attempts))
        tried = any(isinstance(a.outcome, AttemptOutcome) for a in attempts)
        self.history_caption.setText("History" if tried else "History: no export attempts yet")
        fit_height(self.history, max_rows=5)

    def _show_words(self, category: FailureCategory | None, messages: tuple[str, ...], answered: bool) -> None:
        """The failure's messages, labelled "Xero said" (quoted) only when they are Xero's own words."""
        label = words_label(category, answered)
        self.xero_words.setText("\n".join(f"“{m}”" if label == XERO_SAID else m for m in messages))
        caption = self.form.labelForField(self.xero_words)
        if isinstance(caption, QLabel):
            caption.setText(f"{label}:")
        self.xero_words.setAccessibleName("Xero's message" if label == XERO_SAID else "Failure details")

    @staticmethod
    def _attempts_text(export: ExportDetail) -> str:
        parts = [f"{export.attempts} attempt" + ("" if export.attempts == 1 else "s")]
        if export.last_attempt_at:
            parts.append(f"last {format_datetime(export.last_attempt_at)}")
        if export.next_retry_at:
            parts.append(f"next automatic retry {format_datetime(export.next_retry_at)}")
        return " · ".join(parts)

    def _set_state(self, text: str, colour: StatusColour | None) -> None:
        self.state_label.setText(text)
        palette = self.palette()
        role = QPalette.ColorRole.WindowText
        palette.setColor(role, status_colour(colour, palette) if colour else palette.color(role))
        self.state_label.setPalette(palette)
        self.xero_id_label.setText("")
        self.error_title.setText("")
        self.xero_words.setText("")
        self.hint_label.setText("")
        self.attempts_label.setText("")
        self.warnings_label.setText("")

    def _show_rows(self, note: str) -> None:
        """Show only the rows that have something to say."""
        self.note_label.setText(note)
        for label in (
            self.xero_id_label,
            self.error_title,
            self.xero_words,
            self.hint_label,
            self.attempts_label,
            self.warnings_label,
            self.note_label,
        ):
            self.form.setRowVisible(label, bool(label.text()))
