"""Helpers of the contract tests: loading Xero's OpenAPI specs, and `Wire`, a bare HTTP client signed in to the
sandbox that returns the exact bytes it sent (`Raw`), ready to validate with openapi-core.

The specs are loaded with `spec_validator_cls=None`: Xero's own spec does not pass openapi-spec-validator (e.g.
`default: 'false'` strings on boolean properties such as Account.HasAttachments). The response validation itself
is unaffected.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import yaml
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox

SPEC_DIR = Path(__file__).parent / "xero-openapi"
# The hosts the specs' `servers` name; the sandbox serves the same paths under one base URL.
ACCOUNTING_SERVER = "https://api.xero.com"  # + /api.xro/2.0 (the spec's server URL)
ACCOUNTING_ROOT = "/api.xro/2.0"
CLIENT_ID = "CONTRACTTESTCLIENT00000000000001"
REDIRECT_URI = "http://localhost:8765/callback"
SCOPES = " ".join(("openid", "profile", "email", "offline_access", "accounting.invoices", "accounting.payments",
                   "accounting.contacts", "accounting.settings"))  # fmt: skip


@dataclass
class Specs:
    accounting: OpenAPI
    accounting_strict: OpenAPI  # additional properties forbidden: no field beyond the spec
    identity: OpenAPI
    identity_document: dict[str, Any]
    accounting_document: dict[str, Any]

    def accounting_schema(self, name: str) -> dict[str, Any]:
        """A schema of the Accounting spec with its $refs resolved, ready for a jsonschema validator."""
        schemas = self.accounting_document["components"]["schemas"]
        return {**schemas[name], "components": {"schemas": schemas}}


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_DOTNET_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?$")


def xero_date_time(value: object) -> bool:
    """`format: date-time` as /Connections really writes it: RFC 3339, or ISO without a zone and with up to 7
    fractional digits ("2019-12-07T18:46:19.5165400": the spec's example and real captures, docs/xero-facts.md §4.4)."""
    return not isinstance(value, str) or bool(_RFC3339.match(value) or _DOTNET_UTC.match(value))


def _read(name: str) -> dict[str, Any]:
    with (SPEC_DIR / name).open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _api(document: dict[str, Any], **config: Any) -> OpenAPI:
    return OpenAPI(SchemaPath.from_dict(document), config=Config(spec_validator_cls=None, **config))


@dataclass
class Raw:
    """One HTTP exchange as it went over the wire."""

    method: str
    path: str  # as sent, without the query string
    query: dict[str, str]
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.body)

    def validate(self, api: OpenAPI, server: str = ACCOUNTING_SERVER, body: bytes | None = None) -> None:
        """Validate the response (or `body` in its place) against the operation the spec gives for it."""
        request = MockRequest(server, self.method.lower(), self.path, args=self.query)
        mime = self.content_type.split(";")[0].strip() or "application/json"
        response = MockResponse(self.body if body is None else body, self.status, headers=self.headers,
                                content_type=mime)  # fmt: skip
        api.validate_response(request, response)


class Wire:
    """A bare HTTP client of the sandbox (no SDK in between), signed in with PKCE to both organisations."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.token_response = self._sign_in()
        self.access_token: str = self.token_response.json()["access_token"]

    def send(
        self, method: str, path: str, query: dict[str, str] | None = None, body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Raw:  # fmt: skip
        parts = urlsplit(self.sandbox.base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        target = path + (f"?{urlencode(query)}" if query else "")
        try:
            connection.request(method, target, body=body, headers=headers or {})
            reply = connection.getresponse()
            return Raw(method, path, dict(query or {}), reply.status,
                       {k.lower(): v for k, v in reply.getheaders()}, reply.read())  # fmt: skip
        finally:
            connection.close()

    def api(
        self, method: str, resource: str, query: dict[str, str] | None = None, document: Any = None,
        tenant: str | None = seed.DEMO_TENANT_ID, token: str | None = None, raw_body: bytes | None = None,
    ) -> Raw:  # fmt: skip
        """An Accounting API call as the SDK makes it (Bearer token, xero-tenant-id, JSON body)."""
        headers = {"Authorization": f"Bearer {token or self.access_token}", "Accept": "application/json"}
        if tenant is not None:
            headers["xero-tenant-id"] = tenant
        body = raw_body if raw_body is not None else (json.dumps(document).encode() if document is not None else None)
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.send(method, f"{ACCOUNTING_ROOT}/{resource}", query, body, headers)

    def identity(self, method: str, path: str, query: dict[str, str] | None = None) -> Raw:
        return self.send(method, path, query, headers={"Authorization": f"Bearer {self.access_token}"})

    def _sign_in(self) -> Raw:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        authorize = self.send("GET", "/identity/connect/authorize", {
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": SCOPES,
            "state": "contract", "code_challenge": challenge, "code_challenge_method": "S256",
        })  # fmt: skip
        assert authorize.status == 302, authorize.body
        code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
        form = urlencode({"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
                          "redirect_uri": REDIRECT_URI, "code_verifier": verifier}).encode()  # fmt: skip
        reply = self.send("POST", "/connect/token", body=form,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert reply.status == 200, reply.body
        return reply


def load_specs() -> Specs:
    accounting = _read("xero_accounting.yaml")
    identity = _read("xero-identity.yaml")
    return Specs(
        accounting=_api(accounting),
        accounting_strict=_api(accounting, additional_properties_default_policy="forbid"),
        identity=_api(identity, extra_format_validators={"date-time": xero_date_time}),
        identity_document=identity,
        accounting_document=accounting,
    )
