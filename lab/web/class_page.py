"""The instructor's class page and its API: one row per lab - health (measured in the
background while the page is open), the variant applied last, the last run and its result,
the last grade per variant, a link to the lab's own page - bad news first; a button that runs
a variant in every lab (as `make class-verify`), with progress.

    GET  /class                        the page (instructor)
    GET  /api/class                    the rows as JSON
    POST /api/class/verify/<variant>   202, or 409 while a lab of the class runs something
    GET  /api/class/events             SSE: every lab's probe/done/failed, "health", "class" (the run's progress)
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lab.model import live, results
from lab.teach.runs import ago
from lab.web import events, guard, labs, pages
from lab.web.site import Site

SWEEP_PAUSE = 10.0  # seconds between two rounds of health checks while a class page is open


def row(request: Request, name: str) -> dict[str, Any]:
    site: Site = request.app.state.site
    s = site.labs()[name]
    variants = list(site.variants())
    health: labs.Health | None = request.app.state.health.known(name)
    last = labs.last_run(labs.runs(s, variants))
    if last:
        last["ago"] = ago(last["started"], lang=pages.language(request))
    bad = (health is not None and not health.healthy) or (last is not None and not last["ok"])
    return {"name": name, "health": health.hosts if health else None, "healthy": health.healthy if health else None,
            "variant": health.variant if health else None, "last_run": last,
            "grades": labs.grades(s, variants), "running": request.app.state.runner.busy.get(name), "bad": bad}


def rows(request: Request) -> list[dict[str, Any]]:
    """Bad news first (unhealthy, mismatched), then by name."""
    site: Site = request.app.state.site
    found = [row(request, name) for name in site.labs()]
    return sorted(found, key=lambda r: (not r["bad"], r["name"]))


def page(request: Request) -> Response:
    redirect = pages.cookie_redirect(request)
    if redirect:
        guard.access(request)
        return redirect
    guard.instructor(request)
    site: Site = request.app.state.site
    job = request.app.state.runner.job
    return pages.render(request, "class.html.j2", cls=site.cls, rows=rows(request), variants=site.variants(),
                        job=job.to_dict() if job else None, lang_name=pages.language(request))


def api(request: Request) -> Response:
    guard.instructor(request)
    job = request.app.state.runner.job
    return JSONResponse({"class": request.app.state.site.cls, "labs": rows(request),
                         "run": job.to_dict() if job else None})


def verify(request: Request) -> Response:
    guard.same_origin(request)
    guard.instructor(request)
    site: Site = request.app.state.site
    chosen = site.variant(request.path_params["variant"])
    job = request.app.state.runner.verify_class(site.cls, site.labs(fresh=True), chosen.id)
    return JSONResponse(job.to_dict(), status_code=202)


def watch_health(app: Starlette) -> None:
    """While a class page is open, measure every lab's health, one lab at a time."""
    state = app.state
    with state.watch_lock:
        state.watchers += 1
        if state.watchers > 1:
            return

    def sweep() -> None:
        while state.watchers > 0 and not state.stopping.is_set():
            for s in list(state.site.labs().values()):
                if state.watchers == 0 or state.stopping.is_set():
                    return
                state.health.get(s, fresh=True)
            state.stopping.wait(SWEEP_PAUSE)

    threading.Thread(target=sweep, daemon=True, name="web-health").start()


def unwatch_health(app: Starlette) -> None:
    with app.state.watch_lock:
        app.state.watchers -= 1


async def stream(request: Request) -> Response:
    guard.instructor(request)
    site: Site = request.app.state.site
    runner = request.app.state.runner
    sent_health: dict[str, float] = {}
    sent_job = [-1]

    def journals() -> dict[str, Any]:
        return {name: live.path(results.results_dir(s)) for name, s in site.labs().items()}

    def extra() -> list[str]:
        out = []
        for name in site.labs():
            h = request.app.state.health.known(name)
            if h and sent_health.get(name) != h.measured:
                sent_health[name] = h.measured
                out.append(events.message("health", {"lab": name, "hosts": h.hosts, "healthy": h.healthy,
                                                     "variant": h.variant, "measured": h.measured}))
        if runner.job and runner.changes != sent_job[0]:
            sent_job[0] = runner.changes
            out.append(events.message("class", runner.job.to_dict()))
        return out

    watch_health(request.app)
    return events.stream(request, journals, extra, on_close=lambda: unwatch_health(request.app))
