"""Every failure category, produced for real by the sandbox through the xero-python SDK (and, where the cached
settings already show it, by the pre-flight checks without a call): the category, Xero's words verbatim, the
hint naming what to fix, and exactly one copy of each invoice in Xero."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from export_fixtures import Company, approve, connect_company, export_row, line

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox import validation as xero_says
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, XeroAttempt
from invoice_desktop.xero.settings import InterfaceState, interface_state


def _failed(invoice_id: int, category: FailureCategory) -> list[str]:
    row = export_row(invoice_id)
    assert row.state == ExportState.FAILED, (row.state, row.messages)
    assert row.category == category.value, (row.category, row.messages)
    import json

    return json.loads(row.messages)


# -- archived contact ----------------------------------------------------------------------------------------------


def test_archived_contact_from_xero(company: Company) -> None:
    invoice_id = approve(seed.DEMO_ARCHIVED_CONTACT)
    summary = company.exporter(use_cache=False).run()
    assert _failed(invoice_id, FailureCategory.ARCHIVED_CONTACT) == [xero_says.ARCHIVED_CONTACT]
    (outcome,) = summary.outcomes
    assert "'Bayside Cafe'" in outcome.hint and "Restore (and merge) the contact in Xero" in outcome.hint
    assert summary.invoice_requests == 1 and company.xero_invoices(export_row(invoice_id).invoice.number) == []


def test_archived_contact_found_before_sending(company: Company) -> None:
    invoice_id = approve(seed.DEMO_ARCHIVED_CONTACT)
    summary = company.exporter().run()
    assert _failed(invoice_id, FailureCategory.ARCHIVED_CONTACT) == [xero_says.ARCHIVED_CONTACT]
    assert summary.api_calls == 0
    assert "no call to Xero" in export_row(invoice_id).note


def test_contact_linked_by_exact_name_and_used_by_id(company: Company) -> None:
    first = approve("Greenway Builders")
    company.exporter().run()
    client = export_row(first).invoice.client
    assert client.xero_contact_id == seed.seeded_id(seed.DEMO_TENANT_ID, "contact", "Greenway Builders")


def test_new_client_is_created_with_the_invoice_and_linked(company: Company) -> None:
    invoice_id = approve("Brand New Customer Pty Ltd")
    company.exporter().run()
    row = export_row(invoice_id)
    assert row.state == ExportState.SYNCED
    (copy,) = company.xero_invoices(row.invoice.number)
    assert row.invoice.client.xero_contact_id == copy.contact_id


# -- accounts ------------------------------------------------------------------------------------------------------


def test_archived_account_from_xero(sandbox: RunningSandbox, data_dir: Path, db: object) -> None:
    company = connect_company(sandbox, data_dir, account_map={"210": "210"})
    invoice_id = approve("Greenway Builders", line(account="210"))
    summary = company.exporter(use_cache=False).run()
    assert _failed(invoice_id, FailureCategory.ACCOUNT_MAPPING) == [xero_says.archived_account("210")]
    hint = summary.outcomes[0].hint
    assert "local account 210 goes to Xero account 210 (mapping)" in hint and "Fix the account mapping" in hint


def test_account_archived_in_xero_after_caching_then_resync_after_restoring(company: Company) -> None:
    sandbox = company.sandbox
    sandbox.control.archive_account("260")
    invoice_id = approve("Greenway Builders", line(account="260"))  # unmapped: same code in Xero (cached active)
    company.exporter().run()
    assert _failed(invoice_id, FailureCategory.ACCOUNT_MAPPING) == [xero_says.archived_account("260")]
    assert "same code in Xero" in export_row(invoice_id).hint

    sandbox.control.restore_account("260")
    from invoice_desktop.xero.export_actions import resync

    summary = resync(company.client, [invoice_id], exporter=company.exporter)
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    company.assert_one_copy(export_row(invoice_id).invoice.number)


def test_account_not_for_sales_found_before_sending(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line(account="400"))
    summary = company.exporter().run()
    assert _failed(invoice_id, FailureCategory.ACCOUNT_MAPPING) == [xero_says.invalid_account("400")]
    assert summary.api_calls == 0


def test_account_not_for_sales_from_xero(sandbox: RunningSandbox, data_dir: Path, db: object) -> None:
    company = connect_company(sandbox, data_dir, account_map={"400": "400"})
    invoice_id = approve("Greenway Builders", line(account="400"))
    company.exporter(use_cache=False).run()
    assert _failed(invoice_id, FailureCategory.ACCOUNT_MAPPING) == [xero_says.invalid_account("400")]


def test_unknown_local_account_goes_to_default_income_account(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line(account="4100"))
    company.exporter().run()
    row = export_row(invoice_id)
    assert row.state == ExportState.SYNCED
    (copy,) = company.xero_invoices(row.invoice.number)
    assert [item.account_code for item in copy.line_items] == [seed.DEMO_SALES_ACCOUNT]


# -- tax -----------------------------------------------------------------------------------------------------------


def test_unknown_tax_type_from_xero(sandbox: RunningSandbox, data_dir: Path, db: object) -> None:
    company = connect_company(sandbox, data_dir, tax_map={"GST on Income": "OUTPUT", "Sales Tax 5": "NOSUCHTAX"})
    invoice_id = approve("Greenway Builders", line(tax="Sales Tax 5"))
    summary = company.exporter(use_cache=False).run()
    assert _failed(invoice_id, FailureCategory.TAX_MAPPING) == [xero_says.unknown_tax_type("NOSUCHTAX")]
    hint = summary.outcomes[0].hint
    assert "'Sales Tax 5' is sent as Xero tax type NOSUCHTAX (by the tax mapping)" in hint


def test_tax_type_not_allowed_on_account_from_xero(sandbox: RunningSandbox, data_dir: Path, db: object) -> None:
    company = connect_company(sandbox, data_dir, tax_map={"GST on Expenses": "INPUT"})
    invoice_id = approve("Greenway Builders", line(tax="GST on Expenses"))
    company.exporter(use_cache=False).run()
    assert _failed(invoice_id, FailureCategory.TAX_MAPPING) == [xero_says.tax_not_allowed("INPUT", "200")]


def test_tax_type_not_for_sales_found_before_sending(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line(tax="GST on Expenses"))
    summary = company.exporter().run()
    assert _failed(invoice_id, FailureCategory.TAX_MAPPING) == [xero_says.tax_not_allowed("INPUT", "200")]
    assert summary.api_calls == 0 and "'GST on Expenses'" in export_row(invoice_id).hint


# -- duplicate numbers ---------------------------------------------------------------------------------------------


def test_number_taken_by_another_invoice_is_duplicate_number(company: Company) -> None:
    invoice_id = approve("Greenway Builders", number=seed.DEMO_TAKEN_INVOICE_NUMBER)
    summary = company.exporter().run()
    assert _failed(invoice_id, FailureCategory.DUPLICATE_NUMBER) == [xero_says.DUPLICATE_NUMBER]
    assert "mark it as already in Xero" in summary.outcomes[0].hint
    company.assert_one_copy(seed.DEMO_TAKEN_INVOICE_NUMBER)
    assert summary.api_calls == 2  # the PUT and the look-up of the number


def test_number_already_ours_in_xero_is_linked_and_synced(company: Company) -> None:
    from invoice_desktop.store.models import XeroExport

    invoice_id = approve("Greenway Builders")
    company.exporter().run()
    first_id = export_row(invoice_id).xero_invoice_id
    # The record of that export is lost (an old backup restored): the invoice is queued again.
    XeroExport.update(state="queued", xero_invoice_id=None).where(XeroExport.invoice == invoice_id).execute()

    summary = company.exporter().run()
    row = export_row(invoice_id)
    assert row.state == ExportState.SYNCED and row.xero_invoice_id == first_id
    assert xero_says.DUPLICATE_NUMBER in summary.outcomes[0].note
    company.assert_one_copy(row.invoice.number)


# -- lock dates, plan limit ----------------------------------------------------------------------------------------


def test_lock_date_from_xero(company: Company) -> None:
    company.sandbox.control.set_lock_dates(period="2026-03-31")
    invoice_id = approve("Greenway Builders", on=date(2026, 3, 2))
    summary = company.exporter().run()
    assert _failed(invoice_id, FailureCategory.LOCK_DATE) == [xero_says.period_locked(date(2026, 3, 31))]
    assert "dated 2 Mar 2026" in summary.outcomes[0].hint  # as the window says dates


def test_lock_date_found_before_sending(company: Company) -> None:
    company.sandbox.control.set_lock_dates(end_of_year="2026-06-30")
    company.refresh_cache()
    invoice_id = approve("Greenway Builders", on=date(2026, 3, 2))
    summary = company.exporter().run()
    assert _failed(invoice_id, FailureCategory.LOCK_DATE) == [xero_says.end_of_year_locked(date(2026, 6, 30))]
    assert summary.api_calls == 0


def test_plan_limit(company: Company) -> None:
    company.sandbox.control.set_plan_limit(0)
    invoice_id = approve("Greenway Builders")
    summary = company.exporter().run()
    assert _failed(invoice_id, FailureCategory.PLAN_LIMIT) == [xero_says.PLAN_LIMIT]
    assert "export new invoices as Draft" in summary.outcomes[0].hint


# -- the connection ------------------------------------------------------------------------------------------------


def test_app_revoked_is_connection_dropped_and_stops_the_queue(company: Company) -> None:
    first, second = approve("Greenway Builders"), approve("Marlow Street Dental")
    company.sandbox.control.revoke_app()
    summary = company.exporter(batch_size=1).run()
    assert summary.stop is not None and len(summary.outcomes) == 1
    (message,) = _failed(first, FailureCategory.CONNECTION)
    assert "invalid_grant" in message
    assert export_row(second).state == ExportState.QUEUED  # the queue stopped
    assert interface_state() is InterfaceState.DROPPED
    assert "Reconnect" in summary.outcomes[0].hint


def test_tenant_disconnected_is_connection_dropped(company: Company) -> None:
    invoice_id = approve("Greenway Builders")
    company.sandbox.control.disconnect_tenant()
    company.exporter().run()
    (message,) = _failed(invoice_id, FailureCategory.CONNECTION)
    assert "403" in message
    assert XeroAttempt.get(XeroAttempt.invoice == invoice_id).category == "connection"
