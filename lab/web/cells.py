"""A matrix cell as every page draws it, from a recorded row or from a live event: its outcome,
its colour by the note's goal (met, broken, outside it) and its marks (✓ ✗ · for the goal,
≠ where the row is not right). The pages' script only places what this module decided, so
a cell looks the same whether it came with the page or with an event."""

from __future__ import annotations

from typing import Any

from lab.model.live import Event
from lab.model.results import ProbeResult, RunResult
from lab.model.verdict import Kind


def cell(probe: str, actual: str, expected: str | None, goal_met: bool | None, verdict: Kind | None) -> dict[str, Any]:
    goal = "goal-met" if goal_met else "goal-broken" if goal_met is False else "goal-outside"
    ok = verdict is not None and verdict.ok
    return {"probe": probe, "actual": actual, "expected": expected, "goal_met": goal_met,
            "verdict": str(verdict) if verdict else None, "ok": ok,
            "css": goal + ("" if ok else " differs"), "mark": "✓" if goal_met else "✗" if goal_met is False else "·"}


def of_row(p: ProbeResult) -> dict[str, Any]:
    return cell(p.probe, str(p.actual), p.expected and str(p.expected), p.goal_met, p.verdict)


def of_event(e: Event) -> dict[str, Any]:
    return cell(e.probe or "", e.actual or "", e.expected, e.goal_met, e.verdict)


def of_run(run: RunResult) -> dict[str, dict[str, Any]]:
    return {p.probe: of_row(p) for p in run.probes}
