"""Every doc the code cites is in the repository: a clone has no team share, so docstrings, tests, benchmarks and
the README may point only at files under docs/, and a "docs/NAME.md §N" must name a numbered heading of that doc.
Old pointers to material outside the repository (the team's product spec and Xero notes) are refused outright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve()
SCANNED = ("src", "tests", "bench", "docs", "README.md")
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".json", ".csv", ".html", ".spec"}

# A path under docs/ with an extension, not part of a longer path or URL ("github.com/x/docs/y.md" is not ours).
DOC_PATH = re.compile(r"(?<![\w/.-])docs/[\w./-]*\w\.\w+")
# The sections cited right after a doc path: "§4", "§0.5/§0.6, §5", "§2 and §4.11".
SECTIONS = re.compile(r"\A(?:\s*(?:,|/|and)?\s*§\d+(?:\.\d+)*)+")
SECTION_NUMBER = re.compile(r"§(\d+(?:\.\d+)*)")
HEADING_NUMBER = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s", re.MULTILINE)

# Material that lives outside the repository, and the shorthand that pointed at it.
FORBIDDEN = {
    "../shared": re.compile(r"\.\./shared"),
    "/work/shared": re.compile(r"/work/shared"),
    "PRODUCT.md": re.compile(r"\bPRODUCT\.md"),
    "DESIGN.md": re.compile(r"\bDESIGN\.md"),
    "xero-api-facts": re.compile(r"xero-api-facts"),
    "reference/xero": re.compile(r"\breference/xero"),
    "market-research.md": re.compile(r"market-research\.md"),
    "seed-re-export": re.compile(r"seed-re-export"),
    "facts §N (say docs/xero-facts.md §N)": re.compile(r"\bfacts §"),
}


def scanned_files() -> Iterator[Path]:
    for name in SCANNED:
        top = ROOT / name
        if top.is_file():
            yield top
            continue
        for path in sorted(top.rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if (
                path.is_file()
                and path.suffix in TEXT_SUFFIXES
                and path.resolve() != THIS_FILE
                and not parts & SKIPPED_DIRS
                and not any(part.endswith(".egg-info") for part in parts)
            ):
                yield path


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def heading_numbers(doc: Path) -> set[str]:
    return set(HEADING_NUMBER.findall(doc.read_text(encoding="utf-8")))


def citations(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line number, doc path, the § numbers cited right after it) for each doc path in `text`."""
    for match in DOC_PATH.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        after = SECTIONS.match(text[match.end() :])
        yield line, match.group(), SECTION_NUMBER.findall(after.group()) if after else []


def problems_in(path: Path, text: str) -> list[str]:
    where = path.relative_to(ROOT)
    problems = []
    for line, doc, sections in citations(text):
        target = ROOT / doc
        if not target.is_file():
            problems.append(f"{where}:{line}: cites {doc}, which is not in the repository")
            continue
        if sections and target.suffix != ".md":
            problems.append(f"{where}:{line}: cites sections of {doc}, which is not a Markdown doc")
            continue
        missing = [s for s in sections if s not in heading_numbers(target)] if sections else []
        problems += [f"{where}:{line}: cites {doc} §{s}, but {doc} has no heading numbered {s}" for s in missing]
    for label, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{where}:{line}: mentions {label}: material outside the repository; cite docs/ instead")
    return problems


def test_every_cited_doc_and_section_is_in_the_repository() -> None:
    problems = []
    for path in scanned_files():
        text = read_text(path)
        if text is not None:
            problems += problems_in(path, text)
    assert not problems, "\n".join(problems)


def test_the_cited_docs_exist_and_are_numbered() -> None:
    for doc in ("product.md", "xero-facts.md"):
        assert heading_numbers(ROOT / "docs" / doc), f"docs/{doc} has no numbered headings"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(docs/product.md §4)", [("docs/product.md", ["4"])]),
        ("as docs/xero-facts.md §0.5/§0.6, §5 say.", [("docs/xero-facts.md", ["0.5", "0.6", "5"])]),
        (
            "docs/product.md §2 and §4.11; docs/sandbox.md.",
            [("docs/product.md", ["2", "4.11"]), ("docs/sandbox.md", [])],
        ),
        ("see [docs/sandbox.md](docs/sandbox.md)", [("docs/sandbox.md", []), ("docs/sandbox.md", [])]),
        ("https://github.com/XeroAPI/x/docs/AccountingApi.md and RFC 6749 §5.2", []),
    ],
)
def test_citations_are_read_with_their_sections(text: str, expected: list[tuple[str, list[str]]]) -> None:
    assert [(doc, sections) for _, doc, sections in citations(text)] == expected


def test_a_missing_doc_a_missing_section_and_outside_material_are_reported() -> None:
    stray = ROOT / "src" / "example.py"  # only a name for the messages; nothing is written
    text = 'x = 1  # docs/nowhere.md, docs/product.md §99, PRODUCT.md §4, facts §1.6, "../shared/reference/a.md"\n'
    problems = problems_in(stray, text)
    assert any("docs/nowhere.md, which is not in the repository" in p for p in problems)
    assert any("docs/product.md §99" in p for p in problems)
    assert any("mentions PRODUCT.md" in p for p in problems)
    assert any("mentions facts §N" in p for p in problems)
    assert any("mentions ../shared" in p for p in problems)
