"""The Settings section of Settings > Xero: the switches, the default income account, the account and tax mapping
tables, the tracking categories and the Payments group (the bank account payments recorded here go to, and the
switch that sends them), every choice taken from Xero's cached settings.

`load()` shows stored settings; `change()` reads the form back as a SettingsChange holding only what the user
changed (so a problem that was already there does not block an unrelated change; see xero.settings_edit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from invoice_desktop.ledger.catalog import AccountInfo, TaxRateInfo
from invoice_desktop.ui.formatting import format_stamp
from invoice_desktop.ui.plain_text import tooltip
from invoice_desktop.ui.status_colours import StatusColour, show_colour
from invoice_desktop.ui.xero_settings_widgets import (
    ChoiceCombo,
    MessageLabel,
    account_choices,
    payment_account_choices,
    percent,
    same_code_label,
    same_name_label,
    tax_choices,
    tracking_choices,
    unusable_account_label,
    unusable_tax_label,
)
from invoice_desktop.xero.settings import MAX_TRACKING_CATEGORIES, Destination, XeroSettings
from invoice_desktop.xero.settings_edit import SettingsChange
from invoice_desktop.xero.xero_cache import XeroCache

T = TypeVar("T")

ENABLE_REFUSED = "Choose a default income account before enabling the Xero interface."
SEND_PAYMENTS = "Send payments recorded here to Xero"


@dataclass(frozen=True)
class LocalBooks:
    """The company file's side of the mapping (plain values, read once when the dialog opens)."""

    accounts: tuple[AccountInfo, ...] = ()
    tax_rates: tuple[TaxRateInfo, ...] = ()


class MappingTable(QTableWidget):
    """One row per local item: its name, and a combo of the Xero side (first choice: the default rule)."""

    def __init__(self, headers: tuple[str, str], accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setAccessibleName(accessible_name)
        self.setHorizontalHeaderLabels(list(headers))
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QTableWidget.ScrollMode.ScrollPerPixel)
        self.keys: list[str] = []

    def set_rows(self, rows: list[tuple[str, str]], combo_name: str) -> None:
        """(key, label) per local item; `combo_name` is formatted with the label for each combo's name."""
        self.keys = [key for key, _ in rows]
        self.setRowCount(len(rows))
        for row, (_key, label) in enumerate(rows):
            item = QTableWidgetItem(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(row, 0, item)
            self.setCellWidget(row, 1, ChoiceCombo(combo_name.format(label), self))
        self.resizeRowsToContents()

    def combo(self, key: str) -> ChoiceCombo:
        widget = self.cellWidget(self.keys.index(key), 1)
        assert isinstance(widget, ChoiceCombo)
        return widget

    def values(self) -> dict[str, str]:
        return {key: self.combo(key).value() for key in self.keys}


class XeroSettingsForm(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        self.enabled_box = QCheckBox("Enable the Xero interface", self)
        self.enabled_box.setAccessibleName("Enable the Xero interface")
        self.enable_note = MessageLabel("Why the interface cannot be enabled", self)
        self.destination = ChoiceCombo("Status new invoices get in Xero", self)
        self.export_on_approval = QCheckBox("Export invoices to Xero when they are approved", self)
        self.export_on_approval.setAccessibleName("Export on approval")
        self.import_payments = QCheckBox("Import payments recorded in Xero", self)
        self.import_payments.setAccessibleName("Import payments from Xero")
        self.income_account = ChoiceCombo("Default income account", self)
        self.tracking = [ChoiceCombo(f"Tracking category {n}", self) for n in range(1, MAX_TRACKING_CATEGORIES + 1)]
        self.payments_group = QGroupBox("Payments", self)
        self.send_payments = QCheckBox(SEND_PAYMENTS, self.payments_group)
        self.send_payments.setAccessibleName(SEND_PAYMENTS)
        self.payments_account = ChoiceCombo("Bank account payments go to", self.payments_group)
        self.chart_info = QLabel(self)
        self.chart_info.setAccessibleName("Xero's settings fetched")
        self.chart_info.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh from Xero", self)
        self.refresh_button.setAccessibleName("Refresh Xero's accounts and tax rates")
        self.accounts = MappingTable(("Local account", "Xero account"), "Account mapping", self)
        self.taxes = MappingTable(("Local tax rate", "Xero tax rate"), "Tax rate mapping", self)
        self.enabled_box.toggled.connect(self._on_enable_toggled)
        self.income_account.currentIndexChanged.connect(self._on_income_changed)
        self.payments_account.currentIndexChanged.connect(self._on_payments_account_changed)
        self._build_layout()
        self.loaded = XeroSettings()
        self.books = LocalBooks()
        self.cache: XeroCache | None = None
        self.offline = False  # the connection is dropped: the choices are the cached chart's (set_offline)

    def _build_layout(self) -> None:
        general = QFormLayout()
        general.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        general.addRow(self.enabled_box)
        general.addRow(self.enable_note)
        general.addRow("New invoices go to Xero as:", self.destination)
        general.addRow(self.export_on_approval)
        general.addRow(self.import_payments)
        general.addRow("Default income account:", self.income_account)
        for n, combo in enumerate(self.tracking, start=1):
            general.addRow(f"Tracking category {n}:", combo)
        payments = QFormLayout(self.payments_group)
        payments.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        payments.addRow("Bank account:", self.payments_account)
        payments.addRow(self.send_payments)
        refresh = QHBoxLayout()
        refresh.addWidget(self.chart_info, 1)
        refresh.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        left = QVBoxLayout()
        left.addLayout(general)
        left.addWidget(self.payments_group)
        left.addSpacing(self.fontMetrics().height())
        left.addLayout(refresh)
        left.addStretch(1)
        right = QVBoxLayout()
        for title, table in (("Account mapping", self.accounts), ("Tax rate mapping", self.taxes)):
            heading = QLabel(title, self)
            heading.setBuddy(table)
            right.addWidget(heading)
            right.addWidget(table, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)  # the mapping's labels are the longest ("… (archived in Xero)")

    # -- showing ---------------------------------------------------------------------------------------------

    def load(self, settings: XeroSettings, cache: XeroCache | None, books: LocalBooks) -> None:
        self.loaded = settings
        self.books = books
        self.enable_note.clear_message()
        self.accounts.set_rows([(a.code, f"{a.code} {a.name}".strip()) for a in books.accounts], "Xero account for {}")
        self.taxes.set_rows(
            [(t.name, f"{t.name} ({percent(t.rate)})") for t in books.tax_rates], "Xero tax rate for {}"
        )
        first, *others = ((d.label, d.value) for d in Destination)
        self.destination.set_choices(first, others, settings.destination.value)
        self.enabled_box.blockSignals(True)
        self.enabled_box.setChecked(settings.enabled)
        self.enabled_box.blockSignals(False)
        self.export_on_approval.setChecked(settings.export_on_approval)
        self.import_payments.setChecked(settings.import_payments)
        self.send_payments.setChecked(settings.send_payments)
        self._fill_choices(cache, settings)

    def set_cache(self, cache: XeroCache | None) -> None:
        """Xero's settings were fetched again: new choices, the user's current picks kept."""
        current = XeroSettings(
            income_account=self.income_account.value(),
            account_map=self.accounts.values(),
            tax_map=self.taxes.values(),
            tracking=[c.value() for c in self.tracking],
            payments_account=self.payments_account.value(),
        )
        self._fill_choices(cache, current)

    def _fill_choices(self, cache: XeroCache | None, settings: XeroSettings) -> None:
        self.cache = cache
        accounts = account_choices(cache)
        self.income_account.set_choices(
            ("Choose an account…", ""),
            accounts,
            settings.income_account,
            unusable_account_label(settings.income_account, cache),
        )
        self.payments_account.set_choices(
            ("Choose a bank account…", ""),
            payment_account_choices(cache),
            settings.payments_account,
            unusable_account_label(settings.payments_account, cache, "not a bank account"),
        )
        for code in self.accounts.keys:
            value = settings.account_map.get(code, "")
            self.accounts.combo(code).set_choices(
                (same_code_label(code, cache), ""), accounts, value, unusable_account_label(value, cache)
            )
        taxes = tax_choices(cache)
        for name in self.taxes.keys:
            value = settings.tax_map.get(name, "")
            self.taxes.combo(name).set_choices(
                (same_name_label(name, cache), ""), taxes, value, unusable_tax_label(value, cache)
            )
        categories = tracking_choices(cache)
        tracking = [*settings.tracking, "", ""]
        for combo, value in zip(self.tracking, tracking, strict=False):
            combo.set_choices(("None", ""), categories, value, f"{value} (not active in Xero)")
        self._show_chart_summary()

    def set_offline(self, offline: bool) -> None:
        """The connection is dropped: the choices are the cached chart's, as of when it was fetched, marked so;
        Refresh from Xero waits for a reconnection."""
        self.offline = offline
        self.refresh_button.setToolTip("Reconnect to Xero first" if offline else "")
        self._show_chart_summary()

    def _show_chart_summary(self) -> None:
        self.chart_info.setText(_chart_summary(self.cache, self.offline))
        if self.offline and self.cache:
            show_colour(self.chart_info, StatusColour.WARNING)
        else:
            self.chart_info.setPalette(self.palette())

    # -- the enable switch -----------------------------------------------------------------------------------

    @Slot(bool)
    def _on_enable_toggled(self, on: bool) -> None:
        if on and not self.income_account.value():
            self.enabled_box.blockSignals(True)
            self.enabled_box.setChecked(False)
            self.enabled_box.blockSignals(False)
            self.enable_note.show_error(ENABLE_REFUSED)
        elif on:
            self.enable_note.clear_message()

    @Slot()
    def _on_income_changed(self) -> None:
        self.income_account.setToolTip(tooltip(self.income_account.currentText()))
        if self.income_account.value():
            self.enable_note.clear_message()

    @Slot()
    def _on_payments_account_changed(self) -> None:
        self.payments_account.setToolTip(tooltip(self.payments_account.currentText()))

    # -- reading back ----------------------------------------------------------------------------------------

    def has_changes(self) -> bool:
        """True when a setting was changed since `load()` and is not saved yet."""
        return not self.change().is_empty

    def change(self) -> SettingsChange:
        """What the user changed since `load()` (None / no entry: left as it is; "" in a map: mapping removed)."""
        was = self.loaded
        destination = Destination(self.destination.value())
        tracking = tuple(v for v in (c.value() for c in self.tracking) if v)
        income = self.income_account.value()
        return SettingsChange(
            enabled=_changed(self.enabled_box.isChecked(), was.enabled),
            destination=_changed(destination, was.destination),
            export_on_approval=_changed(self.export_on_approval.isChecked(), was.export_on_approval),
            import_payments=_changed(self.import_payments.isChecked(), was.import_payments),
            income_account=_changed(income, was.income_account),
            account_map={k: v for k, v in self.accounts.values().items() if v != was.account_map.get(k, "")},
            tax_map={k: v for k, v in self.taxes.values().items() if v != was.tax_map.get(k, "")},
            tracking=_changed(tracking, tuple(was.tracking)),
            payments_account=_changed(self.payments_account.value(), was.payments_account),
            send_payments=_changed(self.send_payments.isChecked(), was.send_payments),
        )


def _changed(value: T, was: T) -> T | None:
    return None if value == was else value


def _chart_summary(cache: XeroCache | None, offline: bool = False) -> str:
    if cache is None:
        return "Xero's accounts and tax rates have not been fetched yet: use Refresh from Xero."
    fetched = format_stamp(cache.fetched_at)
    categories = len(cache.active_tracking_categories())
    counts = (
        f"{len(cache.sales_accounts())} accounts and {len(cache.sales_tax_rates())} tax rates usable on sales "
        f"invoices, {categories} tracking {'category' if categories == 1 else 'categories'}"
    )
    if offline:
        text = (
            f"Xero's settings as of {fetched}: Xero could not be reached since (the connection dropped). {counts}."
            " Changes are saved and used once you reconnect, which fetches Xero's settings again."
        )
    else:
        text = f"From Xero, fetched {fetched}: {counts}."
    if cache.problems:
        text += f" {len(cache.problems)} item(s) could be read only in part (see the log)."
    return text
