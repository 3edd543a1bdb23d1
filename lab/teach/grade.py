"""Grading a prediction sheet against a real run: N/M, and for each wrong cell the real
outcome, the server's reply, the rule that decided and the lesson's sentence about it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lab.model.outcomes import Outcome
from lab.model.results import ProbeResult, RunResult
from lab.model.scenario import Scenario
from lab.teach import lessons
from lab.teach.runs import Source

_SAID = re.compile(r"said: (.*?)(?: \(in reply to [^)]*\))?\)?$")


@dataclass(frozen=True)
class Cell:
    probe: str
    predicted: Outcome | None  # None: left empty
    actual: Outcome
    reply: str  # what the server answered, in one line
    rule: str | None  # the restriction that decided
    lesson: str | None  # the lesson's sentence about this probe
    goal_met: bool | None = None

    @property
    def right(self) -> bool:
        return self.predicted == self.actual


@dataclass
class Grade:
    variant: str
    sheet: Path
    source: Source
    cells: list[Cell] = field(default_factory=list)
    graded: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def score(self) -> int:
        return sum(c.right for c in self.cells)

    @property
    def total(self) -> int:
        return len(self.cells)

    @property
    def wrong(self) -> list[str]:
        return [c.probe for c in self.cells if not c.right]

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "sheet": str(self.sheet), "score": self.score, "total": self.total,
                "wrong": self.wrong, "graded": self.graded,
                "run": {"path": str(self.source.path), "started": self.source.started, "fresh": self.source.fresh},
                "cells": [{"probe": c.probe, "predicted": c.predicted and str(c.predicted), "actual": str(c.actual),
                           "right": c.right} for c in self.cells]}


def reply(p: ProbeResult) -> str:
    """The server's answer that decided the row: the SMTP reply at that stage, or the next
    hop's words for mail the relay could not deliver."""
    last = p.transcript[-1] if p.transcript else {}
    if last.get("stage") == p.stage and last.get("code") == p.code:
        return f"{p.code} {last.get('reply', '')}".strip() + f" (at {p.stage})"
    for line in reversed(p.evidence):
        said = _SAID.search(line)
        if said:
            return f"{said[1]} (at {p.stage})"
    return f"{p.code or '-'} at {p.stage}"


def grade(s: Scenario, predicted: dict[str, Outcome | None], run: RunResult, source: Source, sheet: Path,
          lang: str = "en") -> Grade:
    """Every probe of the variant that the run has, in the variant's order."""
    by_probe = {p.probe: p for p in run.probes}
    lesson = s.text("lesson", lang)
    cells = [Cell(probe=p.id, predicted=predicted.get(p.id), actual=by_probe[p.id].actual, reply=reply(by_probe[p.id]),
                  rule=by_probe[p.id].rule, lesson=lessons.sentence(lesson, p.id, lang), goal_met=by_probe[p.id].goal_met)
             for p in s.probes if p.id in by_probe]
    return Grade(variant=s.id, sheet=sheet, source=source, cells=cells)


def save(g: Grade) -> Path:
    """The grade as JSON beside the sheet: <sheet>.grade.json."""
    path = g.sheet.with_name(g.sheet.name.rsplit(".", 1)[0] + ".grade.json")
    path.write_text(json.dumps(g.to_dict(), indent=1, ensure_ascii=False) + "\n")
    return path
