"""What the class predicted, `/class/predictions/<variant>`: for each probe, how many students
predicted each outcome (every lab's sheet, written by `make predict` or by the page), beside
what the server did, the goal's verdict and the share of the class that got it right - the
probes the class got most wrong first. `?hide=1` shows only the split (before the run).

    GET /api/class/predictions/<variant>  {probes: {probe: {outcome: count}}, actual: {probe: outcome},
                                           students: N, ...}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lab.errors import LabError
from lab.model import goal, results, sheet
from lab.model.outcomes import Outcome
from lab.model.scenario import Scenario
from lab.model.settings import Settings
from lab.web import guard, labs, pages
from lab.web.site import Site


@dataclass
class Split:
    """The class's predictions of one variant against what its server did."""
    variant: str
    probes: dict[str, Counter[str]]  # probe -> outcome -> how many students predicted it
    actual: dict[str, str]  # probe -> what the server did (the labs' latest runs; else the variant's file)
    measured: bool  # `actual` comes from runs (False: from the file's expectations: nothing ran yet)
    students: int  # sheets with at least one prediction
    unreadable: list[str] = field(default_factory=list)  # labs whose sheet does not read (their one line)

    def right(self, probe: str) -> float | None:
        """The share of the students who predicted this probe right (None: nobody predicted it)."""
        said = sum(self.probes[probe].values())
        return self.probes[probe][self.actual[probe]] / said if said and probe in self.actual else None

    def goal_met(self, probe: str) -> bool | None:
        return goal.note().met(probe, Outcome(self.actual[probe]), {k: Outcome(v) for k, v in self.actual.items()})

    def worst_first(self) -> list[str]:
        return sorted(self.probes, key=lambda p: (self.right(p) if self.right(p) is not None else 2.0,
                                                  list(self.probes).index(p)))

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "probes": {p: dict(c) for p, c in self.probes.items()}, "actual": self.actual,
                "measured": self.measured, "students": self.students, "unreadable": self.unreadable,
                "right": {p: self.right(p) for p in self.probes}, "goal_met": {p: self.goal_met(p) for p in self.actual},
                "order": self.worst_first()}


def split(chosen: Scenario, class_labs: dict[str, Settings]) -> Split:
    probes: dict[str, Counter[str]] = {p.id: Counter() for p in chosen.probes}
    seen: dict[str, Counter[str]] = {p.id: Counter() for p in chosen.probes}
    students, unreadable = 0, []
    for name, s in sorted(class_labs.items()):
        path = sheet.path_for(results.results_dir(s), chosen.id)
        if path.exists():
            try:
                predicted = sheet.read(path, chosen)
            except LabError as exc:
                unreadable.append(f"{name}: {exc}")
                predicted = {}
            said = {p: o for p, o in predicted.items() if o is not None}
            students += bool(said)
            for probe, outcome in said.items():
                probes[probe][str(outcome)] += 1
        found = labs.run(s, chosen.id)
        for p in found.probes if found else []:
            if p.probe in seen:
                seen[p.probe][str(p.actual)] += 1
    measured = all(seen.values())
    actual = ({p: c.most_common(1)[0][0] for p, c in seen.items()} if measured
              else {p.id: str(chosen.expect[p.id]) for p in chosen.probes})
    return Split(chosen.id, probes, actual, measured, students, unreadable)


def _split(request: Request) -> Split:
    guard.instructor(request)
    site: Site = request.app.state.site
    return split(site.variant(request.path_params["variant"]), site.labs())


def api(request: Request) -> Response:
    return JSONResponse(_split(request).to_dict())


def page(request: Request) -> Response:
    redirect = pages.cookie_redirect(request)
    if redirect:
        guard.access(request)
        return redirect
    found = _split(request)
    site: Site = request.app.state.site
    chosen = site.variant(found.variant)
    lang = pages.language(request)
    return pages.render(request, "predictions.html.j2", split=found, variant=chosen,
                        title=chosen.text("title", lang), hide=request.query_params.get("hide") == "1",
                        outcomes=list(sheet.PREDICTABLE), variants=list(site.variants()))
