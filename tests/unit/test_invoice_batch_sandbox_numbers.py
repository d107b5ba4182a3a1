"""The sandbox finds invoices by number through an index: the same answers as a scan of every invoice."""

from __future__ import annotations

import random
from datetime import date

from invoice_desktop.sandbox.invoices import InvoiceBatch
from invoice_desktop.sandbox.state import Invoice, Organisation


def org() -> Organisation:
    return Organisation("t", "Org", "Org Pty Ltd", "!a", "AU", "AU", "AUD", "AUSEASTERNSTANDARDTIME")


def inv(key: str, number: str, kind: str = "ACCREC") -> Invoice:
    return Invoice(key, kind, number, "c", date(2024, 1, 1))


def scan(invoices: list[Invoice], number: str, kind: str = "ACCREC") -> Invoice | None:
    """The look-up as it was: the first in order with that type and number, ignoring case."""
    wanted = number.strip().casefold()
    return next((i for i in invoices if i.type == kind and i.invoice_number.casefold() == wanted), None)


def test_organisation_look_ups_follow_additions_replacements_and_direct_changes() -> None:
    o = org()
    assert o.invoice_by_number("INV-1") is None
    o.add_invoice(inv("A", "INV-1"))
    o.add_invoice(inv("b", "inv-2", "ACCPAY"))
    o.add_invoice(inv("c", "Inv-2"))
    assert o.invoice_by_number(" inv-1 ") is o.invoices["a"]
    assert o.invoice_by_number("INV-2") is o.invoices["c"]
    assert o.invoice_by_number("INV-2", "ACCPAY") is o.invoices["b"]
    o.add_invoice(inv("a", "INV-9"))  # an update that renumbers: the old number is free, the new one found
    assert o.invoice_by_number("INV-1") is None and o.invoice_by_number("inv-9") is o.invoices["a"]
    o.invoices["d"] = inv("d", "INV-10")  # behind the index's back: it is rebuilt
    assert o.invoice_by_number("INV-10") is o.invoices["d"]
    assert o.invoice("inv-10") is o.invoices["d"]


def test_duplicates_answer_the_first_in_creation_order() -> None:
    o = org()
    o.add_invoice(inv("x", "DUP"))
    o.add_invoice(inv("y", "dup"))
    o.add_invoice(inv("x", "DUP"))  # replaced in place: still first
    assert o.invoice_by_number("Dup") is o.invoices["x"]


def test_batch_sees_the_organisation_plus_its_staged_invoices_in_order() -> None:
    o = org()
    for key, number in (("a", "N-1"), ("b", "N-2"), ("c", "N-3")):
        o.add_invoice(inv(key, number))
    batch = InvoiceBatch(o, 0.0, "client")
    batch.staged_invoices["b"] = inv("b", "N-7")  # an update of b renumbering it
    batch.staged_invoices["z"] = inv("z", "N-2")  # a new invoice taking b's old number
    batch.staged_invoices["w"] = inv("w", "N-1")  # a clash with an older one: the older comes first
    for number in ("N-1", "N-2", "N-3", "N-7", "n-7", "N-9"):
        assert batch.invoice_by_number(number) is scan(batch.all_invoices(), number), number
    assert batch.invoice_by_number("N-2") is batch.staged_invoices["z"]
    assert batch.number_taken("N-7") and not batch.number_taken("N-7", excluding_id="b")
    batch.commit()
    assert o.invoice_by_number("N-2") is o.invoices["z"] and o.invoice_by_number("N-7") is o.invoices["b"]


def test_random_histories_agree_with_a_scan() -> None:
    rng = random.Random(7)
    o = org()
    for step in range(400):
        key = f"k{rng.randrange(60)}"
        number = f"{rng.choice(['INV-', 'inv-'])}{rng.randrange(40)}"
        kind = rng.choice(["ACCREC", "ACCREC", "ACCPAY"])
        if step % 50 == 49:
            o.invoices[f"direct{step}"] = inv(f"direct{step}", number, kind)
        else:
            o.add_invoice(inv(key, number, kind))
        probe = f"INV-{rng.randrange(40)}"
        for kind in ("ACCREC", "ACCPAY"):
            assert o.invoice_by_number(probe, kind) is scan(list(o.invoices.values()), probe, kind)
