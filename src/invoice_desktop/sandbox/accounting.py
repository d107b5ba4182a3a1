"""The Accounting API resources under /api.xro/2.0/: what each GET lists and how PUT/POST batches are answered.

Handlers run with the state lock held, after api.py has checked the token, the tenant, the scope, the rate
limits and the idempotency key. Each returns the whole Response; api.py adds the headers every call gets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from invoice_desktop.sandbox import http_messages, listing, payments, queries, wire
from invoice_desktop.sandbox.contacts import ContactBatch
from invoice_desktop.sandbox.context import SandboxContext
from invoice_desktop.sandbox.credit_notes import AllocationBatch
from invoice_desktop.sandbox.currencies import currency_json
from invoice_desktop.sandbox.http_messages import Request, Response
from invoice_desktop.sandbox.invoices import (
    CREDIT_NOTES,
    INVOICES,
    DocumentKind,
    ElementResult,
    InvoiceBatch,
    RequestDataError,
    organisation_today,
    text_of,
)
from invoice_desktop.sandbox.payments import PaymentBatch
from invoice_desktop.sandbox.record_index import RecordIndex
from invoice_desktop.sandbox.state import (
    CREDIT_NOTE_FIELDS,
    INVOICE_FIELDS,
    PAYMENT_FIELDS,
    CreditNote,
    Invoice,
    Organisation,
)
from invoice_desktop.sandbox.xero_json import (
    account_json,
    contact_json,
    credit_note_json,
    envelope,
    invoice_json,
    organisation_json,
    pagination,
    payment_json,
    tax_rate_json,
    tracking_category_json,
)


@dataclass
class ApiCall:
    ctx: SandboxContext
    request: Request
    org: Organisation
    client_id: str
    correlation_id: str
    resource: str  # lower-case, e.g. "invoices"
    item_id: str | None  # the {id} of /Invoices/{id}
    sub_resource: str | None = None  # lower-case, the "allocations" of /CreditNotes/{id}/Allocations

    def ok(self, **content: Any) -> Response:
        document = envelope(self.correlation_id, self.ctx.clock.now(), self.ctx.options.provider_name, **content)
        return Response.json(200, document)

    @property
    def unit_places(self) -> int:
        return 4 if self.request.query("unitdp") == "4" else 2


Handler = Callable[[ApiCall], Response]
R = TypeVar("R")


def query_error(message: str) -> Response:
    return Response.json(400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message})


# -- lists --------------------------------------------------------------------------------------------------------


def _listed(
    call: ApiCall,
    key: str,
    documents: list[dict[str, Any]],
    *,
    paged: bool = False,
) -> Response:
    """Apply where, order and (where the endpoint pages) page/pageSize, then answer. A query the sandbox cannot
    read raises queries.QueryError, which api.py answers as Xero's QueryParseException."""
    request = call.request
    predicate = queries.where_filter(request.query("where"))
    if predicate is not None:
        documents = [d for d in documents if predicate(d)]
    documents = queries.order_records(documents, request.query("order"))
    page = queries.page_of(request.query("page"), request.query("pageSize")) if paged else None
    if page is None:
        return call.ok(**{key: documents})
    shown = queries.slice_page(documents, page)
    return call.ok(pagination=pagination(page.number, page.size, len(documents)), **{key: shown})


def _since(call: ApiCall) -> float | None:
    return queries.modified_since(call.request.header("If-Modified-Since"))


def get_invoices(call: ApiCall) -> Response:
    org, request = call.org, call.request
    if call.item_id is not None:
        invoice = org.invoice(call.item_id)
        if invoice is None:
            return http_messages.not_found()
        return call.ok(Invoices=[invoice_json(org, invoice, unit_places=call.unit_places)])
    index = org.invoice_index
    fields = {f.name: f for f in INVOICE_FIELDS}
    filters: list[listing.Term[Invoice]] = []
    ids = {i.lower() for i in request.query_list("IDs")}
    if ids:
        filters.append(listing.key_term(index, ids, lambda i: i.invoice_id in ids))
    numbers = {n.casefold() for n in request.query_list("InvoiceNumbers")}
    if numbers:
        check_number = lambda i: i.invoice_number.casefold() in numbers  # noqa: E731
        filters.append(listing.parameter_term(index, fields["invoicenumber"], numbers, check_number))
    contact_ids = {c.lower() for c in request.query_list("ContactIDs")}
    if contact_ids:
        check_contact = lambda i: i.contact_id.lower() in contact_ids  # noqa: E731
        filters.append(listing.parameter_term(index, fields["contact.contactid"], contact_ids, check_contact))
    statuses = {s.upper() for s in request.query_list("Statuses")}
    if statuses:
        filters.append(listing.parameter_term(index, fields["status"], statuses, lambda i: i.status in statuses))
    term = (request.query("searchTerm") or "").casefold()
    if term:
        filters.append(
            listing.check_term(lambda i: term in i.invoice_number.casefold() or term in i.reference.casefold())
        )
    if request.query_flag("createdByMyApp"):
        filters.append(listing.check_term(lambda i: i.created_by_client_id == call.client_id))
    # includeArchived is accepted and changes nothing: the spec copies the Contacts wording ("a status of
    # ARCHIVED"), but no invoice status is ARCHIVED; VOIDED and DELETED invoices are listed either way.
    paged = bool(request.query("page"))
    summary = bool(request.query_flag("summaryOnly"))

    def document(invoice: Invoice) -> dict[str, Any]:
        return invoice_json(org, invoice, with_lines=paged, unit_places=call.unit_places, summary=summary)

    return _selected(call, "Invoices", index, INVOICE_FIELDS, document, filters)


def get_credit_notes(call: ApiCall) -> Response:
    """GET /CreditNotes[/{id}]: where, order, page/pageSize, If-Modified-Since as for invoices (line items on a
    page only, as the spec's `page` says), and IDs."""
    org, request = call.org, call.request
    if call.sub_resource is not None:
        return http_messages.not_found()
    if call.item_id is not None:
        credit_note = org.credit_note(call.item_id)
        if credit_note is None:
            return http_messages.not_found()
        return call.ok(CreditNotes=[credit_note_json(org, credit_note, unit_places=call.unit_places)])
    index = org.credit_note_index
    filters: list[listing.Term[CreditNote]] = []
    ids = {i.lower() for i in request.query_list("IDs")}
    if ids:
        filters.append(listing.key_term(index, ids, lambda c: c.credit_note_id in ids))
    paged = bool(request.query("page"))

    def document(credit_note: CreditNote) -> dict[str, Any]:
        return credit_note_json(org, credit_note, with_lines=paged, unit_places=call.unit_places)

    return _selected(call, "CreditNotes", index, CREDIT_NOTE_FIELDS, document, filters)


def _selected(
    call: ApiCall,
    key: str,
    index: RecordIndex[R],
    fields: Sequence[listing.IndexedField[R]],
    document: Callable[[R], dict[str, Any]],
    filters: Sequence[listing.Term[R]] = (),
) -> Response:
    """A paged list answered through its index (listing.py): where, order, If-Modified-Since, page/pageSize."""
    request = call.request
    where = queries.where_filter(request.query("where"))
    page = queries.page_of(request.query("page"), request.query("pageSize"))
    listed = listing.select(index, fields, document, where=where, order=request.query("order"), since=_since(call),
                            page=page, filters=filters)  # fmt: skip
    if page is None:
        return call.ok(**{key: listed.documents})
    return call.ok(pagination=pagination(page.number, page.size, listed.item_count), **{key: listed.documents})


def get_contacts(call: ApiCall) -> Response:
    org, request = call.org, call.request
    if call.item_id is not None:
        contact = org.contact_by_id(call.item_id)
        return call.ok(Contacts=[contact_json(contact)]) if contact else http_messages.not_found()
    ids = {i.lower() for i in request.query_list("IDs")}
    term = (request.query("searchTerm") or "").casefold()
    archived = bool(request.query_flag("includeArchived")) or bool(ids)
    contacts = [
        c
        for c in queries.filter_modified(org.contacts, _since(call), lambda c: c.updated)
        if (archived or c.status != "ARCHIVED")
        and (not ids or c.contact_id.lower() in ids)
        and (not term or any(term in v.casefold() for v in (c.name, c.first_name, c.last_name, c.email_address,
                                                            c.contact_number, c.account_number)))
    ]  # fmt: skip
    summary = bool(request.query_flag("summaryOnly"))
    return _listed(call, "Contacts", [contact_json(c, summary=summary) for c in contacts], paged=True)


def get_accounts(call: ApiCall) -> Response:
    org = call.org
    accounts = [a for a in org.accounts if call.item_id is None or a.account_id == call.item_id.lower()]
    if call.item_id is not None and not accounts:
        return http_messages.not_found()
    accounts = queries.filter_modified(accounts, _since(call), lambda a: a.updated)
    return _listed(call, "Accounts", [account_json(a, org.base_currency) for a in accounts])


def get_tax_rates(call: ApiCall) -> Response:
    return _listed(call, "TaxRates", [tax_rate_json(t) for t in call.org.tax_rates])


def get_tracking_categories(call: ApiCall) -> Response:
    archived = bool(call.request.query_flag("includeArchived"))
    categories = [c for c in call.org.tracking_categories if archived or c.status == "ACTIVE"]
    return _listed(call, "TrackingCategories", [tracking_category_json(c, archived) for c in categories])


def get_currencies(call: ApiCall) -> Response:
    return _listed(call, "Currencies", [currency_json(code) for code in call.org.enabled_currencies])


def get_organisation(call: ApiCall) -> Response:
    return call.ok(Organisations=[organisation_json(call.org)])


def get_payments(call: ApiCall) -> Response:
    org = call.org
    if call.item_id is not None:
        payment = org.payments.get(call.item_id.lower())
        return call.ok(Payments=[payment_json(org, payment)]) if payment else http_messages.not_found()
    return _selected(call, "Payments", org.payment_index, PAYMENT_FIELDS, lambda p: payment_json(org, p))


# -- batches ------------------------------------------------------------------------------------------------------


def _elements(body: bytes, key: str) -> list[Any]:
    try:
        document = wire.loads(body) if body.strip() else None
    except ValueError as exc:
        raise RequestDataError(str(exc)) from exc
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        found = next((value for name, value in document.items() if name.lower() == key.lower()), None)
        if found is None:
            return [document]
        if isinstance(found, list):
            return found
    raise RequestDataError(f"the body must hold {key}")


def _batch(call: ApiCall, key: str, process: Callable[[Any], ElementResult], commit: Callable[[], None]) -> Response:
    try:
        results = [process(element) for element in _elements(call.request.body, key)]
    except RequestDataError as exc:
        return http_messages.post_data_invalid(str(exc))
    failed = [r for r in results if not r.ok]
    summarize = call.request.query_flag("summarizeErrors")
    if failed and summarize is not False:
        if call.ctx.options.summarized_commits_valid:
            commit()
        return http_messages.validation_exception([r.document for r in failed])
    commit()
    for result in failed:
        result.document["StatusAttributeString"] = "ERROR"
    return call.ok(**{key: [r.document for r in results]})


def write_invoices(call: ApiCall) -> Response:
    return _write_documents(call, "Invoices", INVOICES, call.org.invoice, call.ctx.faults.take_warning)


def write_credit_notes(call: ApiCall) -> Response:
    """PUT/POST /CreditNotes, POST /CreditNotes/{id} (update, void), PUT /CreditNotes/{id}/Allocations."""
    if call.sub_resource == "allocations":
        return allocate_credit_note(call) if call.request.method == "PUT" else http_messages.not_found()
    return _write_documents(call, "CreditNotes", CREDIT_NOTES, call.org.credit_note)


def _write_documents(
    call: ApiCall, key: str, kind: DocumentKind, find: Callable[[str], Any],
    take_warning: Callable[[], str | None] = lambda: None,
) -> Response:  # fmt: skip
    """PUT creates, POST creates or updates; POST /{key}/{id} updates (and so voids) that one document."""
    update = call.request.method == "POST"
    batch = InvoiceBatch(call.org, call.ctx.clock.now(), call.client_id, call.unit_places, allow_update=update,
                         take_warning=take_warning, kind=kind)  # fmt: skip
    if call.item_id is None:
        return _batch(call, key, batch.process, batch.commit)
    if not update:
        return http_messages.not_found()
    target = find(call.item_id)
    if target is None:
        return http_messages.not_found()
    return _batch(call, key, lambda element: batch.process(element, target), batch.commit)


def allocate_credit_note(call: ApiCall) -> Response:
    org = call.org
    credit_note = org.credit_note(call.item_id or "")
    if credit_note is None:
        return http_messages.not_found()
    now = call.ctx.clock.now()
    batch = AllocationBatch(org, credit_note, now, organisation_today(org, now))
    return _batch(call, "Allocations", batch.process, batch.commit)


def write_contacts(call: ApiCall) -> Response:
    if call.item_id is not None:
        return http_messages.not_found()
    batch = ContactBatch(call.org, call.ctx.clock.now(), allow_update=call.request.method == "POST")
    return _batch(call, "Contacts", batch.process, batch.commit)


def write_payments(call: ApiCall) -> Response:
    if call.item_id is not None:
        return delete_payment(call) if call.request.method == "POST" else http_messages.not_found()
    org = call.org
    batch = PaymentBatch(org, call.ctx.clock.now(), organisation_today(org, call.ctx.clock.now()))
    return _batch(call, "Payments", batch.process, batch.commit)


def delete_payment(call: ApiCall) -> Response:
    """POST /Payments/{PaymentID} {"Status": "DELETED"} (the spec's PaymentDelete; also inside "Payments")."""
    org = call.org
    payment = org.payments.get((call.item_id or "").lower())
    if payment is None:
        return http_messages.not_found()
    try:
        elements = _elements(call.request.body, "Payments")
        if len(elements) != 1 or not isinstance(elements[0], dict):
            raise RequestDataError("the body must hold one payment")
        status = text_of(elements[0], "Status")
    except RequestDataError as exc:
        return http_messages.post_data_invalid(str(exc))
    errors = payments.deletion_errors(org, payment, status)
    if errors:
        echo = {**payment_json(org, payment), "HasValidationErrors": True,
                "ValidationErrors": [{"Message": m} for m in errors]}  # fmt: skip
        return http_messages.validation_exception([echo])
    payments.delete_payment(org, payment, call.ctx.clock.now())
    return call.ok(Payments=[payment_json(org, payment)])


# resource -> (scopes that grant it, {method: handler})
RESOURCES: dict[str, tuple[tuple[str, ...], dict[str, Handler]]] = {
    "invoices": (
        ("accounting.invoices", "accounting.transactions"),
        {"GET": get_invoices, "PUT": write_invoices, "POST": write_invoices},
    ),
    "creditnotes": (
        ("accounting.invoices", "accounting.transactions"),
        {"GET": get_credit_notes, "PUT": write_credit_notes, "POST": write_credit_notes},
    ),
    "contacts": (("accounting.contacts",), {"GET": get_contacts, "PUT": write_contacts, "POST": write_contacts}),
    "accounts": (("accounting.settings",), {"GET": get_accounts}),
    "taxrates": (("accounting.settings",), {"GET": get_tax_rates}),
    "trackingcategories": (("accounting.settings",), {"GET": get_tracking_categories}),
    "organisation": (("accounting.settings",), {"GET": get_organisation}),
    "currencies": (("accounting.settings",), {"GET": get_currencies}),
    "payments": (
        ("accounting.payments", "accounting.transactions"),
        {"GET": get_payments, "PUT": write_payments, "POST": write_payments},
    ),
}


# resource -> the sub-resources of /{resource}/{id}/{sub} its handlers answer
SUB_RESOURCES: dict[str, frozenset[str]] = {"creditnotes": frozenset({"allocations"})}


def scope_allows(granted: list[str], needed: tuple[str, ...], method: str) -> bool:
    wanted = set(needed)
    if method == "GET":
        wanted |= {f"{scope}.read" for scope in needed}
    return bool(wanted & set(granted))
