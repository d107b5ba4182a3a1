"""Settings > Xero against the real sandbox, in process: the real connect flow on the real worker thread, the
system browser replaced by urllib following the redirects (the sandbox auto-approves both organisations)."""

from __future__ import annotations

import urllib.request
import webbrowser
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from gui_books import TODAY
from markup_probe import assert_shown_literally, hostile, shown
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from invoice_desktop.app_context import AppContext
from invoice_desktop.config import AppPaths
from invoice_desktop.desk import DeskSettings, load_desk
from invoice_desktop.ledger import catalog
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.ui.xero_settings_dialog import TITLE, XeroSettingsDialog
from invoice_desktop.ui.xero_settings_form import ENABLE_REFUSED
from invoice_desktop.ui.xero_settings_widgets import OrganisationPicker
from invoice_desktop.ui.xero_status import XeroConnection
from invoice_desktop.xero.connect import ConnectOptions
from invoice_desktop.xero.settings import (
    Destination,
    InterfaceState,
    Organisation,
    interface_state,
    load_connection,
    load_settings,
)
from invoice_desktop.xero.tokens import TokenStore

DEMO = seed.DEMO_ORG_NAME
SECOND = seed.SECOND_ORG_NAME
JOB_TIMEOUT_MS = 30_000  # an upper bound for a hung test, not a timing assertion
OPTIONS = ConnectOptions(port=0, timeout=20)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The system browser: follows the redirects of the auto-approving consent page to the app's callback."""
    opened: list[str] = []

    def open_url(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        with urllib.request.urlopen(url, timeout=10) as reply:
            reply.read()
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    return opened


@pytest.fixture
def sandbox_context(data_dir: Path, sandbox: RunningSandbox) -> AppContext:
    return AppContext(paths=AppPaths(data_dir), endpoints=sandbox.endpoints, client_id=None)


@pytest.fixture
def local_books(books: dict[str, int]) -> None:
    """The demo company file plus local accounts whose same code in Xero is archived (210) or missing (4000)."""
    catalog.get_or_create_account("210", "Supplies")
    catalog.get_or_create_account("4000", "Consulting")


@pytest.fixture
def dialog(qtbot, sandbox_context: AppContext, local_books: None, browser: list[str]) -> XeroSettingsDialog:
    dlg = XeroSettingsDialog(sandbox_context, connect_options=OPTIONS)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tick(qtbot, box) -> None:
    """Click a check box on its indicator (its centre may lie beyond the text when the form stretches it)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def connect_through(qtbot, dialog: XeroSettingsDialog, organisation: str = DEMO) -> list[str]:
    """Connect, answer the organisation picker with `organisation`; the names the picker listed."""
    listed: list[str] = []
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, dialog.connection.connect_button)
        qtbot.waitUntil(lambda: dialog.picker is not None and dialog.picker.isVisible(), timeout=JOB_TIMEOUT_MS)
        picker = dialog.picker
        listed = [picker.list.item(row).text() for row in range(picker.list.count())]
        assert not picker.ok_button.isEnabled()  # nothing chosen for the user
        picker.select(organisation)
        click(qtbot, picker.ok_button)
    return listed


def combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_title_and_not_set_up(dialog: XeroSettingsDialog) -> None:
    assert dialog.windowTitle() == TITLE == "Xero settings"  # as Business > Settings > Xero names it
    assert dialog.connection.state.text() == "Not set up"
    assert dialog.connection.connect_button.text() == "Connect to Xero…"
    assert not dialog.form.isEnabled() and not dialog.save_button.isEnabled()
    assert not dialog.connection.disconnect_button.isEnabled()
    assert dialog.connection.storage.text().startswith("an owner-only file")  # the tests force the file fallback
    assert dialog.connection.storage_warning.isVisibleTo(dialog)
    assert dialog.connection.storage_warning.text() == TokenStore(dialog.ctx.paths).warning


def test_connect_with_the_picker_then_only_valid_choices(qtbot, dialog: XeroSettingsDialog, browser) -> None:
    listed = connect_through(qtbot, dialog, SECOND)
    assert sorted(listed) == sorted([DEMO, SECOND])
    assert browser and "code_challenge_method=S256" in browser[0]
    record = load_connection()
    assert (record.tenant_id, record.tenant_name) == (seed.SECOND_TENANT_ID, SECOND)
    assert dialog.connection.organisation.text() == SECOND
    assert dialog.connection.connect_button.text() == "Reconnect to Xero…"
    assert dialog.form.isEnabled() and dialog.save_button.isEnabled()
    assert f"Connected to {SECOND}." in dialog.messages.text()

    # Reconnect to the other organisation: the picker marks the one connected now.
    listed = connect_through(qtbot, dialog, DEMO)
    assert f"{SECOND} (connected now)" in listed
    assert load_connection().tenant_id == seed.DEMO_TENANT_ID

    form = dialog.form
    income = combo_texts(form.income_account)
    assert income[0] == "Choose an account…"
    assert "200 — Sales" in income and "260 — Other Revenue" in income and "270 — Interest Income" in income
    assert not any(t.startswith(("210", "090", "400", "310", "610")) for t in income)  # archived, bank, expenses
    for local in ("200", "210", "4000"):
        assert combo_texts(form.accounts.combo(local))[1:] == income[1:]
    assert form.accounts.combo("200").itemText(0) == "Same code in Xero (200 — Sales)"
    assert form.accounts.combo("210").itemText(0) == (
        "Same code in Xero (210 — Plumbing Supplies Sales (archived in Xero))"
    )
    assert form.accounts.combo("4000").itemText(0) == "Default income account (Xero has no 4000)"
    taxes = combo_texts(form.taxes.combo("GST on Income"))
    assert taxes[0] == "Same name in Xero (OUTPUT)"
    assert "GST on Income (OUTPUT, 10%)" in taxes and "BAS Excluded (BASEXCLUDED, 0%)" in taxes
    assert not any("Expenses" in t for t in taxes)
    assert combo_texts(form.tracking[0]) == ["None", seed.DEMO_TRACKING_CATEGORY]
    assert [form.destination.itemText(i) for i in range(3)] == ["Draft", "Awaiting Approval", "Awaiting Payment"]


def test_a_saved_mapping_persists(qtbot, dialog: XeroSettingsDialog) -> None:
    connect_through(qtbot, dialog)
    form = dialog.form
    assert form.income_account.select_value("200")
    assert form.accounts.combo("4000").select_value("260")
    assert form.taxes.combo("GST on Income").select_value("BASEXCLUDED")
    assert form.tracking[0].select_value(seed.DEMO_TRACKING_CATEGORY)
    assert form.destination.select_value(Destination.DRAFT.value)
    tick(qtbot, form.enabled_box)
    assert form.enabled_box.isChecked()
    click(qtbot, dialog.save_button)
    assert dialog.messages.text() == "Saved."
    saved = load_settings()
    assert saved.enabled and saved.income_account == "200" and saved.destination is Destination.DRAFT
    assert saved.account_map == {"4000": "260"} and saved.tax_map == {"GST on Income": "BASEXCLUDED"}
    assert saved.tracking == [seed.DEMO_TRACKING_CATEGORY]
    assert interface_state() is InterfaceState.CONNECTED

    again = XeroSettingsDialog(dialog.ctx, connect_options=OPTIONS)
    qtbot.addWidget(again)
    assert again.form.accounts.combo("4000").currentText() == "260 — Other Revenue"
    assert again.form.accounts.combo("200").value() == ""
    assert again.form.taxes.combo("GST on Income").value() == "BASEXCLUDED"
    assert again.form.income_account.value() == "200" and again.form.enabled_box.isChecked()


def test_enable_is_refused_without_an_income_account(qtbot, dialog: XeroSettingsDialog) -> None:
    connect_through(qtbot, dialog)
    form = dialog.form
    tick(qtbot, form.enabled_box)
    assert not form.enabled_box.isChecked()
    assert form.enable_note.isVisible() and form.enable_note.text() == ENABLE_REFUSED
    form.income_account.select_value("200")
    assert not form.enable_note.isVisible()
    tick(qtbot, form.enabled_box)
    assert form.enabled_box.isChecked()


def test_saving_a_bad_state_lists_the_problems_and_changes_nothing(
    qtbot, dialog: XeroSettingsDialog, sandbox: RunningSandbox
) -> None:
    connect_through(qtbot, dialog)
    form = dialog.form
    form.income_account.select_value("200")
    form.accounts.combo("4000").select_value("260")
    click(qtbot, dialog.save_button)
    assert dialog.messages.text() == "Saved."
    before = load_settings()

    sandbox.control.archive_account("260", seed.DEMO_TENANT_ID)  # the bookkeeper archives it in Xero
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, form.refresh_button)
    assert "fetched again" in dialog.messages.text()
    combo = form.accounts.combo("4000")
    assert combo.currentText() == "260 — Other Revenue (archived in Xero)"  # kept, visibly wrong
    assert "260 — Other Revenue" not in combo_texts(form.income_account)

    form.destination.select_value(Destination.AWAITING_APPROVAL.value)
    tick(qtbot, form.enabled_box)
    click(qtbot, dialog.save_button)
    assert dialog.messages.text().startswith("Nothing was saved:")
    assert dialog.messages.problems == [
        "Local account 4000 cannot be mapped to 260: Xero account 260 Other Revenue is archived."
    ]
    assert load_settings() == before  # neither the switch nor the destination was written

    combo.select_value("200")
    click(qtbot, dialog.save_button)
    assert dialog.messages.text() == "Saved."
    after = load_settings()
    assert after.enabled and after.account_map == {"4000": "200"}
    assert after.destination is Destination.AWAITING_APPROVAL


def what_to_check(url: str) -> list[str]:
    """The checklist the window shows while it waits (Xero's own page may be showing an error the app cannot see)."""
    query = parse_qs(urlsplit(url).query)
    redirect, client_id = query["redirect_uri"][0], query["client_id"][0]
    assert redirect.startswith("http://localhost:") and redirect.endswith("/callback")
    return [
        f"the redirect URI registered must be exactly {redirect}",
        f"the client id must be that app's: {client_id}",
        "the app type must be Auth Code with PKCE",
        "granular scopes apps created after March 2026 must use",
    ]


def test_cancel_while_waiting_for_the_sign_in(qtbot, dialog: XeroSettingsDialog, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)  # nobody signs in
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, dialog.connection.connect_button)
        qtbot.waitUntil(lambda: bool(opened), timeout=JOB_TIMEOUT_MS)
        qtbot.waitUntil(lambda: "Waiting for Xero" in dialog.connection.waiting.text(), timeout=JOB_TIMEOUT_MS)
        waiting = dialog.connection.waiting
        text = shown(waiting.text(), waiting.textFormat())
        assert all(line in text for line in what_to_check(opened[0])), text
        assert dialog.connection.cancel_button.isVisible()
        assert not dialog.connection.connect_button.isEnabled()
        click(qtbot, dialog.connection.cancel_button)
    assert dialog.messages.text() == "Cancelled: nothing was changed."
    assert not dialog.connection.cancel_button.isVisible() and dialog.connection.connect_button.isEnabled()
    assert load_connection().tenant_id == "" and TokenStore(dialog.ctx.paths).load() is None


def test_a_sign_in_that_never_comes_back_times_out_saying_what_to_check(
    qtbot, dialog: XeroSettingsDialog, monkeypatch
) -> None:
    """Xero shows its errors (a redirect URI or port not registered, a wrong client id, a scope refused) on its own
    page and never comes back: the wait ends at its time-out, with the checklist."""
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    dialog.connect_options = ConnectOptions(port=0, timeout=0.5)
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, dialog.connection.connect_button)
    message = dialog.messages.text()
    assert message.startswith("No answer from Xero's sign-in after ")
    assert all(line in message for line in what_to_check(opened[0])), message
    assert dialog.messages.problems and dialog.connection.connect_button.isEnabled()
    assert load_connection().tenant_id == "" and TokenStore(dialog.ctx.paths).load() is None


def test_declining_the_picker_changes_nothing(qtbot, dialog: XeroSettingsDialog) -> None:
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, dialog.connection.connect_button)
        qtbot.waitUntil(lambda: dialog.picker is not None and dialog.picker.isVisible(), timeout=JOB_TIMEOUT_MS)
        dialog.picker.reject()
    assert dialog.messages.text() == "Cancelled: nothing was changed."
    assert load_connection().tenant_id == "" and TokenStore(dialog.ctx.paths).load() is None


def _answer_disconnect(qtbot, dialog: XeroSettingsDialog, confirm: bool) -> None:
    click(qtbot, dialog.connection.disconnect_button)
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    assert f"Disconnect from {DEMO} and delete the Xero settings?" in box.text()
    if confirm:
        destructive = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
        click(qtbot, destructive)
    else:
        click(qtbot, box.button(QMessageBox.StandardButton.Cancel))


def test_disconnect_asks_first_then_revokes_and_clears(qtbot, dialog: XeroSettingsDialog, sandbox) -> None:
    connect_through(qtbot, dialog)
    dialog.form.income_account.select_value("200")
    click(qtbot, dialog.save_button)

    _answer_disconnect(qtbot, dialog, confirm=False)
    assert dialog.job is None and load_connection().tenant_id == seed.DEMO_TENANT_ID

    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        _answer_disconnect(qtbot, dialog, confirm=True)
    assert dialog.messages.text() == "Disconnected from Xero; the Xero settings were deleted."
    assert load_connection().tenant_id == "" and load_settings().income_account == ""
    assert TokenStore(dialog.ctx.paths).load() is None
    assert dialog.connection.state.text() == "Not set up" and not dialog.form.isEnabled()
    assert dialog.connection.connect_button.text() == "Connect to Xero…"


def test_the_desk_name_is_set_here_and_connection_changes_record_it(qtbot, dialog: XeroSettingsDialog) -> None:
    """Who did what: the desk's name is changed in the dialog (kept in the desk's data dir, whether or not Xero is
    connected); connecting and disconnecting record it, and the Connection section says the last change."""
    box = dialog.desk
    assert box.name_edit.text() == load_desk(dialog.ctx.paths).user_name  # the OS user until one is saved
    box.name_edit.setText("")
    click(qtbot, box.save_button)
    assert dialog.messages.text().startswith("The name was not changed: The user name is empty")
    assert not load_desk(dialog.ctx.paths).saved
    box.name_edit.setText("Alex Ng")
    click(qtbot, box.save_button)
    assert dialog.messages.text() == "This desk's work is recorded as Alex Ng from now on."
    assert load_desk(dialog.ctx.paths) == DeskSettings("Alex Ng", saved=True)

    assert not dialog.connection.last_change.isVisibleTo(dialog)
    connect_through(qtbot, dialog)
    assert dialog.connection.last_change.isVisibleTo(dialog)
    assert dialog.connection.last_change.text().startswith("Connected by Alex Ng on ")
    assert dialog.connection.last_change.text().endswith(f"UTC ({DEMO})")

    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        _answer_disconnect(qtbot, dialog, confirm=True)
    assert dialog.connection.last_change.text().startswith("Disconnected by Alex Ng on ")


def test_the_status_bar_follows_the_dialog(
    qtbot, sandbox_context: AppContext, qsettings, local_books, browser, sandbox: RunningSandbox
) -> None:
    from invoice_desktop.ui.main_window import MainWindow

    window = MainWindow(sandbox_context, settings=qsettings, today=lambda: TODAY)
    qtbot.addWidget(window)
    label = window.xero_status
    assert label.state is XeroConnection.NOT_SET_UP and label.text() == "Xero: not set up"
    assert window.xero_settings_action.isEnabled()

    window.xero_settings_action.trigger()
    dialog = window.xero_settings_dialog
    assert isinstance(dialog, XeroSettingsDialog) and dialog.isVisible()
    dialog.connect_options = OPTIONS
    connect_through(qtbot, dialog)
    assert label.state is XeroConnection.DISABLED and label.text() == f"Xero: {DEMO} · disabled"  # live

    dialog.form.income_account.select_value("200")
    tick(qtbot, dialog.form.enabled_box)
    click(qtbot, dialog.save_button)
    dialog.close()
    qtbot.waitUntil(lambda: window.xero_settings_dialog is None)
    assert label.state is XeroConnection.CONNECTED and label.text() == f"Xero: {DEMO}"

    # Enabling may start the automatic export (and its payment import): let it end first, so the refresh below is
    # the call that finds the connection dead (a run still going would find out first and disable the form).
    qtbot.waitUntil(lambda: not window.auto_export.running and not window.export_gate.busy, timeout=JOB_TIMEOUT_MS)
    sandbox.control.revoke_app()  # the connection dies in Xero; the next call finds out
    window.xero_settings_action.trigger()
    dialog = window.xero_settings_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, dialog.form.refresh_button)
    assert dialog.messages.problems and dialog.connection.state.text() == "Connection dropped"
    assert dialog.connection.reason.isVisible() and "Reconnect" in dialog.connection.reason.text()
    assert dialog.form.isEnabled() and not dialog.form.refresh_button.isEnabled()  # the cached chart, no refresh
    dialog.close()
    qtbot.waitUntil(lambda: window.xero_settings_dialog is None)
    assert label.state is XeroConnection.DROPPED and label.text().startswith(f"Xero: {DEMO} · connection dropped")
    assert label.toolTip()

    # Reconnect from the same window: the settings were kept, so the interface is on again.
    window.xero_settings_action.trigger()
    dialog = window.xero_settings_dialog
    assert dialog is not None and dialog.connection.connect_button.text() == "Reconnect to Xero…"
    dialog.connect_options = OPTIONS
    connect_through(qtbot, dialog)
    assert "Your Xero settings were kept." in dialog.messages.text()
    assert label.state is XeroConnection.CONNECTED and load_settings().income_account == "200"


def test_closing_while_waiting_cancels_the_sign_in(qtbot, dialog: XeroSettingsDialog, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)  # nobody signs in
    click(qtbot, dialog.connection.connect_button)
    qtbot.waitUntil(lambda: bool(opened), timeout=JOB_TIMEOUT_MS)
    job = dialog.job
    assert job is not None and job.isRunning()
    dialog.close()
    assert not job.isRunning()  # cancelled and waited for: no thread outlives the dialog
    assert load_connection().tenant_id == ""


# --- names from Xero are data -------------------------------------------------------------------------------------


def test_names_from_xero_are_shown_as_they_are(qtbot, dialog: XeroSettingsDialog, sandbox: RunningSandbox) -> None:
    """Organisation and account names come from Xero: markup in them is shown, never drawn (ui.plain_text)."""
    first, second, account = hostile("QQorgA"), hostile("QQorgB"), hostile("QQaccount")
    with sandbox.state.lock:
        sandbox.state.organisations[seed.DEMO_TENANT_ID.lower()].name = first
        sandbox.state.organisations[seed.SECOND_TENANT_ID.lower()].name = second
        sandbox.state.organisations[seed.DEMO_TENANT_ID.lower()].account_by_code("200").name = account
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, dialog.connection.connect_button)
        qtbot.waitUntil(lambda: dialog.picker is not None and dialog.picker.isVisible(), timeout=JOB_TIMEOUT_MS)
        picker = dialog.picker
        assert sorted(picker.list.item(r).text() for r in range(2)) == sorted([first, second])
        assert_shown_literally(picker, first, second)
        picker.select(first)
        click(qtbot, picker.ok_button)
        waiting = dialog.connection.waiting  # what the window says until the connection is made
        assert shown(waiting.text(), waiting.textFormat()) == f"Connecting to {first}…"
    assert dialog.connection.organisation.text() == first
    assert dialog.messages.text().startswith(f"Connected to {first}.")
    mapping = dialog.form.accounts.combo("200")
    assert shown(mapping.toolTip()) == f"Same code in Xero (200 — {account})"
    dialog.form.income_account.select_value("200")
    assert shown(dialog.form.income_account.toolTip()) == f"200 — {account}"
    places = assert_shown_literally(dialog, first, second, account)
    assert any("ChoiceCombo" in where and "tooltip" in where for where, _text in places)

    click(qtbot, dialog.connection.disconnect_button)
    box = dialog.confirm_box
    assert box is not None and box.textFormat() == Qt.TextFormat.PlainText
    assert any(first in text for _where, text in assert_shown_literally(box, first))
    click(qtbot, box.button(QMessageBox.StandardButton.Cancel))

    tenant = hostile("QQtenant")  # Xero's tenant ids are GUIDs; the picker does not count on it
    picker = OrganisationPicker((Organisation(tenant, first), Organisation(seed.SECOND_TENANT_ID, second)))
    qtbot.addWidget(picker)
    assert any("tooltip" in where for where, _text in assert_shown_literally(picker, tenant, first, second))


def test_a_long_choice_keeps_its_archived_note_and_shows_the_whole_label_in_its_tooltip(
    qtbot, dialog: XeroSettingsDialog
) -> None:
    """Issue 17 point 5: the mapping boxes cut "(archived in Xero)" off, the very words the Failed tooltip sends
    the bookkeeper there to read."""
    if catalog.find_tax_rate("GST on Expenses") is None:
        catalog.create_tax_rate("GST on Expenses", Decimal(10))  # a purchase rate Xero refuses on a sale
    connect_through(qtbot, dialog)
    combo = dialog.form.accounts.combo("210")
    full = "Same code in Xero (210 — Plumbing Supplies Sales (archived in Xero))"
    assert combo.currentText() == full
    assert combo.fontMetrics().horizontalAdvance(full) < combo.width()  # the dialog as it opens shows it whole
    combo.setFixedWidth(combo.fontMetrics().horizontalAdvance(full) // 2)  # a narrow window's box
    qtbot.waitUntil(lambda: combo.fontMetrics().horizontalAdvance(full) > combo.width())
    drawn = combo.shown_text()
    assert drawn != full and "…" in drawn and drawn.endswith(" (archived in Xero))")
    assert combo.fontMetrics().horizontalAdvance(drawn) <= combo.width()
    assert shown(combo.toolTip()) == full
    assert combo.view().minimumWidth() >= combo.fontMetrics().horizontalAdvance(full)  # the list shows it whole
    assert combo.select_value("260") and shown(combo.toolTip()) == "260 — Other Revenue"  # follows the choice
    assert dialog.form.taxes.combo("GST on Expenses").itemText(0) == (
        "Same name in Xero (GST on Expenses (INPUT, 10%) (not for revenue in Xero))"
    )


def test_while_the_connection_is_dropped_the_mapping_is_changed_on_the_cached_chart_marked_stale(
    qtbot, dialog: XeroSettingsDialog, sandbox: RunningSandbox
) -> None:
    connect_through(qtbot, dialog)
    form = dialog.form
    assert form.chart_info.text().startswith("From Xero, fetched ")
    sandbox.control.revoke_app()  # the connection dies in Xero; the refresh finds out
    with qtbot.waitSignal(dialog.job_done, timeout=JOB_TIMEOUT_MS):
        click(qtbot, form.refresh_button)
    assert dialog.connection.state.text() == "Connection dropped"
    assert form.isEnabled() and dialog.save_button.isEnabled()
    assert not form.refresh_button.isEnabled() and form.refresh_button.toolTip() == "Reconnect to Xero first"
    stale = form.chart_info.text()
    assert stale.startswith("Xero's settings as of ") and "Xero could not be reached since" in stale
    assert "T" not in stale.split(":")[0]  # the date as the window says dates, no ISO stamp
    assert "210 — Plumbing Supplies Sales (archived in Xero)" in form.accounts.combo("210").currentText()

    assert form.accounts.combo("210").select_value("260")  # fixed before reconnecting
    click(qtbot, dialog.save_button)
    assert dialog.messages.text() == "Saved."
    assert load_settings().account_map == {"210": "260"}

    dialog.connect_options = OPTIONS
    connect_through(qtbot, dialog)
    assert form.chart_info.text().startswith("From Xero, fetched ") and form.refresh_button.isEnabled()
