"""Text as the ledger keeps it: one Unicode form, no characters a person cannot see, and one way to compare.

- Every piece of text that enters the ledger is normalised to NFC (`nfc`), so "CAFÉ-1" typed with a combining
  accent (NFD, as macOS and some exports write it) is the same text as "CAFÉ-1" with a precomposed É.
- Invisible and control characters are refused (`text_problem`), naming the field (the caller's Problem does) and
  the character ("U+200B ZERO WIDTH SPACE"): format characters (zero-width spaces and joiners, bidirectional
  controls, the soft hyphen, the byte order mark, ...), Unicode's other default-ignorable characters (Hangul
  fillers, variation selectors, ...), C0 and C1 controls (tabs and line breaks among them), private-use,
  unassigned and surrogate code points, and in one-line fields every space but the ordinary one. A description
  may hold line breaks (kept as "\\n"); nothing else of that list.
- Names and numbers are compared the way Xero compares them (`fold`): NFC, then Unicode case folding. Invoice
  numbers (ledger.invoices.number_key) and client, account and tax rate names (ledger.catalog.same_name) use it.
"""

from __future__ import annotations

import re
import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), beyond the format characters (Cf) that are
# refused anyway: these draw nothing either.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Controls have no Unicode name; these are their usual ones.
_CONTROL_NAMES = {
    0x00: "NULL",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_TYPED_LINE_BREAK = re.compile(r"\r\n?")
_CONTEXT = 12  # characters of the value shown before a refused one


def nfc(value: str) -> str:
    """The text in Unicode's composed form (NFC): how the ledger stores and compares every text it is given."""
    return unicodedata.normalize("NFC", value)


def nfc_lines(value: str) -> str:
    """A text that may hold line breaks (a description): NFC, with Windows and old Mac line breaks as "\\n"."""
    return _TYPED_LINE_BREAK.sub("\n", nfc(value))


def fold(value: str) -> str:
    """A name or number as Xero compares them: NFC, case-folded (and NFC again: folding can decompose). ASCII text,
    most numbers, is already NFC and folds as lower() does: the fast way, for the checks that read every number."""
    if value.isascii():
        return value.lower()
    return nfc(nfc(value).casefold())


def char_name(ch: str) -> str:
    """'U+200B ZERO WIDTH SPACE'."""
    code = ord(ch)
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(code, "")
    return f"U+{code:04X} {name}".rstrip()


def refused_kind(ch: str, multiline: bool = False) -> str:
    """What kind of refused character `ch` is ("an invisible character"), or "" when it may be in a text;
    `multiline`: a description, which may hold "\\n" and any kind of space."""
    if ch == " " or (ch == "\n" and multiline):
        return ""
    code = ord(ch)
    category = unicodedata.category(ch)
    if ch in _LINE_BREAKS:
        return "a line break" if not multiline else "a line break of another kind than a plain one"
    if ch == "\t":
        return "a tab"
    if category == "Cc":
        return "a control character"
    if category == "Cf" or any(low <= code <= high for low, high in _DEFAULT_IGNORABLE):
        return "an invisible character"
    if category == "Zs" and not multiline:
        return "a space other than the ordinary one"
    if category == "Co":
        return "a private-use character"
    if category == "Cs":
        return "half of a surrogate pair, not a character"
    if category == "Cn":
        return "a code point Unicode has not assigned"
    return ""


def text_problem(value: str, multiline: bool = False) -> str:
    """Why `value` (as it will be kept: without the plain spaces around it) cannot be kept, naming its first
    refused character and where it is, or "". A line break or tab at its edges is refused like any other, not
    trimmed away; a `multiline` text may start or end with line breaks. The Problem it goes into names the field."""
    text = value.strip() if multiline else value.strip(" ")
    for index, ch in enumerate(text):
        kind = refused_kind(ch, multiline)
        if kind:
            before = text[:index][-_CONTEXT:]
            where = f"after “{before}”" if before else "at the start"
            fix = "type an ordinary space" if kind.startswith("a space") else "remove it"
            return f"holds {kind}, {char_name(ch)}, {where}: {fix}"
    return ""


def visible(value: str) -> str:
    """The text with every refused character spelled out ("INV-0101<U+200B>"), to show a stored value."""
    return "".join(f"<U+{ord(ch):04X}>" if refused_kind(ch) else ch for ch in value)
