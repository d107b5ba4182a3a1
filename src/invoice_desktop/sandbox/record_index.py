"""Indexes over one kind of record (invoices, credit notes, payments), so a GET page costs what the page holds,
not what the organisation holds (docs/sandbox.md, "Speed").

A `RecordIndex` watches a dict of records keyed by id, in the dict's (creation) order. For each indexed field it
keeps buckets of equal values, and every bucket (and the whole) is held twice, sorted: by creation order and by
UpdatedDateUTC (then creation order, as a stable sort of the records leaves ties). So "the sales invoices modified
since T, oldest first, page 7" is a bisect and a slice.

Values are keyed as `where` compares them (queries.equality_key): text ignoring case, and a text that reads as an
MS-JSON date apart from every other text (`where` reads such a text as a date); a date field by its moment.

Keeping it current: `put(key)` after a record is added, replaced or changed in place (the Organisation's
add_/touch_ methods do it). A dict that grew or shrank behind the index's back is indexed again from scratch on
the next read; a record changed in place without `put` is not seen (so nothing changes a record but through them).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")

Entry = tuple[int, int, str]  # (UpdatedDateUTC in whole milliseconds, creation sequence, key)
FieldValue = Callable[[R], Hashable | None]  # the field's index key of a record (None: not in any bucket)


@dataclass
class Bucket:
    """Records sharing one value: their creation sequences, sorted, and their entries by UpdatedDateUTC."""

    seqs: list[int] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.seqs)

    def add(self, entry: Entry) -> None:
        _insert(self.seqs, entry[1])
        _insert(self.entries, entry)

    def remove(self, entry: Entry) -> None:
        _delete(self.seqs, entry[1])
        _delete(self.entries, entry)

    def move(self, old: Entry, new: Entry) -> None:
        """The same record, modified: only its place by UpdatedDateUTC changes."""
        _delete(self.entries, old)
        _insert(self.entries, new)

    def since(self, threshold_ms: int | None) -> list[Entry]:
        """Entries modified at or after `threshold_ms` (all when None), oldest first."""
        if threshold_ms is None:
            return self.entries
        return self.entries[bisect.bisect_left(self.entries, (threshold_ms, -1, "")) :]

    def since_count(self, threshold_ms: int | None) -> int:
        if threshold_ms is None:
            return len(self.entries)
        return len(self.entries) - bisect.bisect_left(self.entries, (threshold_ms, -1, ""))


def _insert(items: list, value: object) -> None:
    if not items or items[-1] < value:  # the common case: the newest record, or the one just modified
        items.append(value)
    else:
        bisect.insort(items, value)


def _delete(items: list, value: object) -> None:
    position = bisect.bisect_left(items, value)
    if position < len(items) and items[position] == value:
        del items[position]


def updated_ms(seconds: float) -> int:
    """UpdatedDateUTC as the wire writes it (wire.ms_timestamp): whole milliseconds."""
    return int(seconds * 1000)


class RecordIndex(Generic[R]):
    def __init__(self, records: dict[str, R], fields: Mapping[str, FieldValue[R]], updated: Callable[[R], float]):
        self._records = records
        self._fields = dict(fields)
        self._updated = updated
        self._rebuild()

    def _rebuild(self) -> None:
        self._seq_of: dict[str, int] = {}
        self._keys: list[str] = []
        self._entry_of: dict[str, Entry] = {}
        self._values_of: dict[str, tuple[Hashable | None, ...]] = {}
        self.everything = Bucket()
        self._buckets: dict[str, dict[Hashable, Bucket]] = {name: {} for name in self._fields}
        for key in self._records:
            self._add(key)

    def _current(self) -> None:
        if len(self._seq_of) != len(self._records):
            self._rebuild()

    def _values(self, record: R) -> tuple[Hashable | None, ...]:
        return tuple(value(record) for value in self._fields.values())

    def _add(self, key: str) -> None:
        record = self._records[key]
        seq = len(self._keys)
        self._keys.append(key)
        self._seq_of[key] = seq
        entry = (updated_ms(self._updated(record)), seq, key)
        values = self._values(record)
        self._entry_of[key], self._values_of[key] = entry, values
        self.everything.add(entry)
        for name, value in zip(self._fields, values, strict=True):
            if value is not None:
                self._buckets[name].setdefault(value, Bucket()).add(entry)

    def put(self, key: str) -> None:
        """The record under `key` was added, replaced or changed in place."""
        if key not in self._seq_of:
            if len(self._seq_of) + 1 != len(self._records):
                self._rebuild()  # more changed behind our back: start again (it includes this record)
            else:
                self._add(key)
            return
        record = self._records[key]
        old_entry, old_values = self._entry_of[key], self._values_of[key]
        entry = (updated_ms(self._updated(record)), old_entry[1], key)
        values = self._values(record)
        if entry == old_entry and values == old_values:
            return
        self._entry_of[key], self._values_of[key] = entry, values
        if entry != old_entry:
            self.everything.move(old_entry, entry)
        for name, old, new in zip(self._fields, old_values, values, strict=True):
            buckets = self._buckets[name]
            if old == new:
                if old is not None and entry != old_entry:
                    buckets[old].move(old_entry, entry)
                continue
            if old is not None:
                buckets[old].remove(old_entry)
            if new is not None:
                buckets.setdefault(new, Bucket()).add(entry)

    # -- reading ---------------------------------------------------------------------------------------------------

    def bucket(self, name: str, value: Hashable) -> Bucket | None:
        self._current()
        return self._buckets[name].get(value)

    def all(self) -> Bucket:
        self._current()
        return self.everything

    def entry(self, key: str) -> Entry | None:
        self._current()
        return self._entry_of.get(key)

    def key_at(self, seq: int) -> str:
        return self._keys[seq]

    def keys_in_order(self, seqs: Iterable[int]) -> Iterator[str]:
        return (self._keys[seq] for seq in seqs)

    def record(self, key: str) -> R:
        return self._records[key]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self._fields)
