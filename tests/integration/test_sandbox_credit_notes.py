"""Credit notes, allocations and voids through the real SDK (create_credit_notes, update_or_create_credit_notes,
get_credit_notes, get_credit_note, update_credit_note, create_credit_note_allocation, update_invoice): Xero's rules
with their texts, per-element errors, duplicate numbers, idempotent replay, the invoice and the credit note
following every allocation to the cent, voids and their refusals, and the state surviving a restart."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import DEMO, Connected, connect
from test_sandbox_accounting import CUSTOMER, sales_invoice, value
from test_sandbox_admin import act, flash_of, get_page
from test_sandbox_payments import pay
from xero_python.accounting import (
    AccountingApi,
    Allocation,
    Allocations,
    Contact,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Payments,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from invoice_desktop.sandbox import credit_notes, payments, seed, validation
from invoice_desktop.sandbox.limits import RateLimits
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox
from invoice_desktop.sandbox.state_file import STATE_FILE_NAME, STATE_FORMAT, SandboxStateError

ON = date(2026, 10, 6)
OTHER_CUSTOMER = seed.DEMO_ACTIVE_CONTACTS[2]


def credit_note(
    number: str | None = None, amount: str = "30.00", *, contact: str = CUSTOMER, status: str = "AUTHORISED",
    account: str = "200", tax: str | None = "OUTPUT", on: date = ON,
) -> CreditNote:  # fmt: skip
    """A sales credit note of `amount` plus 10% GST (so 30.00 is 33.00 in all)."""
    return CreditNote(
        type="ACCRECCREDIT", contact=Contact(name=contact), date=on, status=status, credit_note_number=number,
        line_amount_types=LineAmountTypes.EXCLUSIVE, reference="Returned goods",
        line_items=[LineItem(description="Returned tap", quantity=Decimal(1), unit_amount=Decimal(amount),
                             account_code=account, tax_type=tax)],
    )  # fmt: skip


def errors(document: object) -> list[str]:
    return [e.message for e in getattr(document, "validation_errors", None) or []]


def create(api: AccountingApi, *notes: CreditNote, key: str | None = None) -> list[CreditNote]:
    extra = {"idempotency_key": key} if key else {}
    return api.create_credit_notes(DEMO, CreditNotes(credit_notes=list(notes)), summarize_errors=False,
                                   **extra).credit_notes  # fmt: skip


def invoice(api: AccountingApi, number: str, amount: str = "100.00", **extra: object) -> Invoice:
    return api.create_invoices(DEMO, Invoices(invoices=[sales_invoice(number, amount=amount, **extra)])).invoices[0]  # type: ignore[arg-type]


def allocation(invoice_id: str, amount: str, on: date = ON + timedelta(days=1)) -> Allocation:
    return Allocation(invoice=Invoice(invoice_id=invoice_id), amount=Decimal(amount), date=on)


def allocate(api: AccountingApi, note: CreditNote, *items: Allocation) -> list[Allocation]:
    answer = api.create_credit_note_allocation(DEMO, note.credit_note_id, Allocations(allocations=list(items)),
                                               summarize_errors=False)  # fmt: skip
    return answer.allocations


def due(api: AccountingApi, found: Invoice) -> tuple[str, Decimal, Decimal]:
    seen = api.get_invoice(DEMO, found.invoice_id).invoices[0]
    return value(seen.status), seen.amount_due, seen.amount_credited


def remaining(api: AccountingApi, note: CreditNote) -> tuple[str, Decimal]:
    seen = api.get_credit_note(DEMO, note.credit_note_id).credit_notes[0]
    return value(seen.status), seen.remaining_credit


# -- creating and reading ---------------------------------------------------------------------------------------


def test_create_and_read_credit_notes(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    made, draft, submitted = create(api, credit_note(), credit_note("CN-OWN", "10.00", status="DRAFT"),
                                    credit_note(None, "5.55", status="SUBMITTED", tax="EXEMPTOUTPUT"))  # fmt: skip
    assert made.credit_note_number == "CN-0001" and draft.credit_note_number == "CN-OWN"
    assert (made.total, made.sub_total, made.total_tax, made.remaining_credit) == (
        Decimal("33.00"), Decimal("30.00"), Decimal("3.00"), Decimal("33.00"))  # fmt: skip
    assert value(made.type) == "ACCRECCREDIT" and value(made.status) == "AUTHORISED" and made.date == ON
    assert made.contact.name == CUSTOMER and made.line_items[0].account_code == "200"
    assert (value(submitted.status), submitted.total, submitted.credit_note_number) == (
        "SUBMITTED", Decimal("5.55"), "CN-0002")  # fmt: skip
    one = api.get_credit_note(DEMO, made.credit_note_id).credit_notes[0]
    assert (one.credit_note_number, one.remaining_credit, one.allocations) == ("CN-0001", Decimal("33.00"), [])
    with pytest.raises(NotFoundException):
        api.get_credit_note(DEMO, "6f9619ff-8b86-d011-b42d-00cf4fc964ff")

    listed = api.get_credit_notes(DEMO).credit_notes
    assert [c.credit_note_number for c in listed] == ["CN-0001", "CN-OWN", "CN-0002"]
    assert listed[0].line_items in (None, [])  # lines on a page only, as for invoices
    paged = api.get_credit_notes(DEMO, page=1, page_size=2)
    assert [c.credit_note_number for c in paged.credit_notes] == ["CN-0001", "CN-OWN"]
    assert (paged.pagination.item_count, paged.pagination.page_count) == (3, 2)
    assert paged.credit_notes[0].line_items[0].description == "Returned tap"
    contact_id = made.contact.contact_id
    for where, expected in (
        ('CreditNoteNumber=="cn-own"', ["CN-OWN"]),
        ('Status=="AUTHORISED"', ["CN-0001"]),
        (f'Contact.ContactID==Guid("{contact_id}") AND Status!="DRAFT"', ["CN-0001", "CN-0002"]),
        ('Type=="ACCPAYCREDIT"', []),
    ):
        assert [c.credit_note_number for c in api.get_credit_notes(DEMO, where=where).credit_notes] == expected, where
    ordered = api.get_credit_notes(DEMO, order="Total DESC").credit_notes
    assert [c.total for c in ordered] == [Decimal("33.00"), Decimal("11.00"), Decimal("5.55")]


def test_a_batch_with_bad_items(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    sandbox.control.set_lock_dates(period="2026-09-30")
    batch = [
        (credit_note("CN-B1"), []),
        (credit_note("CN-B2", contact=seed.DEMO_ARCHIVED_CONTACT), [validation.ARCHIVED_CONTACT]),
        (credit_note("CN-B3", account=seed.DEMO_ARCHIVED_ACCOUNT),
         [validation.archived_account(seed.DEMO_ARCHIVED_ACCOUNT)]),
        (credit_note("CN-B4", account="400"), [validation.invalid_account("400")]),
        (credit_note("CN-B5", tax="NOPE"), [validation.unknown_tax_type("NOPE")]),
        (credit_note("CN-B6", on=date(2026, 9, 30)), [validation.period_locked(date(2026, 9, 30))]),
        (credit_note("CN-B7", status="PAID"), [validation.CREDIT_NOTE_NOT_VALID_FOR_CREATION]),
        (credit_note("CN-B1"), [validation.DUPLICATE_CREDIT_NOTE_NUMBER]),  # the first of this batch has it
        (credit_note("CN-B8"), []),
    ]  # fmt: skip
    answer = create(api, *[note for note, _ in batch])
    for (sent, expected), got in zip(batch, answer, strict=True):
        assert errors(got) == expected, sent.credit_note_number
        assert got.has_errors is bool(expected) and got.status_attribute_string == ("ERROR" if expected else "OK")
        assert (got.credit_note_id == "00000000-0000-0000-0000-000000000000") is bool(expected)
    stored = sandbox.state.organisation(DEMO).credit_notes.values()
    assert sorted(c.credit_note_number for c in stored) == ["CN-B1", "CN-B8"]

    with pytest.raises(AccountingBadRequestException) as refused:  # summarised (the default): nothing is created
        api.create_credit_notes(DEMO, CreditNotes(credit_notes=[credit_note("CN-S1"), credit_note("CN-B8")]))
    assert refused.value.reason == validation.DUPLICATE_CREDIT_NOTE_NUMBER
    assert len(sandbox.state.organisation(DEMO).credit_notes) == 2


def test_numbers_are_unique_among_credit_notes_only(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    (first,) = create(api, credit_note(seed.DEMO_TAKEN_INVOICE_NUMBER))  # an invoice's number: not a credit note's
    assert not errors(first)
    (again,) = create(api, credit_note(seed.DEMO_TAKEN_INVOICE_NUMBER.lower()))
    assert errors(again) == [validation.DUPLICATE_CREDIT_NOTE_NUMBER]
    sandbox.control.allocate_credit(seed.DEMO_TAKEN_INVOICE_NUMBER, "1.00", "credit_note")  # takes CN-0001
    (numbered,) = create(api, credit_note())
    assert numbered.credit_note_number == "CN-0002"
    updated = api.update_or_create_credit_notes(
        DEMO, CreditNotes(credit_notes=[CreditNote(credit_note_number=seed.DEMO_TAKEN_INVOICE_NUMBER,
                                                   reference="Changed")]))  # fmt: skip
    assert updated.credit_notes[0].credit_note_id == first.credit_note_id  # POST finds it by number
    assert updated.credit_notes[0].reference == "Changed"


def test_idempotent_replay(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    first = create(api, credit_note("CN-K1"), credit_note("CN-K2"), key="cn-batch-1")
    again = create(api, credit_note("CN-K1"), credit_note("CN-K2"), key="cn-batch-1")
    assert [c.credit_note_id for c in again] == [c.credit_note_id for c in first]  # replayed, not refused
    assert len(sandbox.state.organisation(DEMO).credit_notes) == 2
    with pytest.raises(AccountingBadRequestException):  # the key with another request
        create(api, credit_note("CN-K3"), key="cn-batch-1")
    target = invoice(api, "CN-KI")
    one = allocation(str(target.invoice_id), "5.00")
    note = first[0]
    for _ in range(2):
        api.create_credit_note_allocation(DEMO, note.credit_note_id, Allocations(allocations=[one]),
                                          summarize_errors=False, idempotency_key="cn-alloc-1")  # fmt: skip
    assert remaining(api, note) == ("AUTHORISED", Decimal("28.00"))  # allocated once


# -- allocations ------------------------------------------------------------------------------------------------


def test_allocate_partly_then_fully(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    target = invoice(api, "CN-I1")  # 110.00
    small, big = create(api, credit_note("CN-A1", "30.30"), credit_note("CN-A2", "100.00"))  # 33.33 and 110.00
    (first,) = allocate(api, small, allocation(str(target.invoice_id), "33.33"))
    assert first.allocation_id and first.amount == Decimal("33.33") and not errors(first)
    assert first.invoice.invoice_id == target.invoice_id and first.credit_note.credit_note_id == small.credit_note_id
    assert due(api, target) == ("AUTHORISED", Decimal("76.67"), Decimal("33.33"))
    assert remaining(api, small) == ("PAID", Decimal("0.00"))  # nothing left: the credit note is paid
    seen = api.get_invoice(DEMO, target.invoice_id).invoices[0]
    assert [(c.credit_note_number, c.applied_amount) for c in seen.credit_notes] == [("CN-A1", Decimal("33.33"))]
    listed = api.get_credit_note(DEMO, small.credit_note_id).credit_notes[0].allocations
    assert [(a.allocation_id, a.amount, a.invoice.invoice_number) for a in listed] == [
        (first.allocation_id, Decimal("33.33"), "CN-I1")]  # fmt: skip

    part, rest = allocate(api, big, allocation(str(target.invoice_id), "76.66"),
                          allocation(str(target.invoice_id), "0.01"))  # fmt: skip
    assert not errors(part) and not errors(rest)
    status, amount_due, credited = due(api, target)
    assert (status, amount_due, credited) == ("PAID", Decimal("0.00"), Decimal("110.00"))
    assert api.get_invoice(DEMO, target.invoice_id).invoices[0].fully_paid_on_date == ON + timedelta(days=1)
    assert remaining(api, big) == ("AUTHORISED", Decimal("33.33"))
    late = Allocations(allocations=[allocation(str(target.invoice_id), "1.00")])
    with pytest.raises(AccountingBadRequestException) as paid_off:  # summarised
        api.create_credit_note_allocation(DEMO, big.credit_note_id, late)
    assert paid_off.value.reason == credit_notes.PAID_OFF
    elements = paid_off.value.error_data["Elements"]
    assert [m["Message"] for m in elements[0]["ValidationErrors"]] == [credit_notes.PAID_OFF,
                                                                       credit_notes.AMOUNT_OUTSTANDING]  # fmt: skip


def test_allocations_refused(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    target, other = invoice(api, "CN-R1", "20.00"), invoice(api, "CN-R2", contact=OTHER_CUSTOMER)  # 22.00, 110.00
    usd = sales_invoice("CN-R3")
    usd.currency_code = CurrencyCode.USD
    foreign = api.create_invoices(DEMO, Invoices(invoices=[usd])).invoices[0]
    note, draft = create(api, credit_note("CN-R", "40.00"), credit_note("CN-RD", status="DRAFT"))  # 44.00
    ids = str(target.invoice_id)
    sandbox.control.set_lock_dates(period="2026-10-01")
    answer = allocate(
        api, note,
        allocation(ids, "22.01"),  # more than the invoice's 22.00 due
        allocation(ids, "0.00"),
        allocation(str(other.invoice_id), "1.00"),
        allocation(str(foreign.invoice_id), "1.00"),
        allocation(ids, "1.00", on=date(2026, 10, 1)),
        allocation("6f9619ff-8b86-d011-b42d-00cf4fc964ff", "1.00"),
        allocation(ids, "22.00"),
    )  # fmt: skip
    assert [errors(a) for a in answer] == [
        [credit_notes.AMOUNT_OUTSTANDING],
        [credit_notes.NOT_POSITIVE],
        [credit_notes.OTHER_CONTACT],
        [credit_notes.OTHER_CURRENCY],
        [validation.period_locked(date(2026, 10, 1))],
        [credit_notes.NO_INVOICE],
        [],
    ]
    assert all(a.amount is not None and a.invoice is not None for a in answer)  # the SDK reads every echo
    assert remaining(api, note) == ("AUTHORISED", Decimal("22.00"))
    (over_credit,) = allocate(api, note, allocation(str(invoice(api, "CN-R4").invoice_id), "22.005"))  # 22.01
    assert errors(over_credit) == [credit_notes.AMOUNT_OUTSTANDING]  # more than the 22.00 left on the credit note
    (from_draft,) = allocate(api, draft, allocation(str(invoice(api, "CN-R5").invoice_id), "1.00"))
    assert errors(from_draft) == [credit_notes.CREDIT_NOTE_NOT_AUTHORISED]
    (to_draft,) = allocate(api, note, allocation(str(invoice(api, "CN-R6", status="DRAFT").invoice_id), "1.00"))
    assert errors(to_draft) == [credit_notes.INVOICE_NOT_AUTHORISED]
    with pytest.raises(NotFoundException):
        allocate(api, CreditNote(credit_note_id="6f9619ff-8b86-d011-b42d-00cf4fc964ff"), allocation(ids, "1.00"))


def test_a_batch_counts_its_earlier_allocations(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    one, two = invoice(api, "CN-C1"), invoice(api, "CN-C2")  # 110.00 each
    (note,) = create(api, credit_note("CN-C", "50.00"))  # 55.00
    answer = allocate(api, note, allocation(str(one.invoice_id), "50.00"), allocation(str(two.invoice_id), "5.01"),
                      allocation(str(two.invoice_id), "5.00"))  # fmt: skip
    assert [errors(a) for a in answer] == [[], [credit_notes.AMOUNT_OUTSTANDING], []]
    assert remaining(api, note) == ("PAID", Decimal("0.00"))
    assert due(api, one)[1:] == (Decimal("60.00"), Decimal("50.00"))
    assert due(api, two)[1:] == (Decimal("105.00"), Decimal("5.00"))


# -- voids ------------------------------------------------------------------------------------------------------


def void_invoice(api: AccountingApi, found: Invoice) -> Invoice:
    return api.update_invoice(DEMO, found.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")])).invoices[0]


def void_credit_note(api: AccountingApi, note: CreditNote) -> CreditNote:
    changed = CreditNotes(credit_notes=[CreditNote(status="VOIDED")])
    return api.update_credit_note(DEMO, note.credit_note_id, changed).credit_notes[0]


def test_void_both_document_types(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    target, spare = invoice(api, "CN-V1"), invoice(api, "CN-V2")
    note, other = create(api, credit_note("CN-V"), credit_note("CN-VO"))
    voided = void_invoice(api, target)
    assert (value(voided.status), voided.amount_due) == ("VOIDED", Decimal("0.00"))
    paid = api.create_payments(DEMO, Payments(payments=[pay("CN-V1", "1.00")]), summarize_errors=False)
    assert errors(paid.payments[0]) == [payments.NOT_AUTHORISED]  # a voided invoice takes no payment
    (to_voided,) = allocate(api, note, allocation(str(target.invoice_id), "1.00"))
    assert errors(to_voided) == [credit_notes.INVOICE_NOT_AUTHORISED]  # nor credit

    gone = void_credit_note(api, note)
    assert (value(gone.status), gone.remaining_credit) == ("VOIDED", Decimal("0.00"))
    (from_voided,) = allocate(api, note, allocation(str(spare.invoice_id), "1.00"))
    assert errors(from_voided) == [credit_notes.CREDIT_NOTE_NOT_AUTHORISED]
    with pytest.raises(AccountingBadRequestException) as again:  # VOIDED is final
        void_credit_note(api, note)
    assert again.value.reason == validation.CREDIT_NOTE_NOT_VALID_FOR_MODIFICATION
    (draft,) = create(api, credit_note("CN-VD", status="DRAFT"))
    with pytest.raises(AccountingBadRequestException) as draft_void:  # a draft is deleted, not voided
        void_credit_note(api, draft)
    assert draft_void.value.reason == validation.CREDIT_NOTE_NOT_VALID_FOR_MODIFICATION
    delete = CreditNotes(credit_notes=[CreditNote(status="DELETED")])
    deleted = api.update_credit_note(DEMO, draft.credit_note_id, delete).credit_notes[0]
    assert value(deleted.status) == "DELETED"
    assert value(api.get_credit_note(DEMO, other.credit_note_id).credit_notes[0].status) == "AUTHORISED"


def test_void_refused_once_money_is_on_the_document(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    with_payment, with_credit = invoice(api, "CN-P1"), invoice(api, "CN-P2")
    api.create_payments(DEMO, Payments(payments=[pay("CN-P1", "10.00")]))
    (note,) = create(api, credit_note("CN-P"))
    allocate(api, note, allocation(str(with_credit.invoice_id), "10.00"))
    for attempt in (lambda: void_invoice(api, with_payment), lambda: void_invoice(api, with_credit),
                    lambda: void_credit_note(api, note)):  # fmt: skip
        with pytest.raises(AccountingBadRequestException) as refused:
            attempt()
        assert refused.value.reason == validation.HAS_PAYMENTS
    assert due(api, with_payment) == ("AUTHORISED", Decimal("100.00"), Decimal("0.00"))
    assert remaining(api, note) == ("AUTHORISED", Decimal("23.00"))


# -- persistence ------------------------------------------------------------------------------------------------


def test_credit_notes_and_allocations_survive_a_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "sandbox-state"
    limits = RateLimits(per_minute=100_000, per_day=1_000_000)
    with start_sandbox(state_dir, auto_approve=True, limits=limits) as first:
        api = connect(first, tmp_path / "one").accounting()
        target = invoice(api, "CN-KEEP")
        note, voided = create(api, credit_note("CN-KEEP"), credit_note("CN-GONE"))
        allocate(api, note, allocation(str(target.invoice_id), "12.34"))
        void_credit_note(api, voided)
    with start_sandbox(state_dir, auto_approve=True, limits=limits) as second:
        api = connect(second, tmp_path / "two").accounting()
        kept = api.get_credit_note(DEMO, note.credit_note_id).credit_notes[0]
        assert (kept.credit_note_number, kept.remaining_credit, [a.amount for a in kept.allocations]) == (
            "CN-KEEP", Decimal("20.66"), [Decimal("12.34")])  # fmt: skip
        assert due(api, target) == ("AUTHORISED", Decimal("97.66"), Decimal("12.34"))
        assert remaining(api, voided) == ("VOIDED", Decimal("0.00"))
        (numbered,) = create(api, credit_note())
        assert numbered.credit_note_number == "CN-0001"
        (duplicate,) = create(api, credit_note("CN-KEEP"))
        assert errors(duplicate) == [validation.DUPLICATE_CREDIT_NOTE_NUMBER]


def test_the_state_file_holds_credit_notes_and_refuses_broken_ones(tmp_path: Path) -> None:
    state_dir = tmp_path / "sandbox-state"
    with start_sandbox(state_dir, auto_approve=True) as first:
        api = connect(first, tmp_path / "one").accounting()
        target = invoice(api, "CN-F1")
        (note,) = create(api, credit_note("CN-F"))
        allocate(api, note, allocation(str(target.invoice_id), "3.00"))
    path = state_dir / STATE_FILE_NAME
    good = json.loads(path.read_text(encoding="utf-8"))
    assert good["format"] == STATE_FORMAT == 1

    def org(document: dict[str, Any]) -> dict[str, Any]:
        return document["state"]["organisations"][DEMO]

    def saved_note(document: dict[str, Any]) -> dict[str, Any]:
        return next(iter(org(document)["credit_notes"].values()))

    older = json.loads(json.dumps(good))  # a file written before credit notes existed: it loads, with none
    del org(older)["credit_notes"]
    path.write_text(json.dumps(older), encoding="utf-8")
    with start_sandbox(state_dir) as again:
        assert again.state.organisation(DEMO).credit_notes == {}

    for change, named in (
        (lambda d: saved_note(d).update(type="ACCREC"), "type"),
        (lambda d: saved_note(d).update(status="LOST"), "status"),
        (lambda d: saved_note(d)["allocations"][0].update(invoice_id="6f9619ff-8b86-d011-b42d-00cf4fc964ff"),
         "invoice"),
        (lambda d: saved_note(d)["allocations"][0].update(amount="999.00"), "allocations"),
        (lambda d: saved_note(d).update(total="lots"), "total"),
    ):  # fmt: skip
        broken = json.loads(json.dumps(good))
        change(broken)
        path.write_text(json.dumps(broken), encoding="utf-8")
        with pytest.raises(
            SandboxStateError, match=f"credit note.*{named}|{named}.*credit_notes|credit_notes.*{named}"
        ):
            start_sandbox(state_dir)


def test_the_admin_page_lists_and_voids_credit_notes(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    target = invoice(api, "CN-AD1")
    allocated, loose = create(api, credit_note("CN-AD<b>"), credit_note("CN-AD2", "10.00"))
    allocate(api, allocated, allocation(str(target.invoice_id), "3.00"))
    page = get_page(sandbox, f"?org={DEMO}")[1]
    section = page[page.index('id="credit-notes"') :]
    assert "CN-AD&lt;b&gt;" in section and "CN-AD<b>" not in section  # escaped
    assert "30.00" in section and f'value="{loose.credit_note_id}"' in section
    assert f'value="{allocated.credit_note_id}"' not in section  # allocated: no Void button
    done = act(sandbox, action="void_credit_note", credit_note=str(loose.credit_note_id), back="credit-notes")
    assert "Credit note CN-AD2 is now VOIDED" in flash_of(done)
    assert remaining(api, loose) == ("VOIDED", Decimal("0.00"))
    refused = act(sandbox, action="void_credit_note", credit_note=str(allocated.credit_note_id))
    assert "cannot be voided" in flash_of(refused)
