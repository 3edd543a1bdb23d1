"""The web application: routes only (each kind of page in its own module, as datasette's
views). Errors become one sentence each: 401/403 (lab.web.guard), 404 for a name that names
nothing here (lab.web.site.NotFound), 409 for a lab busy with a run (lab.web.runs.Busy)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from lab.web import by_hand, class_page, diffs, guard, lab_page, pages, predictions, projector, sheets, student, terminal
from lab.web import tryouts, vendor
from lab.web.labs import HealthCache
from lab.web.runs import Busy, Runner
from lab.web.site import NotFound, Site
from lab.web.terminal import Terminals
from lab.web.tokens import Kept

STATIC = Path(__file__).with_name("static")


def home(request: Request) -> Response:
    redirect = pages.cookie_redirect(request)
    if redirect:
        guard.access(request)
        return redirect
    who = guard.access(request)
    return RedirectResponse("/class" if who.instructor else f"/lab/{who.lab}", status_code=303)


class GuardedStatic(StaticFiles):
    """The pages' script and style, for a request with a token only (like everything here)."""
    async def get_response(self, path: str, scope: dict) -> Response:  # type: ignore[override]
        guard.access(Request(scope))
        return await super().get_response(path, scope)


ROUTES = [
    Route("/", home),
    Route("/lab/{lab}", student.page),
    Route("/projector/{lab}/{variant}", projector.page),
    Route("/class", class_page.page),
    Route("/class/predictions/{variant}", predictions.page),
    Route("/api/labs/{lab}", lab_page.state),
    Route("/api/labs/{lab}/verify/{variant}", lab_page.verify, methods=["POST"]),
    Route("/api/labs/{lab}/events", lab_page.stream),
    Route("/api/labs/{lab}/runs/{variant}", lab_page.run),
    Route("/api/labs/{lab}/sheets/{variant}", sheets.put, methods=["PUT"]),
    Route("/api/labs/{lab}/diff/{a}/{b}", diffs.get),
    Route("/api/labs/{lab}/try", tryouts.post, methods=["POST"]),
    Route("/api/labs/{lab}/probe", by_hand.post, methods=["POST"]),
    WebSocketRoute("/api/labs/{lab}/terminal/{host}", terminal.connect),
    WebSocketRoute("/api/labs/{lab}/terminal/{rest:path}", terminal.nowhere),
    Route("/api/class", class_page.api),
    Route("/api/class/verify/{variant}", class_page.verify, methods=["POST"]),
    Route("/api/class/events", class_page.stream),
    Route("/api/class/predictions/{variant}", predictions.api),
    Route("/vendor/{name}", vendor.get),
    Mount("/static", GuardedStatic(directory=STATIC), name="static"),
]


def _status(code: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    """An exception handler answering `code` with the exception's one sentence."""
    async def handler(request: Request, exc: Exception) -> Response:
        return pages.error(request, HTTPException(code, str(exc)))
    return handler


def create(site: Site, root: Path) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        app.state.stopping.set()

    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers={
        HTTPException: pages.error, NotFound: _status(404), Busy: _status(409), Exception: pages.error})
    app.state.site = site
    app.state.tokens = Kept(root)
    app.state.runner = Runner()
    app.state.terminals = Terminals()
    app.state.health = HealthCache()
    app.state.stopping = threading.Event()
    app.state.watchers = 0
    app.state.watch_lock = threading.Lock()
    return app
