"""PUT/POST /Invoices and /CreditNotes: turn each element of a request into an invoice (or credit note), check it
the way Xero does, and stage it. Invoices and credit notes share every rule (contact, lines, accounts, tax,
tracking, totals, lock dates, statuses, a unique number for the sales type); a `DocumentKind` (INVOICES,
CREDIT_NOTES) says what differs: the field names, the types, the messages, where the organisation keeps them.

A batch is processed element by element, in order; each element sees the organisation plus the elements before
it that passed (so two invoices with the same number in one batch collide, and a contact created by name for
one is found by the next). Nothing reaches the organisation until `InvoiceBatch.commit()`.

- PUT creates only. POST creates or updates: an element with an InvoiceID, or with the InvoiceNumber of an
  existing sales invoice, updates that invoice (Xero identifies invoices by either).
- Contact: by ContactID, or by Name ("find the existing contact with that name or create it"; an archived
  contact with that name gives the archived-contact error). Extra fields of a new contact are kept.
- An element that cannot be read as an invoice at all raises RequestDataError (400 PostDataInvalidException).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from invoice_desktop.sandbox import totals, validation, wire
from invoice_desktop.sandbox.state import (
    Contact,
    CreditNote,
    Document,
    Invoice,
    LineItem,
    LineTracking,
    Organisation,
    has_number,
    new_id,
)
from invoice_desktop.sandbox.xero_json import ZERO_ID, contact_json, credit_note_json, invoice_json

INVOICE_TYPES = ("ACCREC", "ACCPAY")
CREDIT_NOTE_TYPES = ("ACCRECCREDIT", "ACCPAYCREDIT")
STATUSES = ("DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED")
CREATABLE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
LINE_AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}
ALLOWED_TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "AUTHORISED", "DRAFT", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
UTC_OFFSET_HOURS = {"AUSEASTERNSTANDARDTIME": 10, "NEWZEALANDSTANDARDTIME": 12}


class RequestDataError(ValueError):
    """The body could not be read as Xero objects (400 PostDataInvalidException)."""


def field_of(document: dict[str, Any], name: str, default: Any = None) -> Any:
    """A field of a request object; Xero reads names case-insensitively."""
    if name in document:
        return document[name]
    wanted = name.lower()
    return next((value for key, value in document.items() if key.lower() == wanted), default)


def text_of(document: dict[str, Any], name: str) -> str | None:
    value = field_of(document, name)
    if value is None:
        return None
    if not isinstance(value, str | int | float | Decimal) or isinstance(value, bool):
        raise RequestDataError(f"{name} must be a string")
    return str(value)


def decimal_of(document: dict[str, Any], name: str) -> Decimal | None:
    value = field_of(document, name)
    if value is None or value == "":
        return None
    try:
        return wire.request_number(value)
    except wire.WireFormatError as exc:
        raise RequestDataError(f"{name}: {exc}") from exc


def date_of(document: dict[str, Any], name: str) -> date | None:
    value = field_of(document, name)
    if value is None or value == "":
        return None
    try:
        return wire.parse_request_date(value)
    except wire.WireFormatError as exc:
        raise RequestDataError(f"{name}: {exc}") from exc


def organisation_today(org: Organisation, now: float) -> date:
    offset = timedelta(hours=UTC_OFFSET_HOURS.get(org.timezone, 0))
    return (datetime.fromtimestamp(now, tz=UTC) + offset).date()


def is_zero_id(value: str | None) -> bool:
    return not value or value.strip("0-") == ""


@dataclass(frozen=True)
class DocumentKind:
    """What differs between the invoices and the credit notes of a batch."""

    plural: str  # "invoices", "credit notes"
    id_field: str  # InvoiceID / CreditNoteID
    number_field: str  # InvoiceNumber / CreditNoteNumber
    types: tuple[str, ...]
    numbered_type: str  # the sales type: its numbers are unique and, when missing, taken from the organisation
    model: type[Invoice] | type[CreditNote]  # built as model(id, type, number, contact_id, date, ...)
    duplicate_number: str
    type_required: str
    not_valid_for_creation: str
    not_valid_for_modification: str
    not_found: str
    records: Callable[[Organisation], dict[str, Any]]  # the organisation's documents of this kind, by lower-case id
    keys_numbered: Callable[[Organisation, str], list[str]]
    add: Callable[[Organisation, Any], None]
    take_number: Callable[[Organisation, Callable[[str], bool]], str]
    to_json: Callable[..., dict[str, Any]]  # (org, document, contact=, with_lines=, unit_places=, summary=)
    plan_limited: bool  # approvals count against the plan limit (invoices only)

    def sent_to_contact_not_authorised(self) -> str:
        return validation.SENT_TO_CONTACT_NOT_AUTHORISED.replace("invoices", self.plural)


INVOICES = DocumentKind(
    "invoices", "InvoiceID", "InvoiceNumber", INVOICE_TYPES, "ACCREC", Invoice, validation.DUPLICATE_NUMBER,
    validation.TYPE_REQUIRED, validation.NOT_VALID_FOR_CREATION, validation.NOT_VALID_FOR_MODIFICATION,
    validation.INVOICE_NOT_FOUND, lambda org: org.invoices, Organisation.invoice_keys_numbered,
    Organisation.add_invoice, Organisation.take_invoice_number, invoice_json, plan_limited=True,
)  # fmt: skip
CREDIT_NOTES = DocumentKind(
    "credit notes", "CreditNoteID", "CreditNoteNumber", CREDIT_NOTE_TYPES, "ACCRECCREDIT", CreditNote,
    validation.DUPLICATE_CREDIT_NOTE_NUMBER, validation.CREDIT_NOTE_TYPE_REQUIRED,
    validation.CREDIT_NOTE_NOT_VALID_FOR_CREATION, validation.CREDIT_NOTE_NOT_VALID_FOR_MODIFICATION,
    validation.CREDIT_NOTE_NOT_FOUND, lambda org: org.credit_notes, Organisation.credit_note_keys_numbered,
    Organisation.add_credit_note, Organisation.take_credit_note_number, credit_note_json, plan_limited=False,
)  # fmt: skip


@dataclass
class _PendingLine:
    item: LineItem
    tax_rate_percent: Decimal
    tax_override: Decimal | None

    @property
    def figures(self) -> totals.LineInput:
        return totals.LineInput(
            quantity=self.item.quantity,
            unit_amount=self.item.unit_amount,
            tax_rate_percent=self.tax_rate_percent,
            discount_rate=self.item.discount_rate,
            discount_amount=self.item.discount_amount,
            tax_amount_override=self.tax_override,
        )


@dataclass
class ElementResult:
    document: dict[str, Any]
    errors: list[str]
    invoice: Document | None = None  # the invoice or credit note built
    new_contact: Contact | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class InvoiceBatch:
    """The elements of one PUT/POST of invoices (or, with kind=CREDIT_NOTES, of credit notes: `staged_invoices`,
    `invoice_by_number` and the rest then hold and find credit notes)."""

    org: Organisation
    now: float
    client_id: str
    unit_places: int = 2
    allow_update: bool = False
    take_warning: Callable[[], str | None] = lambda: None  # the warn_next switch (Faults.take_warning)
    kind: DocumentKind = INVOICES
    staged_invoices: dict[str, Any] = field(default_factory=dict)  # Invoice or CreditNote, by kind
    staged_contacts: list[Contact] = field(default_factory=list)

    # -- the organisation as this batch sees it ------------------------------------------------------------

    def contact_by_id(self, contact_id: str) -> Contact | None:
        found = self.org.contact_by_id(contact_id)
        if found is not None:
            return found
        return next((c for c in self.staged_contacts if c.contact_id.lower() == contact_id.lower()), None)

    def contacts_named(self, name: str) -> list[Contact]:
        wanted = name.strip().casefold()
        staged = [c for c in self.staged_contacts if c.name.strip().casefold() == wanted]
        return self.org.contacts_named(name) + staged

    def invoice(self, invoice_id: str) -> Document | None:
        key = invoice_id.lower()
        return self.staged_invoices.get(key) or self.kind.records(self.org).get(key)

    def all_invoices(self) -> list[Document]:
        merged = {**self.kind.records(self.org), **self.staged_invoices}
        return list(merged.values())

    def invoice_by_number(self, number: str, invoice_type: str | None = None) -> Document | None:
        """The first match in all_invoices() order, found through the organisation's number index."""
        invoice_type = invoice_type or self.kind.numbered_type
        wanted = number.strip().casefold()
        org, staged, stored = self.org, self.staged_invoices, self.kind.records(self.org)
        found = [
            stored[key]
            for key in self.kind.keys_numbered(org, wanted)
            if key not in staged and has_number(stored.get(key), invoice_type, wanted)
        ]
        found.extend(invoice for invoice in staged.values() if has_number(invoice, invoice_type, wanted))
        if len(found) > 1:  # several: the first in order, as a scan finds it
            return next(i for i in self.all_invoices() if has_number(i, invoice_type, wanted))
        return found[0] if found else None

    def number_taken(self, number: str, excluding_id: str | None = None) -> bool:
        found = self.invoice_by_number(number)
        return found is not None and found.document_id != excluding_id

    def approvals_this_month(self) -> int:
        current = datetime.fromtimestamp(self.now, tz=UTC)
        count = 0
        for invoice in self.all_invoices():
            if invoice.type != "ACCREC" or invoice.approved_at is None:
                continue
            approved = datetime.fromtimestamp(invoice.approved_at, tz=UTC)
            if (approved.year, approved.month) == (current.year, current.month):
                count += 1
        return count

    # -- processing ---------------------------------------------------------------------------------------

    def process(self, element: Any, target: Document | None = None) -> ElementResult:
        if not isinstance(element, dict):
            raise RequestDataError(f"each of the {self.kind.plural} must be an object")
        existing = target
        if existing is None and self.allow_update:
            existing, not_found = self._find_existing(element)
            if not_found:
                return self._failure(element, [self.kind.not_found], None, {})
        result = self._build(element, existing)
        if result.ok:
            assert result.invoice is not None
            self.staged_invoices[result.invoice.document_id.lower()] = result.invoice
            if result.new_contact is not None:
                self.staged_contacts.append(result.new_contact)
        return result

    def commit(self) -> None:
        self.org.contacts.extend(self.staged_contacts)
        for invoice in self.staged_invoices.values():
            self.kind.add(self.org, invoice)
        self.staged_contacts = []
        self.staged_invoices = {}

    def _find_existing(self, element: dict[str, Any]) -> tuple[Document | None, bool]:
        invoice_id = text_of(element, self.kind.id_field)
        if not is_zero_id(invoice_id):
            found = self.invoice(invoice_id or "")
            return found, found is None
        number = text_of(element, self.kind.number_field)
        invoice_type = (text_of(element, "Type") or self.kind.numbered_type).upper()
        if number and invoice_type == self.kind.numbered_type:
            return self.invoice_by_number(number), False
        return None, False

    def _build(self, element: dict[str, Any], existing: Document | None) -> ElementResult:
        errors: list[str] = []
        kind = self.kind
        invoice = copy.deepcopy(existing) if existing is not None else None

        # Type
        given_type = text_of(element, "Type")
        invoice_type = (given_type or (invoice.type if invoice else "")).upper()
        if invoice_type not in kind.types:
            errors.append(kind.type_required)

        # Status, and whether this change is allowed
        given_status = text_of(element, "Status")
        status = (given_status or (invoice.status if invoice else "DRAFT")).upper()
        if invoice is None:
            if status not in CREATABLE_STATUSES:
                errors.append(kind.not_valid_for_creation)
        else:
            if invoice.settled:  # a payment or credit on it: no edit, no void (Xero's message either way)
                return self._failure(element, [validation.HAS_PAYMENTS], existing, {})
            if status not in ALLOWED_TRANSITIONS.get(invoice.status, set()):
                return self._failure(element, [kind.not_valid_for_modification], existing, {})

        # Contact
        contact, new_contact, contact_errors = self._resolve_contact(field_of(element, "Contact"), invoice)
        errors.extend(contact_errors)

        # Dates, currency, amounts type
        document_date = date_of(element, "Date") or (
            invoice.date if invoice else organisation_today(self.org, self.now)
        )
        due_date = (
            date_of(element, "DueDate") if field_of(element, "DueDate") else (invoice.due_date if invoice else None)
        )
        currency = (text_of(element, "CurrencyCode") or "").strip().upper()
        if currency and currency not in self.org.enabled_currencies:
            errors.append(validation.currency_not_subscribed(currency))
        amounts_text = text_of(element, "LineAmountTypes")
        if amounts_text is not None:
            line_amount_types = LINE_AMOUNT_TYPES.get(amounts_text.strip().lower())
            if line_amount_types is None:
                raise RequestDataError(f"LineAmountTypes {amounts_text!r} is not valid")
        else:
            line_amount_types = invoice.line_amount_types if invoice else "Exclusive"

        # Lines
        raw_lines = field_of(element, "LineItems")
        line_errors: dict[int, list[str]] = {}
        if raw_lines is None and invoice is not None:
            lines = self._kept_lines(invoice.line_items)
        else:
            if raw_lines is not None and not isinstance(raw_lines, list):
                raise RequestDataError("LineItems must be a list")
            if not raw_lines:
                errors.append(validation.LINES_REQUIRED)
                lines = []
            else:
                lines, line_errors = self._lines(raw_lines, invoice_type, line_amount_types, invoice)
                for messages in line_errors.values():
                    errors.extend(messages)

        # Number
        number = text_of(element, kind.number_field)
        if number is not None:
            number = number.strip()
        current_id = invoice.document_id if invoice else None
        if number and invoice_type == kind.numbered_type and self.number_taken(number, current_id):
            errors.append(kind.duplicate_number)

        # Lock dates, plan limit
        errors.extend(validation.lock_date_errors(self.org, document_date))
        approving = status == "AUTHORISED" and (invoice is None or invoice.status != "AUTHORISED")
        if (
            approving
            and kind.plan_limited
            and invoice_type == kind.numbered_type
            and self.org.plan_invoice_limit is not None
            and self.approvals_this_month() >= self.org.plan_invoice_limit
        ):
            errors.append(validation.PLAN_LIMIT)

        figures = totals.compute_invoice([pending.figures for pending in lines], line_amount_types, self.unit_places)
        if invoice is None:
            invoice = kind.model(
                new_id(),
                invoice_type if invoice_type in kind.types else kind.numbered_type,
                number or "",
                contact.contact_id if contact else ZERO_ID,
                document_date,
                created=self.now,
                created_by_client_id=self.client_id,
                currency_code=self.org.base_currency,
            )
        invoice.type = invoice_type if invoice_type in kind.types else invoice.type
        if number:
            invoice.number = number
        if contact is not None:
            invoice.contact_id = contact.contact_id
        invoice.date = document_date
        invoice.due_date = due_date
        invoice.status = status if status in STATUSES else invoice.status
        invoice.line_amount_types = line_amount_types
        invoice.line_items = [
            dataclasses.replace(pending.item, tax_amount=result.tax_amount, line_amount=result.line_amount,
                                quantity=result.quantity, unit_amount=result.unit_amount)
            for pending, result in zip(lines, figures.lines, strict=True)
        ]  # fmt: skip
        invoice.sub_total, invoice.total_tax, invoice.total = figures.sub_total, figures.total_tax, figures.total
        invoice.total_discount = figures.total_discount or None
        for name, attribute in (("Reference", "reference"), ("Url", "url")):
            value = text_of(element, name)
            if value is not None:
                setattr(invoice, attribute, value)
        if currency:
            invoice.currency_code = currency
        rate = decimal_of(element, "CurrencyRate")
        if rate is not None:
            invoice.currency_rate = wire.rate6(rate)
        warnings: list[str] = []
        sent = field_of(element, "SentToContact")
        if isinstance(sent, bool) and invoice.status == "AUTHORISED":
            invoice.sent_to_contact = sent
        elif sent is True:
            warnings.append(kind.sent_to_contact_not_authorised())

        if errors:
            return self._failure(element, errors, invoice, line_errors, contact, contact_errors)

        if approving:
            invoice.approved_at = self.now
        if invoice.type == kind.numbered_type and not invoice.number:
            invoice.number = kind.take_number(self.org, lambda n: self.number_taken(n))
        invoice.updated = self.now
        if existing is None:
            switched_on = self.take_warning()
            warnings.extend([switched_on] if switched_on else [])
        document = kind.to_json(self.org, invoice, contact=contact, unit_places=self.unit_places)
        document["StatusAttributeString"] = "WARNING" if warnings else "OK"
        if warnings:
            document["Warnings"] = [{"Message": m} for m in warnings]
        return ElementResult(document, [], invoice, new_contact)

    def _resolve_contact(self, raw: Any, invoice: Document | None) -> tuple[Contact | None, Contact | None, list[str]]:
        """(contact, contact to create, errors)."""
        if raw is None:
            if invoice is not None:
                return self.contact_by_id(invoice.contact_id), None, []
            return None, None, [validation.CONTACT_REQUIRED]
        if not isinstance(raw, dict):
            raise RequestDataError("Contact must be an object")
        contact_id = text_of(raw, "ContactID")
        name = (text_of(raw, "Name") or "").strip()
        number = (text_of(raw, "ContactNumber") or "").strip()
        if not is_zero_id(contact_id):
            contact = self.contact_by_id(contact_id or "")
            if contact is None:
                return None, None, [validation.CONTACT_NOT_FOUND]
        elif name:
            named = self.contacts_named(name)
            active = [c for c in named if c.status == "ACTIVE"]
            if active:
                contact = active[0]
            elif named:
                contact = named[0]
            else:
                contact = Contact(
                    contact_id=new_id(),
                    name=name,
                    first_name=text_of(raw, "FirstName") or "",
                    last_name=text_of(raw, "LastName") or "",
                    email_address=text_of(raw, "EmailAddress") or "",
                    contact_number=number,
                    is_customer=True,
                    updated=self.now,
                )
                return contact, contact, []
        elif number:
            contact = next((c for c in self.org.contacts if c.contact_number == number), None)
            if contact is None:
                return None, None, [validation.CONTACT_NOT_FOUND]
        else:
            return None, None, [validation.CONTACT_REQUIRED]
        if contact.status == "ARCHIVED":
            return contact, None, [validation.ARCHIVED_CONTACT]
        return contact, None, []

    def _lines(
        self, raw_lines: list[Any], invoice_type: str, line_amount_types: str, invoice: Document | None
    ) -> tuple[list[_PendingLine], dict[int, list[str]]]:
        lines: list[_PendingLine] = []
        errors: dict[int, list[str]] = {}
        known_ids = {line.line_item_id.lower() for line in invoice.line_items} if invoice else set()
        for index, raw in enumerate(raw_lines):
            if not isinstance(raw, dict):
                raise RequestDataError("each line item must be an object")
            messages: list[str] = []
            account_code = (text_of(raw, "AccountCode") or "").strip()
            account_id = (text_of(raw, "AccountID") or "").strip()
            tax_type = (text_of(raw, "TaxType") or "").strip()
            check = validation.check_line_account_and_tax(self.org, invoice_type, account_code, account_id, tax_type)
            messages.extend(check.errors)
            tracking, tracking_errors = self._tracking(field_of(raw, "Tracking"))
            messages.extend(tracking_errors)
            quantity = decimal_of(raw, "Quantity")
            unit_amount = decimal_of(raw, "UnitAmount")
            line_amount = decimal_of(raw, "LineAmount")
            if quantity is None:
                quantity = Decimal(1)
            if unit_amount is None:
                unit_amount = line_amount / quantity if line_amount is not None and quantity else Decimal(0)
            given_id = (text_of(raw, "LineItemID") or "").lower()
            line = LineItem(
                line_item_id=given_id if given_id in known_ids else new_id(),
                description=text_of(raw, "Description") or "",
                quantity=quantity,
                unit_amount=unit_amount,
                account_code=check.account.code if check.account else account_code,
                account_id=check.account.account_id if check.account else "",
                tax_type=check.tax_rate.tax_type if check.tax_rate else tax_type,
                tax_amount=decimal_of(raw, "TaxAmount") or Decimal(0),
                discount_rate=decimal_of(raw, "DiscountRate"),
                discount_amount=decimal_of(raw, "DiscountAmount"),
                item_code=text_of(raw, "ItemCode") or "",
                tracking=tracking,
            )
            rate = check.tax_rate.rate if check.tax_rate else Decimal(0)
            lines.append(_PendingLine(line, rate, decimal_of(raw, "TaxAmount")))
            if messages:
                errors[index] = messages
        return lines, errors

    def _kept_lines(self, lines: list[LineItem]) -> list[_PendingLine]:
        """An update without LineItems keeps the lines (their totals are worked out again)."""
        result = []
        for line in lines:
            tax = self.org.tax_rate(line.tax_type) if line.tax_type else None
            result.append(_PendingLine(copy.deepcopy(line), tax.rate if tax else Decimal(0), None))
        return result

    def _tracking(self, raw: Any) -> tuple[list[LineTracking], list[str]]:
        if raw is None:
            return [], []
        if not isinstance(raw, list):
            raise RequestDataError("Tracking must be a list")
        result: list[LineTracking] = []
        errors: list[str] = []
        if len(raw) > 2:
            errors.append(validation.TRACKING_TOO_MANY)
        for item in raw:
            if not isinstance(item, dict):
                raise RequestDataError("each tracking entry must be an object")
            category_key = text_of(item, "TrackingCategoryID") or text_of(item, "Name") or ""
            option_key = (text_of(item, "TrackingOptionID") or text_of(item, "Option") or "").strip()
            category = self.org.tracking_category(category_key) if category_key else None
            option = None
            if category is not None and category.status == "ACTIVE":
                option = next(
                    (
                        o
                        for o in category.options
                        if o.status == "ACTIVE" and option_key.casefold() in (o.name.casefold(), o.tracking_option_id)
                    ),
                    None,
                )
            if category is None or option is None:
                errors.append(validation.TRACKING_NOT_FOUND.format(category=category_key, option=option_key))
                continue
            result.append(
                LineTracking(category.tracking_category_id, category.name, option.tracking_option_id, option.name)
            )
        return result, errors

    def _failure(
        self,
        element: dict[str, Any],
        errors: list[str],
        invoice: Document | None,
        line_errors: dict[int, list[str]],
        contact: Contact | None = None,
        contact_errors: list[str] | None = None,
    ) -> ElementResult:
        """The echo of an element that failed: the document as it would have been, with HasErrors and messages."""
        unique = list(dict.fromkeys(errors))
        kind = self.kind
        if invoice is not None:
            shown_contact = contact if contact is not None else self.contact_by_id(invoice.contact_id)
            document = kind.to_json(self.org, invoice, contact=shown_contact, unit_places=self.unit_places)
            if invoice.document_id.lower() not in kind.records(self.org):
                document[kind.id_field] = ZERO_ID
            if shown_contact is None:
                raw_contact = field_of(element, "Contact")
                document["Contact"] = _echo_contact(raw_contact if isinstance(raw_contact, dict) else {})
            elif contact is not None and contact not in self.org.contacts:
                document["Contact"]["ContactID"] = ZERO_ID
        else:
            document = {kind.id_field: ZERO_ID, kind.number_field: text_of(element, kind.number_field) or ""}
        document["HasErrors"] = True
        if contact_errors and isinstance(document.get("Contact"), dict):
            document["Contact"]["HasValidationErrors"] = True
            document["Contact"]["ValidationErrors"] = [{"Message": m} for m in contact_errors]
        for index, messages in line_errors.items():
            lines = document.get("LineItems") or []
            if index < len(lines):
                lines[index]["ValidationErrors"] = [{"Message": m} for m in dict.fromkeys(messages)]
        document["ValidationErrors"] = [{"Message": m} for m in unique]
        return ElementResult(document, unique)


def _echo_contact(raw: dict[str, Any]) -> dict[str, Any]:
    contact = Contact(contact_id=ZERO_ID, name=str(field_of(raw, "Name") or ""))
    document = contact_json(contact, summary=True)
    document["HasValidationErrors"] = False
    return document
