"""Who may import whom (docs/architecture.md): imports point down the layers, only xero/ imports the Xero SDK, no
Qt below jobs/, only the demo's entry points know the sandbox, and no import cycles — lazy imports inside functions
count too. Read from the source with ast, so a deliberate bad import anywhere fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "invoice_desktop"
ROOT = "invoice_desktop"

# The layers, lowest first. A module may import its own layer and those below; `base` is below everything.
LAYERS = ("base", "store", "ledger", "xero", "context", "jobs", "ui", "cli", "entry")
LAYER_OF = {
    "config": "base",
    "paths": "base",
    "logs": "base",
    "store": "store",
    "ledger": "ledger",
    "xero": "xero",
    "app_context": "context",
    "jobs": "jobs",
    "ui": "ui",
    "cli": "cli",
    "__main__": "entry",
    "sandbox_demo": "entry",
    "sandbox": "sandbox",  # beside the app: see SANDBOX_USERS
}
# Only these know the sandbox exists: the demo's entry point and the `sandbox` command.
SANDBOX_USERS = ("invoice_desktop.__main__", "invoice_desktop.sandbox_demo", "invoice_desktop.cli.sandbox_commands")
SANDBOX_MAY_IMPORT = ("base", "sandbox")
QT_FREE = ("base", "store", "ledger", "xero", "context", "cli", "sandbox")
SDK_USERS = ("xero",)
# ui and cli are side by side: neither imports the other.
SIDE_BY_SIDE = {("ui", "cli"), ("cli", "ui")}
# The window is started by the entry point, which may import ui; ui never imports the entry points.


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str) -> Iterator[Import]:
    """Every import in `source`, at any depth (functions' lazy imports too), as absolute module names."""
    package = module if module.count(".") == 0 else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield Import(module, base, node.lineno)
            for alias in node.names:  # `from invoice_desktop import ui` imports the module ui
                yield Import(module, f"{base}.{alias.name}", node.lineno)


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != ROOT:
        return None
    return LAYER_OF.get(parts[1], "base") if len(parts) > 1 else "base"


def problems(found: list[Import], known_modules: set[str]) -> list[str]:
    wrong: list[str] = []
    for imp in found:
        where = f"{imp.importer}:{imp.line} imports {imp.imported}"
        top = imp.imported.split(".")[0]
        mine = layer(imp.importer)
        if top == "xero_python" and mine not in SDK_USERS:
            wrong.append(f"{where}: only xero/ imports the Xero SDK")
        if top == "PySide6" and mine in QT_FREE:
            wrong.append(f"{where}: no Qt below jobs/ (nor in cli/ or the sandbox)")
        if top != ROOT or (imp.imported not in known_modules and imp.imported.rsplit(".", 1)[0] not in known_modules):
            continue
        theirs = layer(imp.imported)
        if theirs == "sandbox" and mine != "sandbox" and imp.importer not in SANDBOX_USERS:
            wrong.append(f"{where}: only the demo's entry points know the sandbox")
        elif mine == "sandbox" and theirs not in SANDBOX_MAY_IMPORT:
            wrong.append(f"{where}: the sandbox stands apart from the app")
        elif (mine, theirs) in SIDE_BY_SIDE:
            wrong.append(f"{where}: ui/ and cli/ stand side by side")
        elif mine in LAYERS and theirs in LAYERS and LAYERS.index(theirs) > LAYERS.index(mine):
            wrong.append(f"{where}: {mine} may not import {theirs} (imports point down)")
    return wrong


def cycles(found: list[Import], known_modules: set[str]) -> list[list[str]]:
    """Import cycles between the package's modules (strongly connected components of more than one module)."""
    graph: dict[str, set[str]] = {m: set() for m in known_modules}
    for imp in found:
        target = imp.imported if imp.imported in known_modules else imp.imported.rsplit(".", 1)[0]
        if target in known_modules and target != imp.importer and not _is_package_of(target, imp.importer):
            graph[imp.importer].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found_cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found_cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found_cycles


def _is_package_of(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def scan(package: Path = PACKAGE) -> tuple[list[Import], set[str]]:
    files = sorted(package.rglob("*.py"))
    modules = {module_name(f, package) for f in files}
    found = [imp for f in files for imp in imports_of(f.read_text(encoding="utf-8"), module_name(f, package))]
    return found, modules


def test_imports_follow_the_layers() -> None:
    found, modules = scan()
    assert problems(found, modules) == []


def test_no_import_cycles() -> None:
    found, modules = scan()
    assert cycles(found, modules) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("invoice_desktop.store.models", "from invoice_desktop.ui import app", "store may not import ui"),
        ("invoice_desktop.ledger.x", "def f():\n    import invoice_desktop.xero.client", "ledger may not import xero"),
        ("invoice_desktop.ui.x", "from invoice_desktop.cli import boundary", "ui/ and cli/ stand side by side"),
        ("invoice_desktop.cli.x", "from xero_python.accounting import Invoice", "only xero/ imports the Xero SDK"),
        ("invoice_desktop.xero.x", "from PySide6.QtCore import QObject", "no Qt below jobs/"),
        ("invoice_desktop.xero.settings", "from invoice_desktop.sandbox import seed", "only the demo's entry points"),
        ("invoice_desktop.sandbox.x", "from invoice_desktop.store import models", "the sandbox stands apart"),
    ],
)
def test_a_bad_import_is_caught(module: str, source: str, expected: str) -> None:
    _found, modules = scan()
    found = list(imports_of(source, module))
    assert any(expected in p for p in problems(found, modules | {module}))


def test_a_cycle_is_caught() -> None:
    found = [Import("invoice_desktop.xero.a", "invoice_desktop.xero.b", 1),
             Import("invoice_desktop.xero.b", "invoice_desktop.xero.a", 9)]  # fmt: skip
    assert cycles(found, {"invoice_desktop.xero.a", "invoice_desktop.xero.b"}) == [
        ["invoice_desktop.xero.a", "invoice_desktop.xero.b"]
    ]
