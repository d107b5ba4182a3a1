"""Xero's cached settings: reading responses item by item through the SDK's models, degrading for items the SDK
cannot parse (docs/xero-facts.md §0.8, §5.4), the sales rules settings validation uses, the JSON in the company file."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_xero_auth_client import Stub, json_reply, live
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.store.settings import get_setting
from invoice_desktop.xero.client import TokenSession, XeroClient
from invoice_desktop.xero.settings import delete_all
from invoice_desktop.xero.tokens import TokenStorageKind, TokenStore, new_grant
from invoice_desktop.xero.xero_cache import (
    KEY_CACHE,
    RawSettings,
    XeroCache,
    build_cache,
    load_cache,
    refresh_cache,
    save_cache,
)


def account(code: str, type_: str, status: str = "ACTIVE", class_: str | None = None, tax: str = "OUTPUT") -> dict:
    classes = {"REVENUE": "REVENUE", "OTHERINCOME": "REVENUE", "SALES": "REVENUE", "BANK": "ASSET"}
    return {
        "AccountID": f"id-{code}",
        "Code": code,
        "Name": f"Account {code}",
        "Type": type_,
        "Status": status,
        "TaxType": tax,
        "Class": class_ or classes.get(type_, "EXPENSE"),
        "UpdatedDateUTC": "/Date(1552262400000+0000)/",
    }


def tax_rate(tax_type: str, name: str, rate: str, revenue: bool, report: str | None = None, status="ACTIVE") -> dict:
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report or tax_type,
        "CanApplyToRevenue": revenue,
        "CanApplyToExpenses": not revenue,
        "DisplayTaxRate": float(rate),
        "EffectiveRate": float(rate),
        "Status": status,
        "TaxComponents": [{"Name": "GST", "Rate": float(rate), "IsCompound": False}],
    }


ORGANISATION = {
    "OrganisationID": "tenant-1",
    "Name": "Harbour Lane Plumbing Pty Ltd",
    "BaseCurrency": "AUD",
    "CountryCode": "AU",
    "ShortCode": "!HLp4Q",
    "PeriodLockDate": "/Date(1711843200000+0000)/",  # 2024-03-31
    "EndOfYearLockDate": "/Date(1687996800000+0000)/",  # 2023-06-29
}


def chart() -> RawSettings:
    return RawSettings(
        organisations=[dict(ORGANISATION)],
        accounts=[
            account("090", "BANK", tax="BASEXCLUDED"),
            account("200", "REVENUE"),
            account("210", "REVENUE", status="ARCHIVED"),
            account("270", "OTHERINCOME", tax="EXEMPTOUTPUT"),
            account("400", "EXPENSE", tax="INPUT"),
        ],
        tax_rates=[
            tax_rate("OUTPUT", "GST on Income", "10", revenue=True),
            tax_rate("INPUT", "GST on Expenses", "10", revenue=False),
            tax_rate("EXEMPTOUTPUT", "GST Free Income", "0", revenue=True, status="DELETED"),
        ],
        tracking_categories=[
            {
                "TrackingCategoryID": "tc-1",
                "Name": "Region",
                "Status": "ACTIVE",
                "Options": [{"TrackingOptionID": "o1", "Name": "North", "Status": "ACTIVE"}],
            },
            {"TrackingCategoryID": "tc-2", "Name": "Old", "Status": "ARCHIVED", "Options": []},
        ],
        contacts=[
            {"ContactID": "c1", "Name": "Greenway Builders", "ContactStatus": "ACTIVE"},
            {"ContactID": "c2", "Name": "Bayside Cafe", "ContactStatus": "ARCHIVED"},
        ],
    )


def test_reads_the_chart_and_applies_the_sales_rules() -> None:
    cache = build_cache("tenant-1", chart())
    assert cache.problems == ()
    assert [a.code for a in cache.sales_accounts()] == ["200", "270"]
    assert cache.account("200").valid_for_sales and cache.account("200").type == "REVENUE"
    assert cache.account_problem("200") is None
    assert "archived" in cache.account_problem("210")
    assert "cannot be used on a sales invoice" in cache.account_problem("090")
    assert "cannot be used on a sales invoice" in cache.account_problem("400")
    assert "no account with code 999" in cache.account_problem("999")
    assert cache.tax_rate("GST on Income").tax_type == "OUTPUT"
    assert cache.tax_rate("output").rate == Decimal("10")
    assert cache.is_sales_tax_type("OUTPUT")
    assert "cannot be used on revenue accounts" in cache.tax_type_problem("INPUT")
    assert "deleted" in cache.tax_type_problem("EXEMPTOUTPUT")
    assert "no tax rate" in cache.tax_type_problem("NOPE")
    assert [t.tax_type for t in cache.sales_tax_rates()] == ["OUTPUT"]
    assert [c.name for c in cache.active_tracking_categories()] == ["Region"]
    org = cache.organisation
    assert org is not None and org.base_currency == "AUD" and org.short_code == "!HLp4Q"
    assert org.period_lock_date == date(2024, 3, 31) and org.lock_date() == date(2024, 3, 31)
    assert cache.contact_status("bayside cafe") == "ARCHIVED"
    assert cache.contact_status("Greenway Builders") == "ACTIVE"
    assert cache.contact_status("Nobody") is None


def test_the_sdk_alone_refuses_a_whole_response_for_one_new_enum_value() -> None:
    """The trap this module exists for: one unknown value and the SDK raises for the whole list."""
    api = AccountingApi(ApiClient())
    body = {"Accounts": [account("200", "REVENUE"), account("201", "CRYPTOASSETS")]}
    with pytest.raises(ValueError, match="CRYPTOASSETS"):
        api.api_client.deserialize(_Response(body), "Accounts", api.get_model_finder())


class _Response:
    def __init__(self, body: dict) -> None:
        self.text = json.dumps(body)
        self.data = self.text.encode()


def test_an_item_the_sdk_cannot_parse_degrades_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    raw = chart()
    raw.accounts += [
        account("201", "CRYPTOASSETS", class_="REVENUE"),  # new Type: kept, its class still says revenue
        account("202", "REVENUE", status="SUSPENDED"),  # new Status: kept, but not usable
        "not an account",  # garbage: left out
    ]
    raw.tax_rates.append(tax_rate("OUTPUT3", "GST on Income (new)", "10", revenue=True, report="SHINYNEWREPORT"))
    raw.tracking_categories[0]["Options"].append({"TrackingOptionID": "o2", "Name": "Moon", "Status": "LUNAR"})
    raw.contacts.append({"ContactID": "c3", "Name": "New Status Ltd", "ContactStatus": "MERGED"})
    raw.organisations[0]["OrganisationEntityType"] = "SPACE_COOPERATIVE"
    with caplog.at_level(logging.WARNING, logger="invoice_desktop.xero.sdk_items"):
        cache = build_cache("tenant-1", raw)

    assert cache.account("201") is not None and cache.account("201").type == ""
    assert cache.account("201").valid_for_sales  # Class REVENUE was readable
    assert cache.account("202").status == "" and "not active" in cache.account_problem("202")
    assert len(cache.accounts) == 7  # the garbage item is the only one left out
    assert cache.is_sales_tax_type("OUTPUT3")  # ReportTaxType is not needed for anything we check
    assert [o.name for o in cache.tracking_categories[0].options] == ["North", "Moon"]
    assert cache.tracking_categories[0].options[1].status == ""
    assert cache.contact_status("New Status Ltd") == ""
    assert cache.organisation is not None and cache.organisation.period_lock_date == date(2024, 3, 31)

    problems = "\n".join(cache.problems)
    for expected in ("CRYPTOASSETS", "SUSPENDED", "not an object", "SHINYNEWREPORT", "LUNAR", "MERGED", "SPACE_"):
        assert expected in problems
    assert "must be one of" not in problems  # the SDK's hundred-value lists are not repeated to the user
    assert len(cache.problems) == 7
    logged = [r.getMessage() for r in caplog.records]
    assert any("Account 201 read without some fields" in m for m in logged)
    assert any("left out" in m for m in logged)


def test_json_round_trip_and_storage(db) -> None:
    cache = build_cache("tenant-1", chart())
    assert XeroCache.from_json(json.loads(json.dumps(cache.to_json()))) == cache
    save_cache(cache)
    assert load_cache() == cache
    stored = get_setting(KEY_CACHE)
    assert stored["tax_rates"][0]["rate"] == "10" and stored["organisation"]["period_lock_date"] == "2024-03-31"
    delete_all()  # disconnect deletes every xero.* setting, the cache included
    assert load_cache() is None


def test_unreadable_or_old_cache_reads_as_none(db) -> None:
    from invoice_desktop.store.settings import set_setting

    set_setting(KEY_CACHE, {"version": 0})
    assert load_cache() is None
    set_setting(KEY_CACHE, {"version": 1, "accounts": [{"bogus": 1}]})
    assert load_cache() is None


# -- through the SDK, over HTTP --------------------------------------------------------------------------------


@pytest.fixture
def stub():
    s = Stub()
    yield s
    s.close()


def test_refresh_cache_fetches_through_the_sdk_and_survives_unknown_values(db, stub: Stub, tmp_path: Path) -> None:
    raw = chart()
    raw.accounts.append(account("201", "CRYPTOASSETS", class_="REVENUE"))
    raw.tax_rates.append(tax_rate("OUTPUT3", "New", "10", revenue=True, report="SHINYNEWREPORT"))
    base = "/api.xro/2.0"
    stub.routes[("GET", f"{base}/Organisation")] = lambda r: json_reply(200, {"Organisations": raw.organisations})
    stub.routes[("GET", f"{base}/Accounts")] = lambda r: json_reply(200, {"Accounts": raw.accounts})
    stub.routes[("GET", f"{base}/TaxRates")] = lambda r: json_reply(200, {"TaxRates": raw.tax_rates})
    stub.routes[("GET", f"{base}/TrackingCategories")] = lambda r: json_reply(
        200, {"TrackingCategories": raw.tracking_categories}
    )
    stub.routes[("GET", f"{base}/Contacts")] = lambda r: json_reply(200, {"Contacts": raw.contacts})
    stub.routes[("GET", f"{base}/Currencies")] = lambda r: json_reply(200, {"Currencies": [{"Code": "NZD"}]})
    store = TokenStore(AppPaths(tmp_path), TokenStorageKind.FILE)
    store.save(new_grant("RT1", "client-1", ["offline_access"]))
    session = TokenSession("client-1", XeroEndpoints.under(stub.base_url), store, tokens=live())
    cache = refresh_cache(XeroClient(session, "tenant-1", "Demo"))

    assert cache.account("201") is not None and cache.tax_rate("OUTPUT3") is not None
    assert cache.currencies == ("NZD",)
    assert len(cache.problems) == 2
    assert load_cache() == cache
    contacts_request = next(r for r in stub.requests if r["path"].endswith("/Contacts"))
    assert contacts_request["headers"]["xero-tenant-id"] == "tenant-1"
    tracking_request = next(r for r in stub.requests if r["path"].endswith("/TrackingCategories"))
    assert tracking_request["headers"]["Authorization"] == "Bearer AT1"
    assert "RT1" not in json.dumps(get_setting(KEY_CACHE))


def test_contacts_are_fetched_page_by_page(db, stub: Stub, tmp_path: Path, monkeypatch) -> None:
    from invoice_desktop.xero import xero_cache

    monkeypatch.setattr(xero_cache, "CONTACTS_PAGE_SIZE", 2)
    people = [{"ContactID": f"c{i}", "Name": f"Person {i}", "ContactStatus": "ACTIVE"} for i in range(5)]
    calls: list[int] = []

    def contacts(request: dict) -> tuple:
        calls.append(1)
        page = len(calls)  # the stub does not keep query strings: pages are served in order
        return json_reply(200, {"Contacts": people[(page - 1) * 2 : page * 2]})

    base = "/api.xro/2.0"
    for path, key in (("Organisation", "Organisations"), ("Accounts", "Accounts"), ("TaxRates", "TaxRates")):
        stub.routes[("GET", f"{base}/{path}")] = lambda r, key=key: json_reply(200, {key: []})
    stub.routes[("GET", f"{base}/TrackingCategories")] = lambda r: json_reply(200, {"TrackingCategories": []})
    stub.routes[("GET", f"{base}/Currencies")] = lambda r: json_reply(200, {"Currencies": []})
    stub.routes[("GET", f"{base}/Contacts")] = contacts
    store = TokenStore(AppPaths(tmp_path), TokenStorageKind.FILE)
    session = TokenSession("client-1", XeroEndpoints.under(stub.base_url), store, tokens=live())
    cache = refresh_cache(XeroClient(session, "tenant-1"))
    assert [c.name for c in cache.contacts or ()] == [p["Name"] for p in people]
    assert len(calls) == 3  # 2 + 2 + 1: the short page ends it
