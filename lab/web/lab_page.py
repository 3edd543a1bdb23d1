"""A lab's API and its live matrix (every variant × every probe, as the lab's runs recorded
them, filled in as probes finish; the page that shows it is lab.web.student's), a variant
started from the page, a run's JSON.

    GET  /api/labs/<lab>                  {name, health: {host: state}, variant, server, last_run}
    POST /api/labs/<lab>/verify/<variant> 202, or 409 while the lab runs something started here
    GET  /api/labs/<lab>/events           SSE: probe, done, failed
    GET  /api/labs/<lab>/runs/<variant>   the run's JSON as results/<lab>/<variant>.json has it
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lab.model import live, results, scenario
from lab.model.results import RunResult
from lab.model.settings import Settings
from lab.web import cells, events, guard, labs
from lab.web.site import Site, lab_asked


def _lab(request: Request) -> Settings:
    return lab_asked(request)[1]


def _met(run: RunResult) -> bool | None:
    return run.goal.met if run.goal else None


def matrix(site: Site, s: Settings, lang: str) -> dict[str, Any]:
    """The lab's matrix: the probes in the plan's order, the variants in the workshop's, each
    run's cells, and what each variant runs (a cell a variant never runs stays empty)."""
    variants = site.variants()
    found = labs.runs(s, list(variants))
    plan = list(scenario.load_probes())
    probes = [p for p in plan if any(p in {q.id for q in v.probes} for v in variants.values())]
    return {
        "probes": probes,
        "variants": [{"id": v.id, "title": v.text("title", lang), "server": v.server,
                      "probes": [p.id for p in v.probes],
                      "run": None if v.id not in found else {
                          "ok": found[v.id].ok, "goal_met": _met(found[v.id]),
                          "started": found[v.id].started, "cells": cells.of_run(found[v.id])}}
                     for v in variants.values()],
    }


def state(request: Request) -> Response:
    s = _lab(request)
    site: Site = request.app.state.site
    health = request.app.state.health.get(s, fresh=request.query_params.get("fresh") == "1")  # ?fresh=1: after a run
    return JSONResponse({"name": s.name, "health": health.hosts, "variant": health.variant, "server": health.server,
                         "last_run": labs.last_run(labs.runs(s, list(site.variants()))),
                         "running": request.app.state.runner.busy.get(s.name)})


def verify(request: Request) -> Response:
    guard.same_origin(request)
    s = _lab(request)
    site: Site = request.app.state.site
    chosen = site.variant(request.path_params["variant"])
    request.app.state.runner.verify(s, chosen.id)
    return JSONResponse({"lab": s.name, "variant": chosen.id, "events": f"/api/labs/{s.name}/events"}, status_code=202)


def run(request: Request) -> Response:
    s = _lab(request)
    site: Site = request.app.state.site
    chosen = site.variant(request.path_params["variant"])
    path = results.results_dir(s) / f"{chosen.id}.json"
    try:
        return JSONResponse(json.loads(path.read_text()))
    except FileNotFoundError:
        raise HTTPException(404, f"lab {s.name} has no run of {chosen.id} yet") from None


async def stream(request: Request) -> Response:
    s = _lab(request)
    journal = live.path(results.results_dir(s))
    return events.stream(request, lambda: {s.name: journal})
