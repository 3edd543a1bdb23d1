"""Try your own: a main.cf fragment (or sendmail.mc lines) from the page, judged against the
note's goal exactly as `make try` judges it - the same checks, the whole probe plan, recorded
with the lab's tries (results/<lab>/tries/), each probe on the live journal as it finishes.

    POST /api/labs/<lab>/try[?server=sendmail]   body: the fragment (text, at most LINES lines)
        200 {run, goal_met, path, text}   the tried run's JSON with its goal verdict; `text`: as
                                          `make try` prints it
        400 a line that is not the server's syntax, an unknown {{host}}: one sentence
        422 {error, refused: true}        the server refused the configuration: its own words
        409 the lab runs something already; 413 a body over 64 KiB or more than LINES lines
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lab.actions import records
from lab.errors import ConfigRefused, LabError
from lab.model import topology
from lab.model.results import RunResult
from lab.model.scenario import Scenario
from lab.model.settings import Settings
from lab.model.verdict import Basis
from lab.runtime import engine
from lab.teach import tryout
from lab.views import teach_view
from lab.views.words import plain
from lab.web import pages, sheets
from lab.web.site import lab_asked

LINES = 200  # lines of a fragment
NAMES = {"postfix": "fragment.cf", "sendmail": "fragment.mc"}  # what errors call the page's fragment, by MTA


def fragment(raw: bytes) -> str:
    """The body as a fragment's text: UTF-8, something in it, at most LINES lines."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise HTTPException(400, "the fragment is not UTF-8 text") from None
    count = len(text.splitlines())
    if count > LINES:
        raise HTTPException(413, f"the fragment has {count} lines: at most {LINES} (a few main.cf lines are the idea)")
    if not text.strip():
        raise HTTPException(400, "the fragment is empty: write the main.cf lines (or sendmail.mc lines) to try")
    return text


def _try(s: Settings, own: Scenario) -> tuple[RunResult, Path]:
    """As `make try`: run every probe, judged against the goal, and record it with the tries."""
    from lab.verify import variant as verifying

    with engine.using(s.docker_host):
        try:
            run = verifying.run_variant(own, s, say=lambda *_: None, basis=Basis.GOAL,
                                        on_result=records.journal(s, Basis.GOAL))
        except Exception as exc:  # the page's watchers stop waiting for it, whatever ended it
            records.record_failure(s, own.id, str(exc) or type(exc).__name__, tried=True)
            raise
        return run, records.record_run(run, s, tried=True)


def shown(run: RunResult, lang: str) -> str:
    """The run as `make try` prints it, as plain text 100 columns wide."""
    return plain(teach_view.tried(run, Console(width=100), lang), width=100)


async def post(request: Request) -> Response:
    site, s = lab_asked(request, writing=True)
    server = site.server(s, request.query_params.get("server") or "postfix")
    text = fragment(await sheets.body(request))
    mta = topology.load(s).mta(server) or server
    try:
        own = tryout.from_text(text, Path(NAMES.get(mta, "fragment.cf")), server, topology.load(s))
    except LabError as exc:
        raise HTTPException(400, str(exc)) from None
    with request.app.state.runner.holding(s, f"a try of your {server} configuration"):
        try:
            run, path = await asyncio.to_thread(_try, s, own)
        except ConfigRefused as exc:
            return JSONResponse({"error": str(exc), "refused": True, "server": server}, status_code=422)
        except LabError as exc:  # e.g. a host of the lab not running
            raise HTTPException(409, str(exc).splitlines()[0]) from None
    return JSONResponse({"run": run.to_dict(), "goal_met": run.goal.met if run.goal else None,
                         "broken": run.goal.broken if run.goal else [],
                         "path": str(path.relative_to(s.root) if path.is_relative_to(s.root) else path),
                         "text": shown(run, pages.language(request))})
