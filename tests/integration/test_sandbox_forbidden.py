"""The two 403s through the real SDK: the tenant gone (disconnected: Detail "AuthenticationUnsuccessful", every call
until reconnected) and a permission problem (the `no_permission` fault: Detail "AuthorizationUnsuccessful", for the
calls it is armed for, the tenant still connected)."""

from __future__ import annotations

import json

import pytest
from sandbox_helpers import DEMO, Connected
from xero_python.exceptions import HTTPStatusException

from invoice_desktop.sandbox.server import RunningSandbox


def forbidden_detail(connected: Connected) -> str:
    with pytest.raises(HTTPStatusException) as raised:  # the bare SDK: the app's guard turns a 403 into its own
        connected.raw_accounting().get_invoices(DEMO)
    assert raised.value.status == 403
    body = json.loads(raised.value.body)
    assert (body["Type"], body["Title"], body["Status"], body["Extensions"]) == (None, "Forbidden", 403, {})
    return str(body["Detail"])


def test_a_disconnected_tenant(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.disconnect_tenant()
    assert forbidden_detail(connected) == "AuthenticationUnsuccessful"
    assert forbidden_detail(connected) == "AuthenticationUnsuccessful"
    sandbox.control.reconnect_tenant()
    assert connected.raw_accounting().get_invoices(DEMO).invoices


def test_no_permission_for_the_next_calls(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.arm_fault("no_permission", 2)
    assert forbidden_detail(connected) == "AuthorizationUnsuccessful"
    assert forbidden_detail(connected) == "AuthorizationUnsuccessful"
    assert connected.raw_accounting().get_invoices(DEMO).invoices  # used up
    assert sandbox.state.connection_for(DEMO) is not None  # still connected throughout
    sandbox.faults.no_permission(path="/Invoices", method="PUT")
    assert connected.raw_accounting().get_invoices(DEMO).invoices  # only PUT /Invoices is refused
