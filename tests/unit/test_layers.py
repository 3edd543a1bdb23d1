"""The package's layers point one way: a module may import its own layer and the layers
below it, never one above. A newcomer can then read lab/ from the bottom up."""

import ast
from pathlib import Path

import lab

LAB = Path(lab.__file__).parent

# lowest first; a module's layer is the first entry that matches its dotted name
LAYERS = [
    ("foundation", ["lab.errors", "lab.waiting", "lab.probe", "lab.bootstrap"]),
    ("model: the data, no Docker", ["lab.model"]),
    ("runtime: how the lab runs", ["lab.runtime"]),
    ("maillogs: reading what servers wrote", ["lab.maillogs"]),
    ("servers: one adapter per MTA", ["lab.servers"]),
    ("verify: running variants and probes", ["lab.verify"]),
    ("teach: grades, variant diffs, one's own configuration", ["lab.teach"]),
    ("views: tables, screens, the report", ["lab.views"]),
    ("front doors", ["lab.cli", "lab.cli_teach", "lab.audit_cli", "lab.bench", "lab.__main__", "lab"]),
]


def layer(name: str) -> int:
    for i, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(LAB.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The lab modules a file imports (relative imports resolved)."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found |= {f"{module}.{a.name}" if module in ("lab",) or not node.module else module for a in node.names}
    return {name for name in found if name == "lab" or name.startswith("lab.")}


def test_every_module_has_a_layer():
    for path in LAB.rglob("*.py"):
        layer(module_name(path))


def test_no_module_imports_a_higher_layer():
    wrong = []
    for path in sorted(LAB.rglob("*.py")):
        me = module_name(path)
        for other in imports(path):
            if layer(other) > layer(me):
                wrong.append(f"{me} ({LAYERS[layer(me)][0]}) imports {other} ({LAYERS[layer(other)][0]})")
    assert not wrong, "\n".join(wrong)
