"""One GET list through its RecordIndex: where, query-parameter filters, If-Modified-Since, order and paging, with
JSON built for the records of the page only (docs/sandbox.md, "Speed").

The answer is exactly what filtering and sorting every record's JSON would give (the rule the sandbox had before);
the index only narrows where to look:

- `where` is split at its top-level ANDs. A part that is `Field=="text"` (or `Field==DateTime(...)` on a date
  field, or `Field==Guid(...)`), or an OR of such, on an indexed field, is answered by the index's buckets; so are
  the list parameters (IDs, InvoiceNumbers, ContactIDs, Statuses). The smallest of them gives the candidates, the
  others are checked on each candidate's record. Any other part of `where` is evaluated on the candidate's JSON.
- If-Modified-Since is a bisect in a bucket kept by UpdatedDateUTC.
- No order (creation order) and `order=UpdatedDateUTC [ASC]` are read off the index; any other order sorts the
  candidates' JSON as before.

So `Type=="ACCREC"` + If-Modified-Since + `order=UpdatedDateUTC ASC` (the payment import), `InvoiceNumber=="..."
OR ...` and `Date==DateTime(...)` (the look-ups) cost the page, not the organisation; a `where` on other fields
(Contains, AmountDue>0, ...) still reads every candidate's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Generic, TypeVar

from invoice_desktop.sandbox import queries, wire
from invoice_desktop.sandbox.queries import AllOf, AnyOf, Comparison, Page, Predicate
from invoice_desktop.sandbox.record_index import Bucket, Entry, FieldValue, RecordIndex, updated_ms

R = TypeVar("R")

Document = dict[str, Any]


def text_key(value: str | None) -> Hashable | None:
    """A text field's index key: the text ignoring case, as `where` compares text. A text in MS-JSON date form is
    read by `where` as a date, so it is kept apart (it never equals a text literal)."""
    if value is None:
        return None
    return ("ms-date", value.casefold()) if wire.is_ms_date(value) else value.casefold()


def moment_key(value: date | None) -> Hashable | None:
    """A date field's index key: the moment its JSON (UTC midnight, wire.ms_date) stands for."""
    return None if value is None else datetime.combine(value, time(0, 0), tzinfo=UTC)


_NOTHING = object()  # a literal no record can equal


@dataclass(frozen=True)
class IndexedField(Generic[R]):
    """A field `where` may name that the index answers: its path as `where` writes it (matched ignoring case) and
    the record's value as its JSON holds it (a date for a date field)."""

    path: str  # e.g. "Type", "Contact.ContactID"
    value: Callable[[R], Any]
    is_date: bool = False

    @property
    def name(self) -> str:
        return self.path.lower()

    def key(self, record: R) -> Hashable | None:
        value = self.value(record)
        return moment_key(value) if self.is_date else text_key(value)

    def literal_key(self, literal: Any) -> Hashable | None:
        """The bucket a `== literal` reads; _NOTHING when no record can match; None when the index cannot say
        (the comparison is then evaluated on the JSON)."""
        if self.is_date:  # the JSON holds a date: only a DateTime(...) can equal it
            return literal if isinstance(literal, datetime) else _NOTHING
        return literal.casefold() if isinstance(literal, str) else None  # the literal is text even if date-like


def index_fields(fields: Sequence[IndexedField[R]]) -> dict[str, FieldValue[R]]:
    """What RecordIndex keeps for these fields."""
    return {f.name: f.key for f in fields}


@dataclass
class Term(Generic[R]):
    """A filter the index answers: the buckets holding every record it passes, and the check of one record.
    `exact`: the buckets hold only records it passes (so the candidates it gives need no check)."""

    buckets: list[Bucket]
    check: Callable[[R], bool]
    extra: tuple[Entry, ...] = ()  # candidates found by key rather than in a bucket
    exact: bool = True

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.buckets) + len(self.extra)

    def entries(self) -> list[Entry]:
        merged = {entry[1]: entry for bucket in self.buckets for entry in bucket.entries}
        merged.update((entry[1], entry) for entry in self.extra)
        return list(merged.values())


def bucket_term(index: RecordIndex[R], field: IndexedField[R], keys: Collection[Hashable]) -> Term[R]:
    """Records whose `field` has one of these index keys."""
    wanted = set(keys)
    buckets = [b for b in (index.bucket(field.name, k) for k in wanted) if b is not None]
    return Term(buckets, lambda record: field.key(record) in wanted)


def parameter_term(
    index: RecordIndex[R], field: IndexedField[R], texts: Collection[str], check: Callable[[R], bool]
) -> Term[R]:
    """A list parameter (InvoiceNumbers, ContactIDs, Statuses): candidates from the buckets of these texts (as
    text or as MS-JSON-date text), `check` deciding."""
    keys = {key for text in texts for key in (text.casefold(), ("ms-date", text.casefold()))}
    return Term(bucket_term(index, field, keys).buckets, check, exact=False)


def key_term(index: RecordIndex[R], keys: Collection[str], check: Callable[[R], bool]) -> Term[R]:
    """Records looked up by their key (IDs=...), `check` deciding."""
    found = (index.entry(k) for k in keys)
    return Term([], check, tuple(e for e in found if e is not None), exact=False)


def check_term(check: Callable[[R], bool]) -> Term[R]:
    """A filter the index cannot narrow (searchTerm, createdByMyApp): checked on every candidate's record."""
    return Term([], check, exact=False)


def _flatten(node: Predicate, kind: type) -> list[Predicate]:
    if isinstance(node, kind):
        return [leaf for part in node.parts for leaf in _flatten(part, kind)]  # type: ignore[attr-defined]
    return [node]


def where_term(index: RecordIndex[R], fields: Sequence[IndexedField[R]], node: Predicate) -> Term[R] | None:
    """The Term for one top-level part of `where` (an ==, or an OR of ==, on indexed fields), or None."""
    by_name = {f.name: f for f in fields}
    wanted: dict[str, set[Hashable]] = {}
    for leaf in _flatten(node, AnyOf):
        if not isinstance(leaf, Comparison) or leaf.operator != "==" or leaf.transforms:
            return None
        field = by_name.get(".".join(leaf.path).lower())
        key = field.literal_key(leaf.literal) if field is not None else None
        if field is None or key is None:
            return None
        if key is not _NOTHING:
            wanted.setdefault(field.name, set()).add(key)
    terms = [bucket_term(index, by_name[name], keys) for name, keys in wanted.items()]
    return Term(
        [b for t in terms for b in t.buckets],
        lambda record: any(t.check(record) for t in terms),
    )


@dataclass(frozen=True)
class Listed:
    documents: list[Document]  # the page's (or, unpaged, every) record's JSON, in order
    item_count: int  # how many records matched


def _order_mode(order: str | None) -> str | None:
    """ "natural" (no order), "updated" (UpdatedDateUTC ascending), or None (any other order)."""
    if not order or not order.strip():
        return "natural"
    clauses = [part.strip() for part in order.split(",") if part.strip()]
    words = clauses[0].split() if len(clauses) == 1 else []
    if words and words[0].lower() == "updateddateutc" and not (len(words) > 1 and words[1].upper() == "DESC"):
        return "updated"
    return None


def select(
    index: RecordIndex[R],
    fields: Sequence[IndexedField[R]],
    document: Callable[[R], Document],
    *,
    where: Predicate | None,
    order: str | None,
    since: float | None,
    page: Page | None,
    filters: Sequence[Term[R]] = (),
) -> Listed:
    terms: list[Term[R]] = list(filters)
    residual: list[Predicate] = []
    for part in _flatten(where, AllOf) if where is not None else []:
        term = where_term(index, fields, part)
        if term is None:
            residual.append(part)
        else:
            terms.append(term)
    narrowing = [t for t in terms if t.buckets or t.extra or t.exact]
    driver = min(narrowing, key=lambda t: t.size) if narrowing else None
    checks = [t.check for t in terms if t is not driver or not t.exact]
    threshold = None if since is None else updated_ms(since)
    mode = _order_mode(order)
    lone = index.all() if driver is None else None
    if driver is not None and len(driver.buckets) == 1 and not driver.extra:
        lone = driver.buckets[0]
    if lone is not None and not checks and not residual and mode is not None:
        return _read_off(index, document, lone, mode, threshold, page)

    entries = lone.since(threshold) if lone is not None else driver.entries() if driver is not None else []
    if lone is None and threshold is not None:
        entries = [e for e in entries if e[0] >= threshold]
    if checks:
        entries = [e for e in entries if all(check(index.record(e[2])) for check in checks)]
    entries = sorted(entries, key=lambda e: e[1]) if mode != "updated" else sorted(entries)
    built: dict[str, Document] = {}
    if residual or mode is None:
        for entry in entries:
            built[entry[2]] = document(index.record(entry[2]))
        entries = [e for e in entries if all(part(built[e[2]]) for part in residual)]
    if mode is None:
        documents = queries.order_records([built[e[2]] for e in entries], order)
        return Listed(documents if page is None else queries.slice_page(documents, page), len(documents))
    shown = entries if page is None else queries.slice_page(entries, page)
    return Listed([built[e[2]] if e[2] in built else document(index.record(e[2])) for e in shown], len(entries))


def _read_off(
    index: RecordIndex[R], document: Callable[[R], Document], bucket: Bucket, mode: str, threshold: int | None,
    page: Page | None,
) -> Listed:  # fmt: skip
    """The page straight off a bucket: nothing else to filter, and an order the bucket keeps."""
    start, size = (0, None) if page is None else ((page.number - 1) * page.size, page.size)
    end = None if size is None else start + size
    if mode == "updated":
        first = len(bucket.entries) - bucket.since_count(threshold)
        keys = [e[2] for e in bucket.entries[first + start : None if end is None else first + end]]
        count = len(bucket.entries) - first
    elif threshold is None:
        keys = list(index.keys_in_order(bucket.seqs[start:end]))
        count = len(bucket.seqs)
    else:
        recent = sorted(e[1] for e in bucket.since(threshold))
        keys = list(index.keys_in_order(recent[start:end]))
        count = len(recent)
    return Listed([document(index.record(k)) for k in keys], count)
