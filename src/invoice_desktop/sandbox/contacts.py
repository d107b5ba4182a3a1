"""PUT/POST /Contacts: create (PUT) or create-or-update (POST) contacts, element by element, staged until commit.

A contact name must be unique among active contacts. POST identifies an existing contact by ContactID; it may
change the name, details and ContactStatus (ACTIVE / ARCHIVED).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from invoice_desktop.sandbox import validation
from invoice_desktop.sandbox.invoices import ElementResult, RequestDataError, field_of, is_zero_id, text_of
from invoice_desktop.sandbox.state import Contact, Organisation, new_id
from invoice_desktop.sandbox.xero_json import ZERO_ID, contact_json

_TEXT_FIELDS = (("FirstName", "first_name"), ("LastName", "last_name"), ("EmailAddress", "email_address"),
                ("ContactNumber", "contact_number"), ("AccountNumber", "account_number"))  # fmt: skip
CONTACT_STATUSES = ("ACTIVE", "ARCHIVED")


@dataclass
class ContactBatch:
    org: Organisation
    now: float
    allow_update: bool = False
    staged: dict[str, Contact] = field(default_factory=dict)  # by ContactID (new and updated)

    def _current(self) -> list[Contact]:
        merged = {c.contact_id: c for c in self.org.contacts}
        merged.update(self.staged)
        return list(merged.values())

    def process(self, element: Any) -> ElementResult:
        if not isinstance(element, dict):
            raise RequestDataError("each contact must be an object")
        contact_id = text_of(element, "ContactID")
        existing: Contact | None = None
        if self.allow_update and not is_zero_id(contact_id):
            existing = next((c for c in self._current() if c.contact_id.lower() == (contact_id or "").lower()), None)
            if existing is None:
                return _failure(Contact(ZERO_ID, text_of(element, "Name") or ""), [validation.CONTACT_NOT_FOUND])
        contact = copy.deepcopy(existing) if existing else Contact(new_id(), "", is_customer=False, updated=self.now)
        name = text_of(element, "Name")
        if name is not None:
            contact.name = name.strip()
        for wire_name, attribute in _TEXT_FIELDS:
            value = text_of(element, wire_name)
            if value is not None:
                setattr(contact, attribute, value)
        for wire_name, attribute in (("IsCustomer", "is_customer"), ("IsSupplier", "is_supplier")):
            value = field_of(element, wire_name)
            if isinstance(value, bool):
                setattr(contact, attribute, value)
        status = (text_of(element, "ContactStatus") or contact.status).upper()
        if status not in CONTACT_STATUSES:
            raise RequestDataError(f"ContactStatus {status!r} is not valid")
        contact.status = status
        errors: list[str] = []
        if not contact.name:
            errors.append(validation.CONTACT_NAME_EMPTY)
        elif contact.status == "ACTIVE" and any(
            c.name.strip().casefold() == contact.name.casefold() and c.status == "ACTIVE"
            for c in self._current()
            if c.contact_id != contact.contact_id
        ):
            errors.append(validation.DUPLICATE_CONTACT_NAME.format(name=contact.name))
        if errors:
            if existing is None:
                contact.contact_id = ZERO_ID
            return _failure(contact, errors)
        contact.updated = self.now
        self.staged[contact.contact_id] = contact
        document = contact_json(contact)
        document["StatusAttributeString"] = "OK"
        return ElementResult(document, [])

    def commit(self) -> None:
        by_id = {c.contact_id: index for index, c in enumerate(self.org.contacts)}
        for contact in self.staged.values():
            if contact.contact_id in by_id:
                self.org.contacts[by_id[contact.contact_id]] = contact
            else:
                self.org.contacts.append(contact)
        self.staged = {}


def _failure(contact: Contact, errors: list[str]) -> ElementResult:
    document = contact_json(contact)
    document["HasValidationErrors"] = True
    document["ValidationErrors"] = [{"Message": m} for m in errors]
    return ElementResult(document, errors)
