"""The import graph of the workspace: no cycle, and dependencies only the ways DESIGN.md allows.

Nothing is imported: every module of the packages is parsed with `ast`, and every import counts, at any
depth (inside functions too, so that an import cannot hide a cycle), relative ones resolved, constant
`importlib.import_module("...")` calls included, `if TYPE_CHECKING:` blocks left out. The notebooks'
code cells count as modules of `notebooks`. Each rule is one case; it fails with one line per offending
import (file:line, what it imports, what the rule says) or per cycle (each step with its file:line).
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("annotate", "cards", "demo", "notebooks", "runfolder", "portable")
STAGES = ("annotate", "cards", "demo", "notebooks")
SERVER = "annotate.server"  # runs inside .venv-server


@dataclass(frozen=True)
class Module:
    name: str  # dotted: annotate.argilla.load
    path: str  # relative to the root: annotate/argilla/load.py
    is_package: bool

    def within(self, package: str) -> bool:
        return inside(self.name, package)


@dataclass(frozen=True)
class Import:
    source: Module
    target: str  # absolute dotted name of a module (`from m import name` -> m, `from p import sub` -> p.sub)
    where: str  # file:line (notebooks: file cell N line L)

    @property
    def top(self) -> str:
        return self.target.split(".")[0]


@dataclass(frozen=True)
class Graph:
    modules: dict[str, Module]
    imports: tuple[Import, ...]

    def module_of(self, target: str) -> str | None:
        """The workspace module a target loads: itself, or its longest known prefix."""
        parts = target.split(".")
        for end in range(len(parts), 0, -1):
            if (name := ".".join(parts[:end])) in self.modules:
                return name
        return None


def inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# -- reading the tree ------------------------------------------------------------------------------------


def find_modules(root: Path) -> Iterator[tuple[Module, list[tuple[str, str]]]]:
    """Each module with its sources: [(code, label)], one per notebook code cell, one for a .py file."""
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            relative = path.relative_to(root)
            parts = list(relative.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            yield Module(name, relative.as_posix(), is_package), [(path.read_text(), relative.as_posix())]
        for path in sorted((root / package).glob("*.ipynb")):
            relative = path.relative_to(root).as_posix()
            cells = json.loads(path.read_text())["cells"]
            sources = [
                (notebook_code(cell["source"]), f"{relative} cell {index}")
                for index, cell in enumerate(cells)
                if cell["cell_type"] == "code"
            ]
            yield Module(f"{package}.{path.stem}", relative, False), sources


def notebook_code(source: str | list[str]) -> str:
    """A cell's Python, IPython magics and shell lines blanked (line numbers kept)."""
    lines = "".join(source).split("\n")
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node` at any depth, except the body of `if TYPE_CHECKING:` blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from nodes(other)
        else:
            yield child
            yield from nodes(child)


def relative_base(node: ast.ImportFrom, module: Module) -> str:
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    if node.level > len(package):
        raise ValueError(f"{module.path}:{node.lineno}: relative import goes above the top-level package")
    kept = package[: len(package) - (node.level - 1)]
    return ".".join(kept + ([node.module] if node.module else []))


def targets(node: ast.AST, module: Module, names: set[str]) -> list[str]:
    """The absolute names an import node loads (a submodule when `from pkg import sub` names one)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = relative_base(node, module) if node.level else node.module or ""
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in names else base for a in node.names]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        function = node.func
        called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
            return [node.args[0].value] if not node.args[0].value.startswith(".") else []
    return []


def read_graph(root: Path) -> Graph:
    found = list(find_modules(root))
    modules = {module.name: module for module, _ in found}
    names = set(modules)
    imports: list[Import] = []
    for module, sources in found:
        for code, label in sources:
            tree = ast.parse(code, filename=label)
            for node in nodes(tree):
                line = getattr(node, "lineno", 0)
                where = f"{label}:{line}" if label == module.path else f"{label} line {line}"
                imports += [Import(module, target, where) for target in targets(node, module, names)]
    return Graph(modules, tuple(imports))


@cache
def workspace() -> Graph:
    return read_graph(ROOT)


# -- the rules -------------------------------------------------------------------------------------------


def edges(graph: Graph) -> dict[str, dict[str, str]]:
    """module -> {imported workspace module: where (the first import of it)}."""
    out: dict[str, dict[str, str]] = {name: {} for name in graph.modules}
    for imp in graph.imports:
        target = graph.module_of(imp.target) if imp.top in PACKAGES else None
        if target is not None and target != imp.source.name and target in graph.modules:
            out[imp.source.name].setdefault(target, imp.where)
    return out


def knots(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def shortest_cycle(graph: dict[str, dict[str, str]], knot: list[str]) -> list[str]:
    """The shortest cycle through the knot's first module, staying inside the knot."""
    start, members = knot[0], set(knot)
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node]):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child in members and child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a knot always has one


def cycles(graph: Graph) -> list[str]:
    out = edges(graph)
    problems = []
    for knot in knots(out):
        cycle = shortest_cycle(out, knot)
        steps = " -> ".join(f"{a} ({out[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False))
        more = len(knot) > len(cycle) - 1
        extra = f" (one of the knot {{{', '.join(knot)}}})" if more else ""
        problems.append(f"cycle: {steps} -> {cycle[-1]}{extra}")
    return problems


def offending(graph: Graph, bad: Callable[[Import], bool], rule: str) -> list[str]:
    return [f"{imp.where}: imports {imp.target}: {rule}" for imp in graph.imports if bad(imp)]


def argilla_sdk(graph: Graph) -> list[str]:
    def bad(imp: Import) -> bool:
        return imp.top == "argilla" and not imp.source.within("annotate.argilla")

    return offending(graph, bad, "only annotate/argilla/ talks to Argilla (the SDK)")


def argilla_server(graph: Graph) -> list[str]:
    def bad(imp: Import) -> bool:
        return imp.top == "argilla_server" and not imp.source.within(SERVER)

    return offending(graph, bad, "argilla_server lives in .venv-server: only annotate/server/ imports it")


def annotate_from_stages(graph: Graph) -> list[str]:
    def bad(imp: Import) -> bool:
        return imp.top == "annotate" and not imp.source.within("annotate")

    return offending(graph, bad, "cards, demo, notebooks, runfolder, portable never import annotate")


def portable_stdlib(graph: Graph) -> list[str]:
    allowed = set(sys.stdlib_module_names) | {"portable"}

    def bad(imp: Import) -> bool:
        return imp.source.within("portable") and imp.top not in allowed

    return offending(graph, bad, "portable/ (copied into the Space) imports only the stdlib")


def runfolder_alone(graph: Graph) -> list[str]:
    def bad(imp: Import) -> bool:
        return imp.source.within("runfolder") and imp.top in STAGES

    return offending(graph, bad, "runfolder/ is the contract under every stage: it imports none of them")


def server_alone(graph: Graph) -> list[str]:
    def bad(imp: Import) -> bool:
        return imp.source.within(SERVER) and imp.top in PACKAGES and not inside(imp.target, SERVER)

    return offending(graph, bad, "annotate/server/ runs in .venv-server: nothing of the workspace but itself")


def resolvable(graph: Graph) -> list[str]:
    def bad(imp: Import) -> bool:  # a target is always a module: `from m import name` counts as m
        return imp.top in PACKAGES and imp.target not in graph.modules

    return offending(graph, bad, "no such module in the tree (renamed or moved?)")


RULES: dict[str, Callable[[Graph], list[str]]] = {
    "no-cycle": cycles,
    "argilla-sdk-only-in-annotate-argilla": argilla_sdk,
    "argilla-server-only-in-annotate-server": argilla_server,
    "no-annotate-in-cards-demo-notebooks-runfolder-portable": annotate_from_stages,
    "portable-stdlib-only": portable_stdlib,
    "runfolder-imports-no-stage": runfolder_alone,
    "server-imports-only-itself": server_alone,
    "workspace-imports-exist": resolvable,
}


@pytest.mark.parametrize("rule", RULES)
def test_workspace_follows(rule: str) -> None:
    problems = RULES[rule](workspace())
    hint = " (a cycle: move the piece both sides need into a module below them)" if rule == "no-cycle" else ""
    assert not problems, f"{len(problems)} x {rule}{hint}:\n" + "\n".join(problems)


def test_every_package_is_read() -> None:
    graph = workspace()
    assert {name.split(".")[0] for name in graph.modules} == set(PACKAGES)
    assert "notebooks.finetune_ner" in graph.modules and len(graph.imports) > 500


# -- the checker itself, on small trees ------------------------------------------------------------------

TREES = {
    "hidden-cycle": (
        {
            "cards/__init__.py": "",
            "cards/a.py": "from cards.b import x\n",
            "cards/b.py": "def f():\n    from . import a\n    return a\n",
        },
        "no-cycle",
        ["cycle: cards.a (cards/a.py:1) -> cards.b (cards/b.py:2) -> cards.a"],
    ),
    "type-checking-left-out": (
        {
            "cards/__init__.py": "",
            "cards/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cards.b import x\n",
            "cards/b.py": "import cards.a\n",
        },
        "no-cycle",
        [],
    ),
    "sdk-in-a-function": (
        {"demo/__init__.py": "", "demo/app.py": "\n\ndef f():\n    import argilla as rg\n"},
        "argilla-sdk-only-in-annotate-argilla",
        ["demo/app.py:4: imports argilla: only annotate/argilla/ talks to Argilla (the SDK)"],
    ),
    "notebook-cell": (
        {
            "notebooks/__init__.py": "",
            "notebooks/train.ipynb": json.dumps(
                {
                    "cells": [
                        {"cell_type": "markdown", "source": ["import annotate"]},
                        {
                            "cell_type": "code",
                            "source": ["%matplotlib inline\n", "from annotate.cli import app"],
                        },
                    ]
                }
            ),
        },
        "no-annotate-in-cards-demo-notebooks-runfolder-portable",
        [
            "notebooks/train.ipynb cell 1 line 2: imports annotate.cli: "
            "cards, demo, notebooks, runfolder, portable never import annotate"
        ],
    ),
    "relative-into-annotate": (
        {"portable/__init__.py": "", "portable/x.py": "from ..annotate import errors\n"},
        "workspace-imports-exist",
        None,  # raises: above the top level
    ),
    "portable-third-party": (
        {"portable/__init__.py": "", "portable/x.py": "import json\nimport yaml\nfrom . import y\n"},
        "portable-stdlib-only",
        ["portable/x.py:2: imports yaml: portable/ (copied into the Space) imports only the stdlib"],
    ),
    "server-reaches-out": (
        {
            "annotate/__init__.py": "",
            "annotate/errors.py": "",
            "annotate/server/__init__.py": "",
            "annotate/server/engine.py": "from annotate.server import x\nfrom ..errors import E\n",
        },
        "server-imports-only-itself",
        [
            "annotate/server/engine.py:2: imports annotate.errors: "
            "annotate/server/ runs in .venv-server: nothing of the workspace but itself"
        ],
    ),
    "renamed-module": (
        {"annotate/__init__.py": "", "cards/__init__.py": "", "cards/a.py": "from cards.gone import x\n"},
        "workspace-imports-exist",
        ["cards/a.py:1: imports cards.gone: no such module in the tree (renamed or moved?)"],
    ),
}


@pytest.mark.parametrize("case", TREES)
def test_the_checker_on(case: str, tmp_path: Path) -> None:
    files, rule, expected = TREES[case]
    for name in PACKAGES:
        (tmp_path / name).mkdir()
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    if expected is None:
        with pytest.raises(ValueError, match="portable/x.py:1: relative import goes above"):
            read_graph(tmp_path)
        return
    assert RULES[rule](read_graph(tmp_path)) == expected
