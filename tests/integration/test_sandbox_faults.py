"""Faults through the real SDK: 401/403/429/500/503 as the exceptions of docs/xero-facts.md §1.6, a hanging socket,
a reset, malformed JSON, "committed then lost the response" with its idempotent replay, the concurrency limit,
the JSON control path and state kept across restarts."""

from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path

import pytest
import urllib3
from sandbox_helpers import DEMO, Connected, connect
from xero_python.accounting import Contact, Invoice, Invoices, LineItem
from xero_python.exceptions import HTTPStatusException, RateLimitException

from invoice_desktop.sandbox import seed, validation
from invoice_desktop.sandbox.limits import RateLimits
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox
from invoice_desktop.xero.client import ConnectionDropped


def one_invoice(number: str, contact: str = seed.DEMO_ACTIVE_CONTACTS[0]) -> Invoices:
    line = LineItem(description="Service call", quantity=1, unit_amount=90, account_code="200", tax_type="OUTPUT")
    return Invoices(invoices=[Invoice(type="ACCREC", contact=Contact(name=contact), line_items=[line],
                                      invoice_number=number, status="AUTHORISED")])  # fmt: skip


def problem_body(error: HTTPStatusException) -> dict[str, object]:
    return json.loads(error.body)


def test_401_bad_and_expired_tokens(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.raw_accounting()
    sandbox.control.advance_clock(31 * 60)  # the SDK thinks the token is fine; the sandbox says it expired
    with pytest.raises(HTTPStatusException) as expired:
        api.get_organisations(DEMO)
    assert expired.value.status == 401 and expired.value.reason == "Unauthorized"
    body = problem_body(expired.value)
    assert body["Title"] == "Unauthorized" and str(body["Detail"]).startswith("TokenExpired: token expired at ")
    assert set(body) == {"Type", "Title", "Status", "Detail", "Instance", "Extensions"}

    connected.session._tokens = connected.session.tokens.__class__(  # type: ignore[union-attr]
        "not-a-token",
        connected.refresh_token,
        connected.session.tokens.expires_at,  # type: ignore[union-attr]
    )
    with pytest.raises(HTTPStatusException) as bad:
        connected.raw_accounting().get_organisations(DEMO)
    assert bad.value.status == 401 and problem_body(bad.value)["Detail"] == "AuthenticationUnsuccessful"
    assert bad.value.headers["WWW-Authenticate"] == "Bearer error=invalid_token"


def test_401_missing_scope(sandbox: RunningSandbox, tmp_path: Path) -> None:
    narrow = connect(sandbox, tmp_path / "c", scopes=("offline_access", "accounting.contacts"))
    with pytest.raises(HTTPStatusException) as error:
        narrow.raw_accounting().get_invoices(DEMO)
    assert error.value.status == 401 and problem_body(error.value)["Detail"] == "AuthorizationUnsuccessful"


def test_403_unknown_or_disconnected_tenant(sandbox: RunningSandbox, connected: Connected) -> None:
    with pytest.raises(HTTPStatusException) as unknown:
        connected.raw_accounting().get_organisations("0b1e8f4a-0000-4000-8000-000000000000")
    assert unknown.value.status == 403 and unknown.value.reason == "Forbidden"
    assert problem_body(unknown.value) | {"Instance": ""} == {
        "Type": None, "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful", "Instance": "",
        "Extensions": {},
    }  # fmt: skip
    sandbox.control.disconnect_tenant(DEMO)
    with pytest.raises(ConnectionDropped, match="403"):
        connected.accounting().get_organisations(DEMO)


@pytest.mark.parametrize("problem", ["minute", "day"])
def test_429_when_a_limit_is_used_up(sandbox: RunningSandbox, connected: Connected, problem: str) -> None:
    sandbox.control.exhaust_limit(problem)
    with pytest.raises(RateLimitException) as error:
        connected.accounting().get_invoices(DEMO)
    assert error.value.status == 429 and error.value.rate_limit == problem
    headers = error.value.headers
    assert int(headers["Retry-After"]) >= 1
    remaining = "X-MinLimit-Remaining" if problem == "minute" else "X-DayLimit-Remaining"
    assert headers[remaining] == "0"
    sandbox.control.set_rate_limits(send_retry_after=False)
    with pytest.raises(RateLimitException) as again:
        connected.accounting().get_invoices(DEMO)
    assert "Retry-After" not in again.value.headers


def test_429_concurrent(connected: Connected) -> None:
    sandbox = connected.sandbox
    sandbox.control.set_rate_limits(concurrent=1)
    sandbox.control.set_latency(1.0)
    outcomes: list[object] = []
    started = threading.Barrier(2)

    def call() -> None:
        started.wait()
        try:
            outcomes.append(connected.accounting().get_organisations(DEMO))
        except RateLimitException as exc:
            outcomes.append(exc.rate_limit)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert "concurrent" in outcomes and len(outcomes) == 2


def test_500_for_the_next_calls_then_fine(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.faults.fail_next(2)
    api = connected.accounting()
    for _ in range(2):
        with pytest.raises(HTTPStatusException) as error:
            api.get_organisations(DEMO)
        assert error.value.status == 500 and problem_body(error.value)["Title"] == "An error occurred"
    assert api.get_organisations(DEMO).organisations


def test_503_organisation_offline(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.faults.offline()
    with pytest.raises(HTTPStatusException) as error:
        connected.accounting().create_invoices(DEMO, one_invoice("OFF-1"))
    assert error.value.status == 503 and error.value.body == b"The Organisation is Offline"
    assert error.value.headers["Content-Type"].startswith("text/plain")
    assert sandbox.state.organisation(DEMO).invoice_by_number("OFF-1") is None


def test_no_response_times_out(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.faults.hang()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        connected.accounting().get_organisations(DEMO, _request_timeout=(2, 1))
    assert connected.accounting().get_organisations(DEMO).organisations  # the next call is answered


def test_connection_reset(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.faults.reset()
    with pytest.raises(urllib3.exceptions.HTTPError):  # ProtocolError (reset by peer), not an SDK exception
        connected.accounting().create_invoices(DEMO, one_invoice("RST-1"), idempotency_key="rst")
    assert sandbox.state.organisation(DEMO).invoice_by_number("RST-1") is None


def test_malformed_json(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.faults.malformed_json()
    with pytest.raises(Exception) as error:  # the SDK cannot read it: it fails deserialising the text
        connected.accounting().get_invoices(DEMO)
    assert not isinstance(error.value, HTTPStatusException)


def test_commit_then_lose_the_response_and_replay_the_key(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    sandbox.faults.drop_after_commit(method="PUT")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.create_invoices(DEMO, one_invoice("LOST-1"), summarize_errors=False, idempotency_key="lost-1")
    stored = sandbox.state.organisation(DEMO).invoice_by_number("LOST-1")
    assert stored is not None  # it reached Xero
    replay = api.create_invoices(DEMO, one_invoice("LOST-1"), summarize_errors=False, idempotency_key="lost-1")
    assert str(replay.invoices[0].invoice_id) == stored.invoice_id and not replay.invoices[0].has_errors
    fresh_key = api.create_invoices(DEMO, one_invoice("LOST-1"), summarize_errors=False, idempotency_key="other")
    assert [e.message for e in fresh_key.invoices[0].validation_errors] == [validation.DUPLICATE_NUMBER]


def _control(sandbox: RunningSandbox, action: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        f"{sandbox.base_url}/sandbox/control", data=json.dumps(action).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_json_control_path(sandbox: RunningSandbox, connected: Connected) -> None:
    assert _control(sandbox, {"action": "arm_fault", "kind": "offline"})[0] == 200
    with pytest.raises(HTTPStatusException, match="503"):
        connected.accounting().get_organisations(DEMO)
    customer = seed.DEMO_ACTIVE_CONTACTS[2]
    status, reply = _control(sandbox, {"action": "archive_contact", "contact": customer})
    assert status == 200 and reply["result"]["ContactStatus"] == "ARCHIVED"  # type: ignore[index]
    result = connected.accounting().create_invoices(DEMO, one_invoice("ARC-1", customer), summarize_errors=False)
    assert [e.message for e in result.invoices[0].validation_errors] == [validation.ARCHIVED_CONTACT]
    _control(sandbox, {"action": "restore_contact", "contact": customer})
    result = connected.accounting().create_invoices(DEMO, one_invoice("ARC-1", customer), summarize_errors=False)
    assert not result.invoices[0].has_errors
    status, reply = _control(sandbox, {"action": "set_lock_dates", "period": "2026-12-31"})
    assert status == 200
    assert _control(sandbox, {"action": "no_such_thing"})[0] == 400
    assert _control(sandbox, {"action": "archive_contact", "nobody": 1})[0] == 400
    assert _control(sandbox, {"action": "advance_clock", "seconds": 60})[1]["result"] == pytest.approx(60, abs=1)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "sandbox-state"
    with start_sandbox(state_dir, auto_approve=True, limits=RateLimits()) as first:
        connected = connect(first, tmp_path / "company")
        connected.accounting().create_invoices(DEMO, one_invoice("KEEP-1"))
        refresh_token = connected.refresh_token
        first.control.archive_account("260")
    with start_sandbox(state_dir) as second:
        org = second.state.organisation(DEMO)
        assert org.invoice_by_number("KEEP-1") is not None and org.account_by_code("260").status == "ARCHIVED"
        assert refresh_token in second.state.refresh_tokens and len(second.state.connections) == 2


def test_the_control_path_refuses_another_sites_page(sandbox) -> None:
    import urllib.error

    request = urllib.request.Request(
        f"{sandbox.base_url}/sandbox/control",
        data=json.dumps({"action": "set_plan_limit", "limit": 1}).encode(),
        method="POST",
        headers={"Content-Type": "text/plain", "Origin": "https://elsewhere.example"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert sandbox.control.organisation().plan_invoice_limit is None
