"""Xero's list-query features: the `where` filter, `order`, paging and If-Modified-Since.

`where` is evaluated against the JSON document of each record (so it sees exactly the field names Xero uses).
Supported forms (all the app and the SDK docs use, and then some):

    Type=="ACCREC"   Status!="DRAFT"   InvoiceNumber=="INV-0001"   Contact.ContactID==Guid("...")
    Contact.Name=="Bayside Cafe"   Name.Contains("cafe")   Name.StartsWith("B")   Name.EndsWith("Ltd")
    Date>=DateTime(2020, 01, 01)   AmountDue>0   IsCustomer==true   Name.ToLower()=="x"
    combined with AND / OR / && / || and parentheses.

String literals follow Xero's where syntax, the .NET Dynamic LINQ expression language (System.Linq.Dynamic's
Dynamic.cs): a string is in double quotes and a `"` inside it is written twice (`InvoiceNumber=="Q""7"` means
Q"7); a backslash is an ordinary character (there are no backslash escapes); single quotes make a character literal
of exactly one character. Its error messages are Dynamic LINQ's ("Unterminated string literal", "Character literal
must contain exactly one character"). Text comparisons ignore case (see docs/sandbox.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from invoice_desktop.sandbox import wire

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

Predicate = Callable[[dict[str, Any]], bool]


class QueryError(ValueError):
    """A `where` or `order` the sandbox cannot read."""


_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"]|"")*")
      | (?P<char>'(?:[^']|'')*')
      | (?P<unterminated>["'])
      | (?P<op>==|!=|>=|<=|>|<|&&|\|\||\(|\)|,|\.)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


@dataclass
class _Token:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise QueryError(f"cannot read the where clause near {text[position : position + 20]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "unterminated":
            raise QueryError("Unterminated string literal")
        tokens.append(_Token(kind, match.group(kind)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise QueryError("the where clause ends too early")
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise QueryError(f"expected {text!r} in the where clause, found {token.text!r}")

    def at_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "word" and token.text.upper() in words

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek().text!r} in the where clause")  # type: ignore[union-attr]
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.at_word("OR") or self.at("||"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_expr(self) -> Predicate:
        parts = [self.atom()]
        while self.at_word("AND") or self.at("&&"):
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def atom(self) -> Predicate:
        if self.at("("):
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return inner
        if self.at_word("NOT"):
            self.take()
            return Not(self.atom())
        path, transforms, method = self.path()
        if method is not None:
            name, argument = method
            return _method_predicate(tuple(path), tuple(transforms), name, argument)
        operator = self.take()
        if operator.text not in ("==", "!=", ">=", "<=", ">", "<"):
            raise QueryError(f"expected a comparison after {'.'.join(path)}, found {operator.text!r}")
        literal = self.literal()
        return Comparison(tuple(path), tuple(transforms), operator.text, literal)

    def path(self) -> tuple[list[str], list[str], tuple[str, Any] | None]:
        first = self.take()
        if first.kind != "word":
            raise QueryError(f"expected a field name, found {first.text!r}")
        path = [first.text]
        transforms: list[str] = []
        while self.at("."):
            self.take()
            name = self.take().text
            if self.at("("):
                self.take()
                if name.lower() in ("tolower", "toupper", "trim"):
                    self.expect(")")
                    transforms.append(name.lower())
                    continue
                argument = self.literal()
                self.expect(")")
                return path, transforms, (name.lower(), argument)
            path.append(name)
        return path, transforms, None

    def literal(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return token.text[1:-1].replace('""', '"')
        if token.kind == "char":
            raise QueryError(_char_literal_error(token.text[1:-1].replace("''", "'")))
        if token.kind == "number":
            return Decimal(token.text)
        if token.kind == "word":
            word = token.text.lower()
            if word in ("true", "false"):
                return word == "true"
            if word == "null":
                return None
            if word == "guid":
                self.expect("(")
                value = self.literal()
                self.expect(")")
                return str(value).lower()
            if word in ("datetime", "datetimeoffset"):
                return self.date_time()
        raise QueryError(f"cannot read the value {token.text!r} in the where clause")

    def date_time(self) -> datetime:
        """DateTime(year, month, day[, hour, minute, second]), after the word DateTime."""
        self.expect("(")
        numbers = [self.whole_number()]
        while self.at(","):
            self.take()
            numbers.append(self.whole_number())
        self.expect(")")
        if not 3 <= len(numbers) <= 6:
            raise QueryError("DateTime takes a year, month and day (and optionally hour, minute and second)")
        try:
            return datetime(*numbers, tzinfo=UTC)  # type: ignore[misc,arg-type]  # 3 to 6 numbers, checked above
        except (ValueError, OverflowError) as exc:
            raise QueryError(f"DateTime({', '.join(map(str, numbers))}) is not a valid date: {exc}") from exc

    def whole_number(self) -> int:
        token = self.take()
        if token.kind != "number" or not token.text.lstrip("-").isdigit() or len(token.text) > 9:
            raise QueryError(f"expected a whole number in DateTime(...), found {token.text!r}")
        return int(token.text)


def _char_literal_error(text: str) -> str:
    if len(text) != 1:
        return "Character literal must contain exactly one character"
    return f"a character literal ('{text}') cannot be compared with a text field: put text in double quotes"


def _resolve(document: dict[str, Any], path: Sequence[str]) -> Any:
    value: Any = document
    for name in path:
        if not isinstance(value, dict):
            return None
        wanted = name.lower()
        value = next((item for key, item in value.items() if key.lower() == wanted), None)
    return value


_TRANSFORMS: dict[str, Callable[[str], str]] = {"tolower": str.lower, "toupper": str.upper, "trim": str.strip}


def _normalise(value: Any, transforms: Sequence[str]) -> Any:
    if isinstance(value, str):
        moment = wire.ms_value_to_datetime(value)
        if moment is not None:
            return moment
        for transform in transforms:
            value = _TRANSFORMS[transform](value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = Decimal(str(value))
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(right, str) and isinstance(left, str):
        return left.casefold(), right.casefold()
    if isinstance(right, Decimal) and isinstance(left, str):
        try:
            return Decimal(left), right
        except InvalidOperation:
            return left, str(right)
    return left, right


@dataclass(frozen=True)
class Comparison:
    """`path op literal`, e.g. Type=="ACCREC" (path ("Type",)) or Contact.ContactID==Guid("...")."""

    path: tuple[str, ...]
    transforms: tuple[str, ...]
    operator: str
    literal: Any

    def __call__(self, document: dict[str, Any]) -> bool:
        left, right = _comparable(_normalise(_resolve(document, self.path), self.transforms), self.literal)
        if self.operator == "==":
            return bool(left == right)
        if self.operator == "!=":
            return bool(left != right)
        if left is None or right is None:
            return False
        try:
            return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[self.operator]
        except TypeError:
            return False


@dataclass(frozen=True)
class TextMethod:
    """`path.Contains("x")`, `.StartsWith(...)`, `.EndsWith(...)`, ignoring case."""

    path: tuple[str, ...]
    name: str
    needle: str

    def __call__(self, document: dict[str, Any]) -> bool:
        value = _resolve(document, self.path)
        if not isinstance(value, str):
            return False
        haystack = value.casefold()
        if self.name == "contains":
            return self.needle in haystack
        if self.name == "startswith":
            return haystack.startswith(self.needle)
        return haystack.endswith(self.needle)


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Predicate, ...]

    def __call__(self, document: dict[str, Any]) -> bool:
        return all(part(document) for part in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Predicate, ...]

    def __call__(self, document: dict[str, Any]) -> bool:
        return any(part(document) for part in self.parts)


@dataclass(frozen=True)
class Not:
    inner: Predicate

    def __call__(self, document: dict[str, Any]) -> bool:
        return not self.inner(document)


def _method_predicate(path: tuple[str, ...], transforms: tuple[str, ...], name: str, argument: Any) -> Predicate:
    if name not in ("contains", "startswith", "endswith"):
        raise QueryError(f"the where clause uses an unknown method {name!r}")
    return TextMethod(path, name, str(argument).casefold())


MAX_WHERE_LENGTH = 4000


def where_filter(text: str | None) -> Predicate | None:
    if text is None or not text.strip():
        return None
    if len(text) > MAX_WHERE_LENGTH:
        raise QueryError(f"the where clause is longer than {MAX_WHERE_LENGTH} characters")
    try:
        return _Parser(text).parse()
    except RecursionError as exc:
        raise QueryError("the where clause is nested too deeply") from exc


def order_records(documents: list[dict[str, Any]], order: str | None) -> list[dict[str, Any]]:
    """`order=Field [ASC|DESC][, Field2 ...]`; stable, so records keep their natural order within ties."""
    if not order or not order.strip():
        return documents
    result = list(documents)
    for clause in reversed([part.strip() for part in order.split(",") if part.strip()]):
        words = clause.split()
        field_path = words[0].split(".")
        descending = len(words) > 1 and words[1].upper() == "DESC"

        def key(document: dict[str, Any], field_path: list[str] = field_path) -> tuple[int, Any]:
            value = _normalise(_resolve(document, field_path), [])
            if value is None:
                return (0, "")
            if isinstance(value, str):
                return (1, value.casefold())
            if isinstance(value, datetime):
                return (1, value.timestamp())
            return (1, value)

        try:
            result.sort(key=key, reverse=descending)
        except (TypeError, ArithmeticError) as exc:
            raise QueryError(f"cannot order by {clause!r}") from exc
    return result


@dataclass(frozen=True)
class Page:
    number: int
    size: int


def page_of(page: str | None, page_size: str | None) -> Page | None:
    """The requested page (pageSize clamps to 1..1000, default 100), or None when the call is unpaged."""
    if page is None or page == "":
        return None
    try:
        number = max(1, int(page))
    except ValueError as exc:
        raise QueryError(f"page must be a number, not {page!r}") from exc
    size = DEFAULT_PAGE_SIZE
    if page_size:
        try:
            size = min(MAX_PAGE_SIZE, max(1, int(page_size)))
        except ValueError as exc:
            raise QueryError(f"pageSize must be a number, not {page_size!r}") from exc
    return Page(number, size)


def slice_page(items: list[Any], page: Page) -> list[Any]:
    start = (page.number - 1) * page.size
    return items[start : start + page.size]


def modified_since(header: str | None) -> float | None:
    """The If-Modified-Since header in epoch seconds (None: not sent); a malformed one is a QueryError."""
    if header is None:
        return None
    try:
        return wire.parse_if_modified_since(header)
    except wire.WireFormatError as exc:
        raise QueryError(str(exc)) from exc


def filter_modified(items: Iterable[Any], since: float | None, updated: Callable[[Any], float]) -> list[Any]:
    """Records updated at or after `since` (inclusive, so nothing changed in the same millisecond is missed)."""
    if since is None:
        return list(items)
    threshold = int(since * 1000)
    return [item for item in items if int(updated(item) * 1000) >= threshold]
