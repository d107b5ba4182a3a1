"""The sandbox's state on disk: `sandbox-state.json` in the state directory, written after each change (temp file
and rename, so a crash never leaves half a file) and read at start.

A file that does not load (not JSON, truncated, another format, a value of the wrong type, NaN, an unknown status,
type or currency, a credit note allocated to an invoice the file does not hold or beyond its total, an organisation
missing) is refused as a whole with SandboxStateError, whose message names the file
and says how to start over; the sandbox never starts on half a state.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import types
import typing
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.clock import MAX_OFFSET_SECONDS
from invoice_desktop.sandbox.contacts import CONTACT_STATUSES
from invoice_desktop.sandbox.currencies import CURRENCY_NAMES
from invoice_desktop.sandbox.invoices import CREDIT_NOTE_TYPES, INVOICE_TYPES, LINE_AMOUNT_TYPES, STATUSES
from invoice_desktop.sandbox.state import ACCOUNT_CLASS_BY_TYPE, SandboxState

STATE_FILE_NAME = "sandbox-state.json"
# Format 1 throughout: a field added later has a default (credit_notes: none), so an older file of this format loads
# as it was; a file of another format is refused.
STATE_FORMAT = 1
START_OVER = (
    "To start over, delete that file (the sandbox then starts from its seed organisations), "
    "or run `invoice-desktop --sandbox --reset` for the demo."
)


class SandboxStateError(ValueError):
    """The state file cannot be loaded; the message names it and says how to start over."""


class _Unreadable(ValueError):
    pass


class StateStore:
    """Saves and loads a SandboxState as JSON in a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / STATE_FILE_NAME

    def load(self) -> SandboxState | None:
        """The saved state (None: no file yet); SandboxStateError when the file does not load."""
        if not self.path.exists():
            return None
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"), parse_constant=_not_json)
            if not isinstance(document, dict) or "state" not in document:
                raise _Unreadable("it is not a sandbox state file")
            if document.get("format") != STATE_FORMAT:
                raise _Unreadable(f"its format {document.get('format')!r} is not {STATE_FORMAT}")
            state = _from_plain(SandboxState, document["state"], "state")
            _check(state)
        except (OSError, ValueError, TypeError, RecursionError) as exc:  # JSON and Unicode errors are ValueErrors
            reason = " ".join((str(exc) if isinstance(exc, _Unreadable) else f"{type(exc).__name__}: {exc}").split())
            message = f"The sandbox state file {self.path} cannot be loaded: {reason}. {START_OVER}"
            raise SandboxStateError(message) from exc
        return state

    def save(self, state: SandboxState) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        document = {"format": STATE_FORMAT, "state": _to_plain(state)}
        handle, temp_name = tempfile.mkstemp(prefix=".sandbox-state-", suffix=".json", dir=self.directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, ensure_ascii=False, allow_nan=False)  # never write NaN
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp_name, self.path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise


def _not_json(name: str) -> Any:
    raise _Unreadable(f"it holds {name}, which is not a JSON value")


def _to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare  # the lock and caches are marked compare=False and never saved
        }
    if isinstance(value, dict):
        return {key: _to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _wrong(where: str, wanted: str, value: Any) -> _Unreadable:
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    return _Unreadable(f"{where} should be {wanted}, not {shown}")


def _from_plain(kind: Any, value: Any, where: str) -> Any:
    """`value` read back as `kind` (the field's type), every part checked; _Unreadable names what is wrong."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _from_plain(inner[0], value, where)
    if origin is list:
        if not isinstance(value, list):
            raise _wrong(where, "a list", value)
        (item_kind,) = typing.get_args(kind)
        return [_from_plain(item_kind, item, f"{where}[{index}]") for index, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(where, "an object", value)
        _, item_kind = typing.get_args(kind)
        return {key: _from_plain(item_kind, item, f"{where}.{key}") for key, item in value.items()}
    if dataclasses.is_dataclass(kind):
        return _dataclass_from_plain(kind, value, where)
    return _scalar(kind, value, where)


def _dataclass_from_plain(kind: Any, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise _wrong(where, f"an object ({kind.__name__})", value)
    hints = typing.get_type_hints(kind)
    fields = [f for f in dataclasses.fields(kind) if f.compare]
    missing = [f.name for f in fields if f.name not in value and f.default is f.default_factory is dataclasses.MISSING]
    if missing:
        raise _Unreadable(f"{where} has no {', '.join(missing)}")
    known = {f.name for f in fields}
    return kind(**{n: _from_plain(hints[n], item, f"{where}.{n}") for n, item in value.items() if n in known})


def _scalar(kind: Any, value: Any, where: str) -> Any:
    if kind is Decimal:
        try:
            number = Decimal(value) if isinstance(value, str) and not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _wrong(where, "a number", value)
        return number
    if kind is date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise _wrong(where, "a date (YYYY-MM-DD)", value) from None
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _wrong(where, "a finite number", value)
        return float(value)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise _wrong(where, "a whole number", value)
    if kind is bool and not isinstance(value, bool):
        raise _wrong(where, "true or false", value)
    if kind is str and not isinstance(value, str):
        raise _wrong(where, "text", value)
    return value


def _one_of(value: str, options: typing.Collection[str], where: str) -> None:
    if value not in options:
        raise _wrong(where, f"one of {', '.join(sorted(options))}", value)


def _check(state: SandboxState) -> None:
    """What the types cannot say: the values Xero's answers (and the SDK's enums) allow, and the keys."""
    if abs(state.clock_offset) > MAX_OFFSET_SECONDS:
        raise _wrong("state.clock_offset", f"at most {MAX_OFFSET_SECONDS:,.0f} seconds", state.clock_offset)
    if seed.DEMO_TENANT_ID not in state.organisations:
        raise _Unreadable(f"it has no organisation {seed.DEMO_ORG_NAME!r} ({seed.DEMO_TENANT_ID})")
    for key, org in state.organisations.items():
        where = f"state.organisations.{key}"
        if key != org.tenant_id.lower():
            raise _wrong(f"{where}.tenant_id", repr(key), org.tenant_id)
        for index, code in enumerate([org.base_currency, *org.currencies]):
            _one_of(code, CURRENCY_NAMES, f"{where}.currencies[{index}]")
        for account in org.accounts:
            _one_of(account.status, ("ACTIVE", "ARCHIVED", "DELETED"), f"{where} account {account.code} status")
            _one_of(account.type, ACCOUNT_CLASS_BY_TYPE, f"{where} account {account.code} type")
        for contact in org.contacts:
            _one_of(contact.status, CONTACT_STATUSES, f"{where} contact {contact.name!r} status")
        for payment_key, payment in org.payments.items():
            if payment_key != payment.payment_id:
                raise _wrong(f"{where} payment {payment_key} key", repr(payment.payment_id), payment_key)
            if payment.currency_rate <= 0:
                raise _wrong(f"{where} payment {payment_key} currency rate", "more than 0", str(payment.currency_rate))
            _one_of(payment.status, ("AUTHORISED", "DELETED"), f"{where} payment {payment_key} status")
        for invoice_key, invoice in org.invoices.items():
            shown = f"{where} invoice {invoice.invoice_number or invoice_key}"
            if invoice_key != invoice.invoice_id.lower():
                raise _wrong(f"{shown} key", repr(invoice.invoice_id.lower()), invoice_key)
            _one_of(invoice.status, STATUSES, f"{shown} status")
            _one_of(invoice.type, INVOICE_TYPES, f"{shown} type")
            _one_of(invoice.line_amount_types, LINE_AMOUNT_TYPES.values(), f"{shown} line amount types")
            _one_of(invoice.currency_code, CURRENCY_NAMES, f"{shown} currency")
        for note_key, note in org.credit_notes.items():
            shown = f"{where} credit note {note.credit_note_number or note_key}"
            if note_key != note.credit_note_id.lower():
                raise _wrong(f"{shown} key", repr(note.credit_note_id.lower()), note_key)
            _one_of(note.status, STATUSES, f"{shown} status")
            _one_of(note.type, CREDIT_NOTE_TYPES, f"{shown} type")
            _one_of(note.line_amount_types, LINE_AMOUNT_TYPES.values(), f"{shown} line amount types")
            _one_of(note.currency_code, CURRENCY_NAMES, f"{shown} currency")
            for allocation in note.allocations:
                if allocation.invoice_id.lower() not in org.invoices:
                    raise _wrong(f"{shown} allocation {allocation.allocation_id} invoice", "an invoice of the file",
                                 allocation.invoice_id)  # fmt: skip
            if note.remaining_credit < 0:
                raise _wrong(f"{shown} allocations", f"at most its total {note.total}", str(note.amount_allocated))
