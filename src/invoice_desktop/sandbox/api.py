"""One Accounting API call, start to end: faults, bearer token, tenant, scope, rate limits, latency,
Idempotency-Key, the resource handler, and the headers every tenant call gets."""

from __future__ import annotations

from invoice_desktop.sandbox import accounting, http_messages, idempotency, oauth, queries
from invoice_desktop.sandbox.context import SandboxContext
from invoice_desktop.sandbox.faults import PRE_PROCESSING, FaultKind
from invoice_desktop.sandbox.http_messages import Request, Response, Transport

API_ROOT = "/api.xro/2.0/"
MALFORMED_BODY = b'{"Id":"00000000-0000-0000-0000-000000000000","Status":"OK","Invoices":[{"InvoiceID":'


def fault_response(ctx: SandboxContext, request: Request, correlation_id: str) -> Response | None:
    """The response of a pre-processing fault armed for this call, if one fires."""
    kind = ctx.faults.take(request.method, request.path, PRE_PROCESSING)
    if kind is None:
        return None
    if kind is FaultKind.SERVER_ERROR:
        return http_messages.server_error(correlation_id)
    if kind is FaultKind.OFFLINE:
        return http_messages.organisation_offline()
    if kind is FaultKind.CONFLICT:
        return http_messages.conflict(correlation_id)
    if kind is FaultKind.NO_PERMISSION:
        return http_messages.forbidden(correlation_id, "AuthorizationUnsuccessful")
    if kind is FaultKind.MALFORMED_JSON:
        return Response(200, MALFORMED_BODY, {"Content-Type": http_messages.JSON_TYPE})
    transport = Transport.HANG if kind is FaultKind.HANG else Transport.RESET
    return Response(0, transport=transport)


def handle_api(ctx: SandboxContext, request: Request, correlation_id: str) -> Response:
    response = _checked_call(ctx, request, correlation_id)
    response.headers.setdefault("Xero-Correlation-Id", correlation_id)
    return response


def _checked_call(ctx: SandboxContext, request: Request, correlation_id: str) -> Response:
    parts = [p for p in request.path[len(API_ROOT) :].split("/") if p]
    entry = accounting.RESOURCES.get(parts[0].lower()) if parts else None
    token = oauth.authenticate(ctx, request, correlation_id)
    if isinstance(token, Response):
        return token
    tenant_id = (request.header("xero-tenant-id") or "").strip().lower()
    with ctx.state.lock:
        org = ctx.state.organisation(tenant_id) if tenant_id else None
        if org is None or ctx.state.connection_for(tenant_id) is None:
            return http_messages.forbidden(correlation_id)
    sub = parts[2].lower() if len(parts) == 3 else None
    if entry is None or len(parts) > 3 or request.method not in entry[1]:
        return http_messages.not_found()
    if sub is not None and sub not in accounting.SUB_RESOURCES.get(parts[0].lower(), frozenset()):
        return http_messages.not_found()
    scopes, handlers = entry
    if not accounting.scope_allows(token.scopes, scopes, request.method):
        return http_messages.unauthorized("AuthorizationUnsuccessful", correlation_id)

    decision = ctx.limiter.acquire(org.tenant_id)
    if not decision.allowed:
        return Response(429, b"", decision.headers(ctx.limiter.limits.send_retry_after))
    try:
        latency = ctx.faults.latency_for(request.path)
        if latency:
            ctx.stopping.wait(latency)
        call = accounting.ApiCall(ctx, request, org, token.client_id, correlation_id, parts[0].lower(),
                                  parts[1] if len(parts) > 1 else None, sub)  # fmt: skip
        response = _idempotent(call, handlers[request.method])
    finally:
        ctx.limiter.release(org.tenant_id)
    response.headers.update(decision.headers())
    return response


def _idempotent(call: accounting.ApiCall, handler: accounting.Handler) -> Response:
    ctx, request = call.ctx, call.request
    key = request.header("Idempotency-Key") if request.method in ("PUT", "POST") else None
    if not key:
        return _run(call, handler)
    if len(key) > idempotency.MAX_KEY_LENGTH:
        return _bad_request(idempotency.key_too_long_message(), call.correlation_id)
    fingerprint = idempotency.fingerprint(request.method, request.path, request.query_string, call.org.tenant_id,
                                          request.body)  # fmt: skip
    found = ctx.idempotency.lookup(call.client_id, key, fingerprint, ctx.clock.now())
    if found is False:
        return _bad_request(idempotency.key_reused_message(key), call.correlation_id)
    if isinstance(found, idempotency.CachedResponse):
        return Response(found.status, found.body, dict(found.headers))
    response = _run(call, handler)
    if response.status < 500:
        cached = idempotency.CachedResponse(fingerprint, response.status, dict(response.headers), response.body,
                                            ctx.clock.now())  # fmt: skip
        ctx.idempotency.store(call.client_id, key, cached)
    return response


def _run(call: accounting.ApiCall, handler: accounting.Handler) -> Response:
    with call.ctx.state.lock:
        try:
            response = handler(call)
        except queries.QueryError as exc:  # where, order, page, If-Modified-Since
            response = accounting.query_error(str(exc))
    if call.request.method != "GET":
        call.ctx.persist()
        if call.ctx.faults.take(call.request.method, call.request.path, frozenset({FaultKind.DROP_AFTER_COMMIT})):
            response.transport = Transport.DROP_AFTER_COMMIT
    response.headers["Xero-Correlation-Id"] = call.correlation_id
    return response


def _bad_request(message: str, correlation_id: str) -> Response:
    return Response.json(400, http_messages.problem(400, "Bad Request", message, correlation_id))
