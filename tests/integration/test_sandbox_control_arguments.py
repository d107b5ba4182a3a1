"""Every control action refuses a bad value (wrong type, not finite, out of range, unknown choice, unknown id) with a
clear message, from Python (ControlError), the JSON control path (400 {"ok": false}) and the admin page (an error
flash), and changes nothing: the state, the state file and the admin page stay readable."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.control import ACTIONS, ControlError
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox

NAN, INF = math.nan, math.inf
BAD: list[tuple[str, dict[str, Any], str]] = [
    ("advance_clock", {"seconds": NAN}, "finite"),
    ("advance_clock", {"seconds": INF}, "finite"),
    ("advance_clock", {"seconds": 1e300}, "between 0"),
    ("advance_clock", {"seconds": -5}, "between 0"),
    ("advance_clock", {"seconds": "60"}, "number of seconds"),
    ("advance_clock", {"seconds": True}, "number of seconds"),
    ("set_refresh_grace", {"seconds": -1}, "between 0"),
    ("set_refresh_grace", {"seconds": "0"}, "number of seconds"),
    ("set_latency", {"seconds": NAN}, "finite"),
    ("set_latency", {"seconds": 1e9}, "between 0"),
    ("set_latency", {"seconds": 1, "path": ""}, "path"),
    ("arm_fault", {"kind": "meltdown"}, "kind must be one of"),
    ("arm_fault", {"kind": "offline", "count": 0}, "count"),
    ("arm_fault", {"kind": "offline", "count": 2.5}, "count"),
    ("arm_fault", {"kind": "offline", "count": 10**9}, "count"),
    ("arm_fault", {"kind": "offline", "method": "BREW"}, "method"),
    ("arm_fault", {"kind": "offline", "path": 7}, "path"),
    ("warn_next", {"count": -1}, "count"),
    ("set_body_limit", {"max_bytes": 0}, "max_bytes"),
    ("set_rate_limits", {"per_minute": 0}, "per_minute"),
    ("set_rate_limits", {"per_day": 10**12}, "per_day"),
    ("set_rate_limits", {"concurrent": "5"}, "concurrent"),
    ("set_rate_limits", {"send_retry_after": "no"}, "send_retry_after"),
    ("exhaust_limit", {"problem": "week"}, "problem must be one of"),
    ("set_auto_approve", {"on": "yes"}, "true or false"),
    ("set_summarized_commits_valid", {"on": 1}, "true or false"),
    ("set_plan_limit", {"limit": -1}, "limit"),
    ("set_plan_limit", {"limit": True}, "limit"),
    ("set_plan_limit", {"limit": 1.5}, "limit"),
    ("set_lock_dates", {"period": "2026-02-30"}, "YYYY-MM-DD"),
    ("set_lock_dates", {"end_of_year": "10000-01-01"}, "YYYY-MM-DD"),
    ("set_lock_dates", {"period": 20261231}, "YYYY-MM-DD"),
    ("set_lock_dates", {"period": "1066-10-14"}, "between"),
    ("set_contact_status", {"contact": "Greenway Builders", "status": "GONE"}, "status must be one of"),
    ("archive_contact", {"contact": "Nobody Pty Ltd"}, "no contact"),
    ("archive_contact", {"contact": ["x"]}, "must be text"),
    ("set_account_status", {"code": "200", "status": "active"}, "status must be one of"),
    ("archive_account", {"code": "999"}, "no account"),
    ("record_payment", {"invoice": "INV-0042", "amount": "NaN"}, "finite"),
    ("record_payment", {"invoice": "INV-0042", "amount": 1e300}, "at most"),
    ("record_payment", {"invoice": "INV-0042", "amount": "-5"}, "more than 0"),
    ("record_payment", {"invoice": "INV-0042", "amount": "1.005"}, "2 decimal places"),
    ("record_payment", {"invoice": "INV-0042", "on": "someday"}, "YYYY-MM-DD"),
    ("record_payment", {"invoice": "INV-0042", "reference": 5}, "reference"),
    ("record_payment", {"invoice": "NOPE-1"}, "no invoice"),
    ("allocate_credit", {"invoice": "INV-0042", "amount": "Infinity"}, "finite"),
    ("allocate_credit", {"invoice": "INV-0042", "amount": "10", "kind": "gift"}, "credit_note"),
    ("void_invoice", {"invoice": ""}, "must not be empty"),
    ("void_credit_note", {"credit_note": ""}, "must not be empty"),
    ("void_credit_note", {"credit_note": "CN-NOPE"}, "no credit note"),
    ("disconnect_tenant", {"tenant": "Nowhere Ltd"}, "no organisation"),
    ("reconnect_tenant", {"tenant": 42}, "must be text"),
    ("enable_currency", {"code": "ZZZ"}, "code must be one of"),
]


def unchanged(sandbox: RunningSandbox) -> dict[str, Any]:
    return {"status": sandbox.control.status(), "limits": vars(sandbox.limiter.limits).copy(),
            "options": vars(sandbox.options).copy()}  # fmt: skip


def post_control(sandbox: RunningSandbox, document: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body = json.dumps(document).encode()  # NaN and Infinity go out as the NaN/Infinity tokens a hostile client sends
    request = urllib.request.Request(f"{sandbox.base_url}/sandbox/control", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_every_action_is_covered() -> None:
    checked = {action for action, _, _ in BAD}
    no_arguments = {"revoke_app", "clear_faults", "reset_limits", "status"}
    shorthands = {"restore_contact", "restore_account", "disable_currency"}  # the same checks as their pair
    assert set(ACTIONS) - checked == no_arguments | shorthands


@pytest.mark.parametrize(("action", "arguments", "message"), BAD, ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(BAD)])
def test_bad_values_are_refused_everywhere(
    sandbox: RunningSandbox, action: str, arguments: dict[str, Any], message: str
) -> None:
    before = unchanged(sandbox)
    with pytest.raises(ControlError, match=message):
        getattr(sandbox.control, action)(**arguments)
    status, answer = post_control(sandbox, {"action": action, **arguments})
    assert status == 400 and answer["ok"] is False and answer["error"]
    assert unchanged(sandbox) == before


@pytest.mark.parametrize(
    "form",
    [
        {"action": "set_latency", "seconds": "nan"},
        {"action": "set_latency", "seconds": "1e300"},
        {"action": "arm_fault", "kind": "offline", "count": "99999999999"},
        {"action": "arm_fault", "kind": "meltdown"},
        {"action": "record_payment", "invoice": seed.DEMO_TAKEN_INVOICE_NUMBER, "amount": "NaN"},
        {"action": "record_payment", "invoice": seed.DEMO_TAKEN_INVOICE_NUMBER, "amount": "1e999999"},
        {"action": "allocate_credit", "invoice": seed.DEMO_TAKEN_INVOICE_NUMBER, "amount": "-Infinity"},
        {"action": "set_plan_limit", "limit": "99999999999"},
        {"action": "set_lock_dates", "period": "2026-02-30"},
        {"action": "exhaust_limit", "problem": "week"},
        {"action": "enable_currency", "code": "<b>"},
    ],
)
def test_the_admin_page_says_why_and_still_renders(sandbox: RunningSandbox, form: dict[str, str]) -> None:
    before = unchanged(sandbox)
    data = urllib.parse.urlencode({"org": seed.DEMO_TENANT_ID, **form}).encode()
    with urllib.request.urlopen(f"{sandbox.admin_url}/action", data=data, timeout=10) as reply:
        page = reply.read().decode()
    assert reply.status == 200 and '<div class="flash error"' in page and "Could not do that" in page
    assert unchanged(sandbox) == before


def test_nan_never_reaches_the_state_file(tmp_path: Path) -> None:
    with start_sandbox(tmp_path, auto_approve=True) as sandbox:
        assert post_control(sandbox, {"action": "advance_clock", "seconds": NAN})[0] == 400
        assert post_control(sandbox, {"action": "advance_clock", "seconds": 120})[0] == 200
    text = (tmp_path / "sandbox-state.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    with start_sandbox(tmp_path, auto_approve=True) as again:
        assert again.clock.offset == pytest.approx(120)
        with urllib.request.urlopen(again.admin_url, timeout=10) as reply:
            assert reply.status == 200
