"""Server-Sent Events: the labs' live journals (lab.model.live) followed as they grow, each new
event sent to the page as it is read. Whoever started the run - this server, `make verify`
in a terminal, `make class-verify` - the journal is the same file, so the page is the same.
The files are looked at every POLL seconds (their size: cheap, and the same on any system)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

from lab.model import live
from lab.model.results import RunResult
from lab.web import cells

POLL = 0.1  # seconds between two looks at the journals
KEEPALIVE = 15.0  # seconds of silence before a comment line keeps proxies from closing the stream


def message(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def payload(lab: str, e: live.Event, folder: Path) -> dict[str, Any]:
    """An event as the page gets it: the issue's fields, the cell as the pages draw it, the row
    (a run's end: every cell as the run decided it, from its JSON in `folder`)."""
    data: dict[str, Any] = {"lab": lab, "variant": e.variant, "at": e.at, "tried": e.tried}
    if e.kind == live.EventKind.PROBE:
        data.update(probe=e.probe, expected=e.expected, actual=e.actual, goal_met=e.goal_met,
                    verdict=str(e.verdict) if e.verdict else None, cell=cells.of_event(e), row=e.row)
    elif e.kind == live.EventKind.DONE:
        data.update(ok=e.ok, goal_met=e.goal)
        run = None if e.tried else recorded(folder, e.variant)
        if run is not None:
            data.update(cells=cells.of_run(run), broken=run.goal.broken if run.goal else [])
    else:
        data.update(why=e.why)
    return data


def recorded(folder: Path, variant: str) -> RunResult | None:
    try:
        return RunResult.from_dict(json.loads((folder / f"{variant}.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def follow(request: Request, journals: Callable[[], dict[str, Path]],
                 extra: Callable[[], list[str]] | None = None) -> AsyncIterator[str]:
    """Every new event of the journals (lab -> its file; asked again as labs come and go), and
    whatever `extra` has to say at each look (the class page: its run's progress), until the
    page goes away or the server stops."""
    followers: dict[str, live.Follower] = {}
    quiet = time.monotonic()
    yield ": following\n\n"  # the page knows at once that it is connected
    while not request.app.state.stopping.is_set():
        sent = []
        for lab, path in journals().items():
            follower = followers.setdefault(lab, live.Follower(path))
            sent += [message(str(e.kind), payload(lab, e, path.parent)) for e in follower.new()]
        sent += extra() if extra else []
        if sent:
            yield "".join(sent)
            quiet = time.monotonic()
        elif time.monotonic() - quiet > KEEPALIVE:
            yield ": still here\n\n"
            quiet = time.monotonic()
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL)


def stream(request: Request, journals: Callable[[], dict[str, Path]],
           extra: Callable[[], list[str]] | None = None, on_close: Callable[[], None] | None = None) -> StreamingResponse:
    """The events as a response; on_close() when the page has gone (or the server stops)."""
    async def sending() -> AsyncIterator[str]:
        try:
            async for chunk in follow(request, journals, extra):
                yield chunk
        finally:
            if on_close:
                on_close()

    return StreamingResponse(sending(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
