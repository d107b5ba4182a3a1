"""Who did what (issue 15): the desk's user name (from the OS user, or saved for the desk in its data dir) is
recorded with approvals, sends asked for by hand, renumbers, voids, "don't send" / "mark as in Xero" and Xero
connection changes, and Invoice Information's history lists it."""

from __future__ import annotations

import getpass
import json
from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop import desk
from invoice_desktop.config import AppPaths
from invoice_desktop.ledger.activity import last_connection_change
from invoice_desktop.ledger.export_history import invoice_history
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    renumber_invoice,
    void_invoice,
)
from invoice_desktop.store.models import AttemptOutcome, Event, EventAction, ExportState, XeroExport
from invoice_desktop.xero import export_actions
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.settings import Organisation
from invoice_desktop.xero.status import load_status

HARBOUR = Organisation("1c5f1d4e-0000-4000-8000-000000000001", "Harbour Lane Plumbing Pty Ltd")
OTHER = Organisation("1c5f1d4e-0000-4000-8000-000000000002", "Second Street Bakery")


def new_invoice(number: str | None = None) -> int:
    line = LineDraft("Consulting", D(1), D("100.00"), "200", "GST on Income")
    return create_invoice(
        InvoiceDraft("Acme Pty Ltd", date(2024, 3, 1), date(2024, 3, 31), lines=(line,), number=number)
    )


def history(invoice_id: int) -> list[tuple[str, str]]:
    return [(str(row.outcome), row.by) for row in invoice_history(invoice_id)]


# -- the desk's name ---------------------------------------------------------------------------------------------


def test_the_default_name_is_the_os_user_and_a_saved_one_belongs_to_the_desk(tmp_path):
    paths = AppPaths(tmp_path / "desk-a")
    assert desk.load_desk(paths) == desk.DeskSettings(getpass.getuser(), saved=False)
    kept = desk.save_desk(paths, "  Alex Ng  ")
    assert kept == desk.DeskSettings("Alex Ng", saved=True)
    assert desk.current_user() == "Alex Ng"  # used from now on
    assert json.loads((paths.data_dir / desk.DESK_FILE_NAME).read_text()) == {"user_name": "Alex Ng"}
    assert desk.load_desk(AppPaths(tmp_path / "desk-b")).saved is False  # another desk keeps its own
    desk.set_current_user(None)
    assert desk.use_desk(paths) == "Alex Ng"


@pytest.mark.parametrize(
    ("name", "why"), [("   ", "empty"), ("Al\u200bex", "invisible"), ("x" * 101, "longer than 100")]
)
def test_a_bad_name_is_refused_and_nothing_is_saved(tmp_path, name, why):
    paths = AppPaths(tmp_path)
    desk.save_desk(paths, "Alex")
    with pytest.raises(desk.DeskNameError, match=why):
        desk.save_desk(paths, name)
    assert desk.load_desk(paths).user_name == "Alex"


def test_an_unreadable_desk_file_falls_back_to_the_os_user(tmp_path):
    (tmp_path / desk.DESK_FILE_NAME).write_text("{not json", encoding="utf-8")
    assert desk.load_desk(AppPaths(tmp_path)) == desk.DeskSettings(getpass.getuser(), saved=False)


# -- what is recorded --------------------------------------------------------------------------------------------


def test_approve_void_and_renumber_record_who(books, desk_user):
    voided, renumbered = new_invoice(), new_invoice()
    approve_invoices([voided])
    desk.set_current_user("sam")
    approve_invoices([renumbered])
    void_invoice(voided)
    renumber_invoice(renumbered, "INV-9001")

    assert history(voided) == [(EventAction.VOIDED, "sam"), (EventAction.APPROVED, desk_user)]
    assert history(renumbered) == [(AttemptOutcome.RENUMBERED, "sam"), (EventAction.APPROVED, "sam")]


def test_resync_dont_send_and_mark_as_in_xero_record_who(books, desk_user):
    failed, skipped, marked = new_invoice(), new_invoice(), new_invoice()
    approve_invoices([failed, skipped, marked])
    XeroExport.update(state=ExportState.FAILED.value).where(XeroExport.invoice == failed).execute()
    desk.set_current_user("sam")
    assert export_actions.requeue([failed]) == [failed]  # the step of a Resync / Export to Xero
    export_actions.dont_send(skipped)
    export_actions.mark_already_in_xero(marked, "0b5b3c9a-6a43-4f1f-9e55-8d3c2e0f7a11")

    assert history(failed)[0] == (EventAction.EXPORT_STARTED, "sam")
    assert history(skipped)[0] == (AttemptOutcome.SKIPPED, "sam")
    assert history(marked)[0] == (AttemptOutcome.SKIPPED, "sam")
    assert Event.select().where(Event.invoice == skipped, Event.action == EventAction.EXPORT_STARTED).count() == 0


def test_a_refused_change_records_nothing(books):
    draft = new_invoice()
    with pytest.raises(Exception, match="draft"):
        void_invoice(draft)
    assert history(draft) == []


def test_connection_changes_record_who_and_status_says_the_last(db, data_dir, desk_user):
    xero_settings.save_connection(HARBOUR, "client-id")
    change = last_connection_change()
    assert change is not None
    assert (change.action, change.user_name, change.detail) == (EventAction.XERO_CONNECTED, desk_user, HARBOUR.name)

    desk.set_current_user("sam")
    xero_settings.select_organisation(OTHER)
    change = last_connection_change()
    assert change is not None
    assert (change.action, change.user_name) == (EventAction.XERO_ORGANISATION_CHANGED, "sam")
    assert change.detail == f"{HARBOUR.name} → {OTHER.name}"

    status = load_status(AppPaths(data_dir))
    assert status.last_change_text.startswith("Organisation changed by sam on ")
    assert status.to_json()["last_change"]["by"] == "sam"

    xero_settings.save_connection(OTHER, "client-id")  # a reconnect to the same one: "connected" again
    change = last_connection_change()
    assert change is not None and change.action is EventAction.XERO_CONNECTED
