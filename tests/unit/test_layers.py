"""The package's layers point one way: a module may import its own layer and the layers
below it, never one above, and the import graph has no cycle. A newcomer can then read lab/
from the bottom up. The checks run on a tree given as a path, so that they are also shown
to fail on a tree with a planted upward import, a cycle, or a module of no layer."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

import lab

LAB = Path(lab.__file__).parent

# lowest first; a module's layer is the entry that names it: the module itself, or a package
# it is in. "lab" names the package's own __init__ only, never everything under it.
LAYERS = [
    ("foundation: shared basics, code run inside containers, the machine's setup",
     ["lab", "lab.errors", "lab.interrupt", "lab.waiting", "lab.locks", "lab.lines", "lab.incontainer", "lab.bootstrap"]),
    ("model: the data, no Docker", ["lab.model"]),
    ("maillogs: parsing what servers wrote (lines in, facts out)", ["lab.maillogs"]),
    ("runtime: how the lab runs (Docker, compose, commands in hosts)", ["lab.runtime"]),
    ("servers: one adapter per kind of MTA, and their registry", ["lab.servers"]),
    ("verify: running variants and probes, deciding each row", ["lab.verify"]),
    ("teach: grades, variant diffs, one's own configuration", ["lab.teach"]),
    ("views: tables, screens, the report", ["lab.views"]),
    ("actions: what a user can do, one function each (recording runs, a class)", ["lab.actions"]),
    ("front doors: the command line, the benches, the web pages", ["lab.cli", "lab.bench", "lab.__main__", "lab.web"]),
]


def layer(name: str) -> int:
    for i, (_, names) in enumerate(LAYERS):
        if any(name == n or (n != "lab" and name.startswith(n + ".")) for n in names):
            return i
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_only(tree: ast.Module) -> set[ast.AST]:
    """The import statements under `if TYPE_CHECKING:`: they never run."""
    return {node for block in ast.walk(tree) if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
            for node in ast.walk(block) if isinstance(node, (ast.Import, ast.ImportFrom))}


def imports(path: Path, root: Path, running: bool = False) -> set[str]:
    """What a file imports from lab, as dotted names (relative imports resolved): for
    `from X import y`, X.y (graph() takes X when y is not a module of its own). running:
    only the imports that run (not those for type checkers only)."""
    here = module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    tree = ast.parse(path.read_text())
    skip = type_only(tree) if running else set()
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found |= {f"{module}.{a.name}" for a in node.names}
    return {name for name in found if name == "lab" or name.startswith("lab.")}


def graph(root: Path, running: bool = False) -> dict[str, set[str]]:
    """Each module of the tree -> the modules of the tree it imports (a name imported from a
    package that is not itself a module, e.g. `from lab.model.outcomes import Outcome`, is
    the module it comes from)."""
    modules = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}

    def known(name: str) -> str:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    return {me: {known(other) for other in imports(path, root, running)} - {me} for me, path in modules.items()}


def upward(root: Path) -> list[str]:
    wrong = []
    for me, others in graph(root).items():
        for other in sorted(others):
            if layer(other) > layer(me):
                wrong.append(f"{me} ({LAYERS[layer(me)][0]}) imports {other} ({LAYERS[layer(other)][0]})")
    return wrong


def cycle(root: Path) -> list[str]:
    """One import cycle of the tree (its modules in order), or [] if there is none. Imports for
    type checkers only (`if TYPE_CHECKING:`) never run, so they make no cycle."""
    edges = graph(root, running=True)
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state and (found := walk(start)):
            return found
    return []


def test_every_module_has_a_layer():
    for path in LAB.rglob("*.py"):
        layer(module_name(path, LAB))


def test_no_module_imports_a_higher_layer():
    wrong = upward(LAB)
    assert not wrong, "\n".join(wrong)


def test_the_import_graph_has_no_cycle():
    found = cycle(LAB)
    assert not found, " -> ".join(found)


# --- the checks can fail -----------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "lab"
    shutil.copytree(LAB, root, ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "*.json", "*.j2"))
    return root


def plant(root: Path, module: str, line: str) -> None:
    path = root.joinpath(*module.split(".")[1:]).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{line}\n")


def test_a_planted_upward_import_is_found(tree):
    assert upward(tree) == []
    plant(tree, "lab.model.outcomes", "from lab.views import run_table")
    assert upward(tree) == ["lab.model.outcomes (model: the data, no Docker) imports lab.views.run_table "
                            "(views: tables, screens, the report)"]


def test_a_planted_cycle_is_found(tree):
    assert cycle(tree) == []
    plant(tree, "lab.model.prose", "import lab.model.goal")  # goal imports prose
    assert cycle(tree) in (["lab.model.goal", "lab.model.prose", "lab.model.goal"],
                           ["lab.model.prose", "lab.model.goal", "lab.model.prose"])


def test_a_module_of_no_layer_is_named(tree):
    (tree / "helpers.py").write_text("")
    with pytest.raises(AssertionError, match="lab.helpers belongs to no layer"):
        for path in tree.rglob("*.py"):
            layer(module_name(path, tree))
