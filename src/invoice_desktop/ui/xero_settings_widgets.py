"""Small widgets of Settings > Xero: a combo of (label, value) choices, the message line, the organisation picker,
and the labels Xero's cached chart gives its accounts and tax rates."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFontMetrics, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from invoice_desktop.ui.form_dialog import ok_cancel_buttons
from invoice_desktop.ui.message_bar import MessageBar, Tone
from invoice_desktop.ui.plain_text import tooltip
from invoice_desktop.ui.status_colours import StatusColour, status_colour
from invoice_desktop.xero.settings import Organisation
from invoice_desktop.xero.xero_cache import ACTIVE, XeroAccount, XeroCache, XeroTaxRate

Choice = tuple[str, str]  # (what the user reads, the value stored)


def account_label(account: XeroAccount) -> str:
    return f"{account.code} — {account.name}"


def percent(rate: Decimal) -> str:
    """10.0000 -> "10%", 12.50 -> "12.5%"."""
    text = f"{rate.normalize():f}" if rate.is_finite() else str(rate)
    return f"{text}%"


def tax_rate_label(rate: XeroTaxRate) -> str:
    return f"{rate.name} ({rate.tax_type}, {percent(rate.rate)})"


def account_choices(cache: XeroCache | None) -> list[Choice]:
    """Only active accounts a sales invoice may use, "code — name", by code."""
    return [(account_label(a), a.code) for a in cache.sales_accounts()] if cache else []


def payment_account_choices(cache: XeroCache | None) -> list[Choice]:
    """Only the active accounts a payment may go into (bank accounts, accounts taking payments), by code."""
    return [(account_label(a), a.code) for a in cache.payment_accounts()] if cache else []


def tax_choices(cache: XeroCache | None) -> list[Choice]:
    """Only active tax rates Xero allows on revenue."""
    return [(tax_rate_label(t), t.tax_type) for t in cache.sales_tax_rates()] if cache else []


def tracking_choices(cache: XeroCache | None) -> list[Choice]:
    return [(c.name, c.name) for c in cache.active_tracking_categories()] if cache else []


def unusable_account_label(code: str, cache: XeroCache | None, use: str = "not for sales invoices") -> str:
    """A stored account code that is not among the choices (archived, deleted, not for `use`, chart unknown)."""
    account = cache.account(code) if cache else None
    if account is None:
        return f"{code} (not in Xero's chart)" if cache else f"{code} (Xero's chart not fetched)"
    why = account.status.lower() if account.status != ACTIVE else use
    return f"{account_label(account)} ({why} in Xero)"


def unusable_tax_label(tax_type: str, cache: XeroCache | None) -> str:
    rate = cache.tax_rate(tax_type) if cache else None
    if rate is None:
        return f"{tax_type} (not among Xero's tax rates)" if cache else f"{tax_type} (Xero's tax rates not fetched)"
    why = rate.status.lower() if rate.status != ACTIVE else "not for revenue"
    return f"{tax_rate_label(rate)} ({why} in Xero)"


def same_code_label(local_code: str, cache: XeroCache | None) -> str:
    """What an unmapped local account is sent as (see xero.invoice_mapping.map_account)."""
    account = cache.account(local_code) if cache else None
    if cache is None:
        return "Same code in Xero"
    if account is None:
        return f"Default income account (Xero has no {local_code})"
    if cache.account_problem(local_code) is None:
        return f"Same code in Xero ({account_label(account)})"
    return f"Same code in Xero ({unusable_account_label(local_code, cache)})"


def same_name_label(local_name: str, cache: XeroCache | None) -> str:
    """What an unmapped local tax rate is sent as (see xero.invoice_mapping.map_tax)."""
    rate = cache.tax_rate(local_name) if cache else None
    if rate is None:
        return "Same name in Xero" + (" (not found in Xero)" if cache else "")
    if cache is not None and cache.tax_type_problem(rate.tax_type) is not None:
        return f"Same name in Xero ({unusable_tax_label(rate.tax_type, cache)})"
    return f"Same name in Xero ({rate.tax_type})"


def keep_the_note(text: str, metrics: QFontMetrics, width: int) -> str:
    """`text` shortened to `width` pixels keeping its closing note whole: "210 — Plumbing Supplies Sales (archived
    in Xero)" -> "210 — Plumbing Su… (archived in Xero)", so what is wrong with a choice is never the part cut off;
    shortened in the middle when even the note does not fit."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    start = text.rfind(" (")
    note = text[start:] if start > 0 and text.endswith(")") else ""
    room = width - metrics.horizontalAdvance(note)
    if not note or room < metrics.horizontalAdvance("…") + metrics.averageCharWidth() * 4:
        return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)
    return metrics.elidedText(text[:start], Qt.TextElideMode.ElideRight, room) + note


_LABEL_INSET = 6  # pixels of the edit field a combo's label is not drawn in


class ChoiceCombo(QComboBox):
    """A combo of (label, value) choices; a stored value that is not a choice is kept, visibly marked. A label too
    long for the box is shortened keeping its note ("(archived in Xero)", keep_the_note), the whole label in the
    tooltip and in the drop-down list, which is as wide as its longest label."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(18)
        self.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.currentIndexChanged.connect(self._on_current_changed)

    def shown_text(self) -> str:
        """The current label as the box draws it."""
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        # the style draws the label a little inside the field (QCommonStyle: 1 px each side; more with a frame)
        return keep_the_note(option.currentText, self.fontMetrics(), field.width() - _LABEL_INSET)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    @Slot()
    def _on_current_changed(self) -> None:
        self.setToolTip(tooltip(self.currentText()))

    def _fit_the_list(self) -> None:
        view, metrics = self.view(), self.fontMetrics()
        # from the labels themselves: the hidden list's own size hints are not laid out yet
        widest = max((metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        widest += 4 * metrics.averageCharWidth()  # the item's margins
        scroll_bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        view.setMinimumWidth(widest + scroll_bar + 2 * view.frameWidth())

    def set_choices(self, default: Choice, choices: Iterable[Choice], value: str, unusable_label: str = "") -> None:
        """Replace the items; select `value` (shown as `unusable_label` when it is not among the choices)."""
        self.blockSignals(True)
        try:
            self.clear()
            for label, data in (default, *choices):
                self.addItem(label, data)
            index = self.findData(value)
            if index < 0 and value:
                self.addItem(unusable_label or value, value)
                index = self.count() - 1
                self.setItemData(
                    index, status_colour(StatusColour.ERROR, self.palette()), Qt.ItemDataRole.ForegroundRole
                )
            self.setCurrentIndex(max(index, 0))
        finally:
            self.blockSignals(False)
        self._fit_the_list()
        self._on_current_changed()

    def value(self) -> str:
        return str(self.currentData() or "")

    def select_value(self, value: str) -> bool:
        index = self.findData(value)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0


class MessageLabel(MessageBar):
    """One line (or a list) of news under a form: problems in red, anything else in the normal text colour; the
    problems shown are kept in `problems`."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(accessible_name, parent)
        self.problems: list[str] = []

    def show_problems(self, heading: str, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        self.show_message("\n".join([heading, *(f"• {p}" for p in self.problems)]), Tone.PROBLEM)

    def show_error(self, text: str) -> None:
        self.problems = [text]
        self.show_message(text, Tone.PROBLEM)

    def show_info(self, text: str) -> None:
        self.problems = []
        self.show_message(text, Tone.INFO)

    def clear_message(self) -> None:
        self.problems = []
        super().clear_message()


PICKER_ROWS = 8  # organisations the picker shows without scrolling
PICKER_MIN_WIDTH = 420


class OrganisationPicker(QDialog):
    """ "Choose the Xero organisation": every organisation the login connected; OK only once one is chosen."""

    def __init__(
        self, organisations: tuple[Organisation, ...], current_tenant_id: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the Xero organisation")
        self.organisations = organisations
        intro = QLabel(
            f"Your Xero sign-in gave access to {len(organisations)} organisations. "
            "Choose the one this company file sends its invoices to.",
            self,
        )
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Xero organisations")
        for org in organisations:
            item = QListWidgetItem(org.label, self.list)
            item.setToolTip(tooltip(f"Tenant id {org.tenant_id}"))
            item.setData(Qt.ItemDataRole.UserRole, org.tenant_id)
            if current_tenant_id and org.tenant_id.casefold() == current_tenant_id.casefold():
                item.setText(f"{org.label} (connected now)")
        self.buttons, self.ok_button = ok_cancel_buttons(self, "Connect to this organisation")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.list.itemSelectionChanged.connect(self._on_selection)
        self.list.itemDoubleClicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(self.buttons)
        self._fit_the_list()

    def _fit_the_list(self) -> None:
        """Every organisation's name in full and, up to PICKER_ROWS, every row without scrolling (the picker was
        a small box that cut both)."""
        metrics = self.list.fontMetrics()
        texts = [self.list.item(row).text() for row in range(self.list.count())]
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
        frame = 2 * self.list.frameWidth() + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.list.setMinimumWidth(max(widest + 4 * metrics.averageCharWidth() + frame, PICKER_MIN_WIDTH))
        rows = min(max(self.list.count(), 3), PICKER_ROWS)
        row_height = max(self.list.sizeHintForRow(0), metrics.height() + 4)
        self.list.setMinimumHeight(rows * row_height + frame)

    @Slot()
    def _on_selection(self) -> None:
        self.ok_button.setEnabled(self.chosen() is not None)

    def select(self, name_or_id: str) -> None:
        wanted = name_or_id.casefold()
        for row, org in enumerate(self.organisations):
            if wanted in (org.name.casefold(), org.tenant_id.casefold()):
                self.list.setCurrentRow(row)

    def chosen(self) -> Organisation | None:
        row = self.list.currentRow()
        selected = self.list.selectedItems()
        return self.organisations[row] if selected and 0 <= row < len(self.organisations) else None
