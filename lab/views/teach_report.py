"""What the report needs for teaching: every variant's matrix coloured by the note's goal
(met / broken / not in the goal) with a mark where the outcome differs from the expected,
the goal's words and findings, the texts in the reader's language (LAB_LANG), and the
printable prediction sheets (results/<lab>/sheets.html: each variant's probes with empty
cells, and the all-variants matrix empty)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from markupsafe import Markup

from lab.errors import LabError
from lab.model import goal as goals
from lab.model import prose, scenario
from lab.model.outcomes import WORDS, Outcome
from lab.model.results import ProbeResult, RunResult, results_dir
from lab.model.sheet import MEANING, PREDICTABLE
from lab.model.settings import Settings
from lab.model.topology import Topology
from lab.views import lab_words, page
from lab.views import lang as langs

@dataclass(frozen=True)
class Cell:
    """One probe of one variant in the matrix."""
    actual: str
    expected: str | None
    goal_met: bool | None
    differs: bool  # not as expected (or doubted: a warning, a lost message)
    rule: str | None

    @property
    def css(self) -> str:
        goal = "goal-met" if self.goal_met else "goal-broken" if self.goal_met is False else "goal-outside"
        return goal + (" differs" if self.differs else "")

    @property
    def mark(self) -> str:
        return "✓" if self.goal_met else "✗" if self.goal_met is False else "·"


def matrix(runs: list[RunResult]) -> tuple[list[str], dict[str, list[Cell | None]]]:
    """The probes (in plan order, as first run) and, per probe, each run's cell or None."""
    probes: list[str] = []
    for run in runs:
        probes += [p.probe for p in run.probes if p.probe not in probes]
    rows: dict[str, list[Cell | None]] = {}
    for probe in probes:
        rows[probe] = []
        for run in runs:
            p = next((p for p in run.probes if p.probe == probe), None)
            rows[probe].append(None if p is None else Cell(str(p.actual), p.expected and str(p.expected), p.goal_met,
                                                           not p.ok, p.rule))
    return probes, rows


def by_server(runs: list[RunResult]) -> list[dict]:
    """One matrix per server under test (in the order the runs name them first): its runs,
    its probes and their cells. A server's variants side by side fit a 1024-pixel window
    with every outcome whole."""
    servers = list(dict.fromkeys(run.server for run in runs))
    out = []
    for server in servers:
        mine = [run for run in runs if run.server == server]
        probes, rows = matrix(mine)
        out.append({"server": server, "runs": mine, "probes": probes, "rows": rows})
    return out


def plan_text(probe: ProbeResult, language: str, plan: dict[str, scenario.Probe]) -> str:
    """What a probe does, in the language: from the probe plan (lab/model/probe_plan.yaml) when it
    still has the probe, else as the run recorded it."""
    planned = plan.get(probe.probe)
    return planned.text("what", language) if planned else probe.what


def findings(run: RunResult, language: str) -> list[tuple[str, str, str]]:
    """(probe, outcome, what it means) for each probe the goal says nothing about."""
    g = goals.note()
    out = []
    for p in run.probes:
        clause = g.clause(p.probe)
        if p.goal_met is None and clause is not None:
            out.append((p.probe, str(p.actual), clause.finding(p.actual, language)
                        or (clause.why_ja if language == "ja" else clause.why)))
    return out


def wanted_html(outcomes: tuple[Outcome, ...], language: str) -> Markup:
    """The outcomes a clause allows, as goal_view.wanted says them, each an identifier."""
    words = [str(o) for o in outcomes]
    if language == "ja":
        return page.idents(words, "、") + (" のいずれか" if len(words) > 1 else "")
    return page.ident(words[0]) if len(words) == 1 else page.idents(words[:-1]) + " or " + page.ident(words[-1])


def broken(run: RunResult, language: str) -> list[tuple[str, str, Markup, str]]:
    """(probe, outcome, the outcomes the goal wants, why) for each probe breaking the goal."""
    g = goals.note()
    out = []
    for p in run.probes:
        clause = g.clause(p.probe)
        if p.goal_met is False and clause is not None:
            out.append((p.probe, str(p.actual), wanted_html(clause.meets or (), language),
                        clause.why_ja if language == "ja" else clause.why))
    return out


def context(runs: list[RunResult], language: str | None = None) -> dict[str, Any]:
    """The template's teaching variables."""
    language = language or langs.current()
    g, plan = goals.note(), scenario.load_probes()
    return {
        "lang": language, "t": lambda key: langs.t(key, language), "goal_statement": g.text("statement", language),
        "matrices": by_server(runs), "outcomes": [(w, MEANING[language][w]) for w in WORDS],
        "what": lambda probe: plan_text(probe, language, plan), "steps": lambda n: langs.steps(n, language),
        "names": lambda value: lab_words.names(value, language), "says": lambda text: lab_words.says(text, language),
        "findings": lambda run: findings(run, language), "broken": lambda run: broken(run, language),
        "title": lambda run: (run.title_ja or run.title) if language == "ja" else run.title,
        "lesson": lambda run: prose.unfold((run.lesson_ja or run.lesson) if language == "ja" else run.lesson),
        "goal_mark": lambda goal_met: langs.goal_mark(goal_met, True, language),
    }


def render_sheets(variants: list[scenario.Scenario], topo: Topology, lab: str, language: str | None = None) -> str:
    """Printable prediction sheets: the all-variants matrices (one per server) with empty
    cells, then one page per variant - its configuration and its probes with a cell to write
    the prediction in. No titles, no expectations, no lessons."""
    from lab.views.teach_view import route

    language = language or langs.current()
    matrices = []
    for server in dict.fromkeys(v.server for v in variants):
        mine = [v for v in variants if v.server == server]
        matrices.append({"server": server, "variants": mine,
                         "probes": list(dict.fromkeys(p.id for v in mine for p in v.probes))})
    return page.environment().get_template("sheets.html.j2").render(
        variants=variants, matrices=matrices, lab=lab, lang=language, t=lambda key: langs.t(key, language),
        route=route, outcomes=[(w, MEANING[language][w]) for w in PREDICTABLE],
        what=lambda probe: probe.text("what", language), goal_statement=goals.note().text("statement", language),
        pages=page.pages("sheets.html", language), generated=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def write_sheets(s: Settings, topo: Topology) -> Path:
    """results/<lab>/sheets.html and, beside it, sheets.ja.html, from every scenario file (the
    ones that load); the path in the reader's language (LAB_LANG)."""
    good, _ = scenario.check_all(topo)
    if not good:
        raise LabError("scenarios/ has no variant that loads: no prediction sheets to print")
    variants = [v.rendered(topo) for v in good]
    english = results_dir(s) / "sheets.html"
    for language in langs.LANGUAGES:
        page.beside(english, language).write_text(render_sheets(variants, topo, s.name, language))
    return page.beside(english, langs.current())
