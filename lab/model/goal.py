"""The note's goal as data (lab/model/goal.yaml) and every run's verdict against it.

Two questions, kept apart everywhere: a row is *as expected* when the server did what the
variant's file says it does (lab.verify.verdict), and it *meets the goal* when its outcome is
one the note's goal allows for that probe. `judge_run` answers the second one for a run:
per probe `goal_met` (True, False, or None where the goal says nothing about the probe),
per run `goal = {id, met, broken, outside}`. Pure: no Docker, no files but the goal's."""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import yaml

from lab.errors import LabError
from lab.model.outcomes import WORDS, Outcome
from lab.model.prose import unfold

if TYPE_CHECKING:
    from lab.model.results import RunResult

GOAL_FILE = Path(__file__).with_name("goal.yaml")
_TEXTS = ("title", "title_ja", "statement", "statement_ja")
_CLAUSE_KEYS = {"meets", "instead", "why", "why_ja", "findings", "findings_ja"}


@dataclass(frozen=True)
class Clause:
    """What the goal says about one probe."""
    probe: str
    meets: tuple[Outcome, ...] | None  # None: the goal says nothing about this probe
    why: str
    why_ja: str
    instead: str | None = None  # another probe that meets the same clause another way
    findings: dict[str, dict[Outcome, str]] = field(default_factory=dict)  # lang -> outcome -> text

    def finding(self, actual: Outcome, lang: str = "en") -> str | None:
        return self.findings.get(lang, {}).get(actual) or self.findings.get("en", {}).get(actual)


@dataclass(frozen=True)
class Goal:
    id: str
    title: str
    title_ja: str
    statement: str
    statement_ja: str
    clauses: dict[str, Clause]
    path: Path = GOAL_FILE

    def text(self, key: str, lang: str = "en") -> str:
        return getattr(self, f"{key}_ja") if lang == "ja" else getattr(self, key)

    def clause(self, probe: str) -> Clause | None:
        return self.clauses.get(probe)

    def met(self, probe: str, actual: Outcome, others: dict[str, Outcome] | None = None) -> bool | None:
        """Does this outcome meet the goal? None: the goal says nothing about the probe.
        `others`: the run's other outcomes, for a clause met another way (`instead`)."""
        clause = self.clauses.get(probe)
        if clause is None or clause.meets is None:
            return None
        if actual in clause.meets:
            return True
        instead = clause.instead
        other = (others or {}).get(instead) if instead else None
        return bool(instead and other is not None and self.met(instead, other) is True)


def _fail(path: Path, where: str, why: str) -> NoReturn:
    raise LabError(f"{path}: {where}: {why}")


def _outcomes(path: Path, where: str, words: object) -> tuple[Outcome, ...]:
    if not isinstance(words, list) or not words:
        _fail(path, where, "must be a list of outcomes, or ~ where the goal says nothing")
    for word in words:
        if word not in WORDS or word == "lost":
            _fail(path, where, f"unknown outcome {word!r} (known: {', '.join(w for w in WORDS if w != 'lost')})")
    return tuple(Outcome(w) for w in words)


def load(path: Path = GOAL_FILE, probes: set[str] | None = None) -> Goal:
    """The goal file, checked: every mistake one line naming the file and the field. With
    `probes` (the plan's ids), every probe must have a clause and no clause an unknown probe."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise LabError(f"{path}: no such goal file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        _fail(path, f"line {mark.line + 1}" if mark else "file", f"not valid YAML ({getattr(exc, 'problem', exc)})")
    if not isinstance(data, dict):
        _fail(path, "file", "must be a mapping of fields")
    for key in ("id", *_TEXTS, "probes"):
        if not data.get(key):
            _fail(path, key, "missing")
    if not isinstance(data["probes"], dict):
        _fail(path, "probes", "must map probe ids to clauses")
    clauses = {}
    for pid, spec in data["probes"].items():
        if probes is not None and pid not in probes:
            _fail(path, f"probes.{pid}", f"not a probe of the plan (known: {', '.join(sorted(probes))})")
        if not isinstance(spec, dict) or "meets" not in spec:
            _fail(path, f"probes.{pid}", "must give meets: (a list of outcomes, or ~)")
        for key in spec:
            if key not in _CLAUSE_KEYS:
                _fail(path, f"probes.{pid}.{key}", f"unknown field (known: {', '.join(sorted(_CLAUSE_KEYS))})")
        for key in ("why", "why_ja"):
            if not spec.get(key):
                _fail(path, f"probes.{pid}.{key}", "missing: say why, from the note's words")
        meets = None if spec["meets"] is None else _outcomes(path, f"probes.{pid}.meets", spec["meets"])
        findings = {}
        for key, lang in (("findings", "en"), ("findings_ja", "ja")):
            found = spec.get(key) or {}
            if found and meets is not None:
                _fail(path, f"probes.{pid}.{key}", "only for a probe outside the goal (meets: ~)")
            if not isinstance(found, dict):
                _fail(path, f"probes.{pid}.{key}", "must map outcomes to what they mean")
            if found:
                _outcomes(path, f"probes.{pid}.{key}", list(found))
            findings[lang] = {Outcome(k): unfold(v) for k, v in found.items()}
        instead = spec.get("instead")
        if instead is not None and (instead not in data["probes"] or instead == pid):
            _fail(path, f"probes.{pid}.instead", f"must name another probe of this file, not {instead!r}")
        clauses[pid] = Clause(pid, meets, unfold(spec["why"]), unfold(spec["why_ja"]), instead, findings)
    if probes is not None:
        missing = sorted(probes - set(clauses))
        if missing:
            _fail(path, f"probes.{missing[0]}", "missing: decide what the goal says about every probe of the plan")
    return Goal(id=str(data["id"]), clauses=clauses, path=path,
                **{k: unfold(data[k]) for k in _TEXTS})


@functools.lru_cache(maxsize=4)
def note(path: Path = GOAL_FILE) -> Goal:
    """The note's goal (read once)."""
    return load(path)


@dataclass(frozen=True)
class GoalVerdict:
    """A run against the note's goal: met when no probe breaks it."""
    id: str  # the goal's id (goal.yaml)
    met: bool
    broken: list[str]  # the probes whose outcome breaks the goal
    outside: list[str]  # the probes the goal says nothing about


def judge_run(run: RunResult, goal: Goal | None = None, void: Collection[str] = ()) -> GoalVerdict:
    """Every probe's goal_met and the run's goal verdict, set on the run (a RunResult) and
    returned. `void`: probes whose outcome the server's own configuration error decided -
    they meet nothing (lab.model.verdict says which)."""
    goal = goal or note()
    outcomes = {p.probe: p.actual for p in run.probes}
    for p in run.probes:
        p.goal_met = False if p.probe in void else goal.met(p.probe, p.actual, outcomes)
    broken = [p.probe for p in run.probes if p.goal_met is False]
    run.goal = GoalVerdict(goal.id, not broken, broken, [p.probe for p in run.probes if p.goal_met is None])
    return run.goal
