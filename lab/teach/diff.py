"""Two variants side by side: the probes whose outcome differs, and the configuration lines
that differ - each changed probe beside the lines its deciding rule points at (e.g.
`direct-inbound rejected → delivered` beside `+ permit_auth_destination`). Pure: it reads
two runs (their `config`, exactly what was applied) and nothing else."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from lab.model.outcomes import Outcome
from lab.model.results import RunResult
from lab.model.scenario import parse_main_cf

HIDDEN = {"debug_peer_list"}  # the lab's own tracing, not the variant's configuration
MAP_ARG = re.compile(r"^[a-z]+:\S")  # hash:/etc/postfix/access, btree:/var/lib/drac/dracd


@dataclass(frozen=True)
class Line:
    """One configuration line that differs: where (a main.cf parameter or a file), '-' (only
    in the first variant) or '+' (only in the second), and the text."""
    where: str
    sign: str
    text: str


@dataclass(frozen=True)
class Change:
    probe: str
    before: Outcome
    after: Outcome
    rule_before: str | None
    rule_after: str | None
    beside: tuple[Line, ...] = ()  # the differing lines its deciding rules point at


@dataclass
class VariantDiff:
    a: RunResult
    b: RunResult
    changes: list[Change] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)  # probes only the first variant runs
    only_b: list[str] = field(default_factory=list)


def items(value: str) -> list[str]:
    """A restriction list's entries, each with its map ('check_client_access hash:/etc/postfix/access')."""
    out: list[str] = []
    for word in re.split(r"[\s,]+", value.strip()):
        if not word:
            continue
        if MAP_ARG.match(word) and out and not MAP_ARG.match(out[-1].split()[-1]):
            out[-1] += f" {word}"
        else:
            out.append(word)
    return out


def main_cf(config: dict[str, Any]) -> dict[str, str]:
    """main.cf as applied: Postfix's own `postconf -n` when the run kept it, else the
    variant's lines (the note's, then the lab's)."""
    if config.get("effective") and isinstance(config["effective"], list):
        pairs = parse_main_cf("\n".join(config["effective"]))
    else:
        pairs = parse_main_cf((config.get("postconf") or "") + "\n" + (config.get("postconf_lab") or ""))
    return {name: value for name, value in pairs if name not in HIDDEN}


def files(config: dict[str, Any]) -> dict[str, list[str]]:
    """Every file the variant wrote, as lines (blank lines and comments left out)."""
    return {path: [line.rstrip() for line in (text or "").splitlines() if line.strip() and not line.lstrip().startswith("#")]
            for path, text in (config.get("files") or {}).items()}


def _sequence(where: str, before: list[str], after: list[str]) -> list[Line]:
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            out += [Line(where, "-", t) for t in before[i1:i2]] + [Line(where, "+", t) for t in after[j1:j2]]
    return out


def config_lines(a: dict[str, Any], b: dict[str, Any]) -> list[Line]:
    """The lines that differ between two applied configurations: main.cf parameter by
    parameter (a restriction list entry by entry), then every file line by line."""
    out: list[Line] = []
    cf_a, cf_b = main_cf(a), main_cf(b)
    for name in list(dict.fromkeys([*cf_a, *cf_b])):
        va, vb = cf_a.get(name), cf_b.get(name)
        if va == vb:
            continue
        if name.endswith("_restrictions"):
            out += _sequence(f"main.cf {name}", items(va or ""), items(vb or ""))
        else:
            out += [Line(f"main.cf {name}", "-", va)] if va is not None else []
            out += [Line(f"main.cf {name}", "+", vb)] if vb is not None else []
    fa, fb = files(a), files(b)
    for path in list(dict.fromkeys([*fa, *fb])):
        if fa.get(path) != fb.get(path):
            out += _sequence(path, fa.get(path, []), fb.get(path, []))
    return out


def _names(rule: str | None) -> set[str]:
    """The restriction, map and files a deciding rule names ('check_client_access
    hash:/etc/postfix/access (OK)', 'TCP wrappers (hosts.allow/deny)')."""
    words = {w for w in re.split(r"[\s(),]+", rule or "") if len(w) > 2}
    for w in [w for w in words if "/" in w and ":" not in w]:  # hosts.allow/deny: hosts.allow, hosts.deny
        first, *rest = w.split("/")
        words |= {first} | {f"{first.rsplit('.', 1)[0]}.{part}" if "." in first else part for part in rest}
    return words


def points_at(line: Line, rule: str | None) -> bool:
    """Does a differing line belong to what a rule decided by? The restriction itself
    ('permit_auth_destination'), its map's file ('hash:/etc/postfix/access'), a file it names
    ('hosts.allow'), or the parameter it reads ('mynetworks' for 'permit_mynetworks')."""
    param = line.where.removeprefix("main.cf ")
    for name in _names(rule):
        if name in line.text.split() or name == line.text or name.endswith(f":{line.where}"):
            return True
        if line.where.startswith("/") and line.where.rsplit("/", 1)[-1] == name:
            return True
        if line.where.startswith("main.cf ") and not param.endswith("_restrictions") and name.endswith(param):
            return True
    return False


def compare(a: RunResult, b: RunResult) -> VariantDiff:
    result = VariantDiff(a, b, lines=config_lines(a.config, b.config))
    pa, pb = {p.probe: p for p in a.probes}, {p.probe: p for p in b.probes}
    result.only_a = [p for p in pa if p not in pb]
    result.only_b = [p for p in pb if p not in pa]
    for probe in (p for p in pa if p in pb):
        x, y = pa[probe], pb[probe]
        if x.actual != y.actual:
            # the lines the new deciding rule points at; else those of the rule that decided before
            beside = (tuple(line for line in result.lines if points_at(line, y.rule))
                      or tuple(line for line in result.lines if points_at(line, x.rule)))
            result.changes.append(Change(probe, x.actual, y.actual, x.rule, y.rule, beside))
    return result
