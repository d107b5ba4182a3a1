"""Reading a CSV file strictly: bytes to text, text to records, and nothing guessed.

Decoding: UTF-8 (with or without a byte order mark) and UTF-16 or UTF-32 (with a byte order mark, or UTF-16
without one, recognised by its zero bytes) are read. Anything else is refused with the encoding named: a file
that is not UTF-8 but reads as Windows-1252 (what Excel's plain "CSV (Comma delimited)" writes) is named so, and
is not guessed at, as the same bytes mean other letters in other code pages.

Records (RFC 4180): cells are separated by commas; a cell that holds a comma, a quote or a line break is written
in double quotes, with each quote inside it doubled. Every departure is a problem of its record, named by its
physical line (as a text editor numbers lines): a quote left open, text after a closing quote, a quote inside an
unquoted cell, a NUL byte, more or fewer cells than the header. A record with a problem is named by its first
line and read no further; reading goes on at the next physical line, so every later problem is found too and none
is hidden by a quote that swallows the rest of the file. The lines that a record of the wrong width carried are
read again one by one (a quoted cell there may not span lines), so a row they hid is not hidden again by the way
they are re-read. A quoted cell over several lines that holds a line of the header's width (a row it swallowed) is
a problem too. The records read are checked to cover every physical line of the file exactly once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

DELIMITER = ","
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A quoted cell: possessive, so a quote that only a doubled quote follows is never taken for the closing one.
_QUOTED = re.compile(r'"([^"]*+(?:""[^"]*+)*+)"')
_UNQUOTED = re.compile(r'[^,"\r\n]*')
_END_OF_CELL = frozenset(",\r\n")
_DOUBLING = 'a quote inside a quoted cell is written twice ("")'

# How a value that is not UTF-8 is named, with what to do.
SAVE_AS_UTF8 = "Save it from your spreadsheet as 'CSV UTF-8 (Comma delimited)' and import that file."
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


class CsvDecodeError(ValueError):
    """The bytes are not text in an encoding read here; the message names the encoding and what to do."""


class CsvReadError(ValueError):
    """The records read do not account for every line of the file (a fault of this reader): nothing is used."""


@dataclass(frozen=True)
class Record:
    number: int  # records counted from 1 (the header is 1), as a spreadsheet numbers its rows
    line: int  # the physical line it starts on (the first line of the file is 1)
    last_line: int  # the physical line it ends on (later than `line` when a quoted cell holds line breaks)
    cells: tuple[str, ...]  # with a problem: the cells read before it
    # What is wrong with its quoting or bytes. Such a record ends at its first line (`last_line` is `line`): the
    # lines after it are read again on their own, as rows.
    problem: str = ""
    problem_line: int = 0  # the physical line where the problem shows (a quoted cell may carry the row there)
    problem_cell: int | None = None  # index of the cell it is in (meaningful when problem_line is line)
    # The last physical line the record's quotes may have taken (the end of the file for a quote never closed):
    # the lines up to it may be pieces of a cell rather than rows.
    swallowed_to: int = 0

    def problem_text(self) -> str:
        """The problem, saying where it shows when a quoted cell carried the row past its first line."""
        if self.problem_line == self.line:
            return self.problem
        return f"a quoted cell carries this row on to line {self.problem_line}, where {self.problem}"

    def is_blank(self) -> bool:
        return not self.problem and not any(cell.strip() for cell in self.cells)


def decode(data: bytes) -> str:
    """The text of a CSV file's bytes; raises CsvDecodeError naming the encoding when it is not read here."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return _decoded(data, codec, name)
    utf16 = _bomless_utf16(data)
    if utf16:
        return _decoded(data, utf16, "UTF-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"byte 0x{data[exc.start]:02X} on line {line} is not UTF-8"
        if b"\x00" in data:
            raise CsvDecodeError(f"it is not UTF-8 text ({where}) and holds NUL bytes: it is not a CSV file.") from exc
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            raise CsvDecodeError(f"it is not UTF-8 text ({where}). {SAVE_AS_UTF8}") from exc
        raise CsvDecodeError(
            f"it is not UTF-8 text ({where}): it looks like Windows-1252 ('ANSI', what Excel's plain "
            f"'CSV (Comma delimited)' writes) or another single-byte code page, which cannot be told apart "
            f"for certain. {SAVE_AS_UTF8}"
        ) from exc


def _decoded(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CsvDecodeError(
            f"it starts as {name} text but byte {exc.start} is not valid {name}. {SAVE_AS_UTF8}"
        ) from exc


def _bomless_utf16(data: bytes) -> str:
    """'utf-16-le' / 'utf-16-be' when the bytes look like UTF-16 without a byte order mark: mostly text from the
    Latin range, so every other byte is zero. '' otherwise."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return ""
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    if odd.count(0) > 0.6 * half and even.count(0) < 0.05 * half:
        return "utf-16-le"
    if even.count(0) > 0.6 * half and odd.count(0) < 0.05 * half:
        return "utf-16-be"
    return ""


def read_records(text: str) -> list[Record]:
    """Every record of the text, blank ones included, in order; see the module docstring for the rules."""
    starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]
    ends = [m.start() for m in LINE_BREAK.finditer(text)]
    if starts[-1] == len(text):  # the text ends with a line break: no line after it
        starts.pop()
    else:
        ends.append(len(text))
    records: list[Record] = []
    width = 0  # the header's: its first record that is not blank
    line = 1
    one_line_to = 0  # lines a record of the wrong width carried: read again each on its own, as its cells were
    while line <= len(starts):
        start, end = starts[line - 1], ends[line - 1]
        segment = text[start:end]
        if '"' not in segment and "\x00" not in segment:
            record = Record(len(records) + 1, line, line, tuple(segment.split(DELIMITER)))
        elif line <= one_line_to:
            record = _read_quoted(text[:end], start, len(records) + 1, starts)
            record = replace(record, swallowed_to=min(record.swallowed_to, one_line_to))
        else:
            record = _read_quoted(text, start, len(records) + 1, starts)
        if not record.problem and not record.is_blank():
            if not width:
                width = len(record.cells)
            elif len(record.cells) != width:
                record = _too_wide_or_narrow(record, width)
            elif record.last_line > record.line:
                record = _holding_a_row(record, width)
            if record.problem:
                one_line_to = max(one_line_to, record.swallowed_to)
        records.append(record)
        line = record.last_line + 1
    _check_coverage(records, len(starts))
    return records


def _read_quoted(text: str, pos: int, number: int, starts: list[int]) -> Record:
    """The record starting at `pos`, cell by cell (it has quotes, or a NUL byte). A record with a problem ends at
    its first line, so reading goes on at the next one; `swallowed_to` tells how far the problem's quote reached."""

    def line_of(position: int) -> int:
        return bisect_right(starts, position)

    first_line = line_of(pos)
    cells: list[str] = []

    def problem(message: str, line: int, swallowed_to: int = 0) -> Record:
        reach = max(line, swallowed_to)
        return Record(number, first_line, first_line, tuple(cells), message, line, len(cells), reach)

    while True:
        cell_start = pos
        if text.startswith('"', pos):
            match = _QUOTED.match(text, pos)
            if match is None:
                return problem(
                    "a quote opens a cell and is never closed, so the rest of the file would be read into that "
                    f"cell: add the missing closing quote ({_DOUBLING})",
                    line_of(pos),
                    len(starts),
                )
            cell, pos = match.group(1).replace('""', '"'), match.end()
            if pos < len(text) and text[pos] not in _END_OF_CELL:
                return problem(
                    f"a quote ends a quoted cell but {text[pos]!r} follows it: {_DOUBLING}, and a cell ends at a "
                    "comma or the end of the line",
                    line_of(pos),
                )
        else:
            match = _UNQUOTED.match(text, pos)
            assert match is not None  # the pattern matches the empty string too
            cell, pos = match.group(), match.end()
            if text.startswith('"', pos):
                return problem(
                    "a quote inside a cell that does not start with one: put the whole cell in quotes and write "
                    'the quote twice ("")',
                    line_of(pos),
                )
        if "\x00" in cell:
            return problem(
                "a NUL byte (binary data): the file is damaged or not a CSV saved as text",
                line_of(text.index("\x00", cell_start)),
                line_of(pos - 1),
            )
        cells.append(cell)
        if pos >= len(text) or text[pos] in "\r\n":
            last_line = line_of(pos) if pos < len(text) else line_of(len(text) - 1)
            return Record(number, first_line, max(last_line, first_line), tuple(cells))
        pos += 1  # the comma


def _too_wide_or_narrow(record: Record, width: int) -> Record:
    """A record with more or fewer cells than the header. One that a quoted cell carries over several lines may be
    rows swallowed by a quote out of place: it ends at its first line, so the lines after it are read as rows."""
    cells = len(record.cells)
    if cells > width:
        problem = (
            f"this row has {cells} cells but the header has {width} columns: a comma too many, or a value with a "
            "comma in it that is not in double quotes"
        )
    else:
        problem = (
            f"this row has {cells} cells but the header has {width} columns: a comma is missing, or the row is cut "
            "short"
        )
    if record.last_line > record.line:
        problem += (
            f"; a quoted cell carries it from line {record.line} to line {record.last_line}, so a quote may be "
            "missing or one too many"
        )
    return Record(record.number, record.line, record.line, record.cells, problem, record.line, None, record.last_line)


def _holding_a_row(record: Record, width: int) -> Record:
    """A record that a quoted cell carries over several lines, and one of those lines, read on its own, would be a
    row of the header's width: a quote out of place has most likely swallowed that row into the cell (a cell of
    the right width cannot tell otherwise). It ends at its first line, so the lines after it are read as rows."""
    for index, cell in enumerate(record.cells):
        pieces = LINE_BREAK.split(cell)[1:]
        for offset, piece in enumerate(pieces, start=1):
            if piece.count(DELIMITER) >= width - 1:
                line = record.line + sum(len(LINE_BREAK.findall(c)) for c in record.cells[:index]) + offset
                problem = (
                    f"a quoted cell carries this row on to line {line}, which reads as a row of its own: a quote "
                    f"is probably missing or one too many ({_DOUBLING})"
                )
                return Record(
                    record.number, record.line, record.line, record.cells, problem, record.line, index,
                    record.last_line,
                )  # fmt: skip
    return record


def _check_coverage(records: list[Record], line_count: int) -> None:
    """The records must cover lines 1..line_count, each exactly once, in order: no line is ever skipped."""
    expected = 1
    for record in records:
        if record.line != expected or record.last_line < record.line:
            raise CsvReadError(f"record {record.number} was read from line {record.line}, not line {expected}")
        expected = record.last_line + 1
    if expected != line_count + 1:
        raise CsvReadError(f"the records read cover {expected - 1} of the file's {line_count} lines")
