"""Recording a run: the one writer of results/<lab>/. A variant's run becomes the lab's latest
result of that variant (JSON, with its Markdown beside it, and a copy in history/); a run of
one's own configuration (`try`) goes to tries/, apart from the variants and the report.

While a run goes, its live journal (results/<lab>/live.jsonl, lab.model.live) gets an event
per probe as it finishes (`journal`: the hook run_variant calls), then "done" when the run
is recorded, or "failed": whoever started the run, `make web` shows it as it happens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from lab.model import goal, live, results
from lab.model.results import ProbeResult, RunResult
from lab.model.settings import Settings
from lab.model.verdict import Basis, judge
from lab.views.run_table import markdown


def record_run(run: RunResult, settings: Settings, tried: bool = False) -> Path:
    """Save the run where its readers look for it and return the JSON document's path."""
    if tried:
        path = results.save_try(run, settings)
    else:
        path = results.save(run, settings)
        path.with_suffix(".md").write_text(markdown(run))
    live.append(live.path(results.results_dir(settings)),
                live.Event(live.EventKind.DONE, run.variant, tried=tried, ok=run.ok, goal=run.goal.met if run.goal else None))
    return path


def journal(settings: Settings, basis: Basis = Basis.EXPECTED) -> Callable[[str, ProbeResult], None]:
    """on_result for run_variant/run_all: each finished probe's row, judged alone (a goal
    clause met by another probe is decided when the run is), into the lab's live journal."""
    where = live.path(results.results_dir(settings))

    def finished(variant: str, p: ProbeResult) -> None:
        met = goal.note().met(p.probe, p.actual)
        kind = judge(p.expected, p.actual, p.warnings, met, basis).kind
        live.append(where, live.Event(live.EventKind.PROBE, variant, tried=basis == Basis.GOAL, probe=p.probe,
                                      expected=p.expected and str(p.expected), actual=str(p.actual), goal_met=met,
                                      verdict=kind, row=asdict(p)))
    return finished


def record_failure(settings: Settings, variant: str, why: str, tried: bool = False) -> None:
    """A run that stopped before it was recorded: its readers stop waiting for it."""
    live.append(live.path(results.results_dir(settings)),
                live.Event(live.EventKind.FAILED, variant, tried=tried, why=why.splitlines()[0] if why else "failed"))
