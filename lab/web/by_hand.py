"""Probe by hand: one probe from a client host of the lab - a probe of the plan, or one's own
sender, recipient and AUTH - as `lab probe` runs it: the SMTP dialogue, the outcome, where the
message went, the rule that decided, the grade against the active variant (or why none).

    POST /api/labs/<lab>/probe   {client, probe} or {client, from, to, auth, wrong_password}
                                 (+ optional server, trace)  ->  {row, lines, graded, variant, trace}
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lab.errors import LabError
from lab.model import scenario, topology
from lab.model.scenario import Probe
from lab.model.settings import Settings
from lab.runtime import engine
from lab.verify import by_hand
from lab.views.trace_view import trace_lines
from lab.web.site import lab_asked
from lab.web import sheets
from lab.web.site import NotFound


def clients(plan: dict[str, Probe]) -> list[str]:
    """The hosts probes run from (the plan's clients)."""
    return sorted({p.client for p in plan.values()})


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise HTTPException(400, f"{name!r} is missing: send {{client, probe}} or {{client, from, to, auth}}")
    return value.strip()


def _run(s: Settings, **options: Any) -> by_hand.ByHand:
    with engine.using(s.docker_host):
        return by_hand.run(s, **options)


async def post(request: Request) -> Response:
    site, s = lab_asked(request, writing=True)
    try:
        data = json.loads(await sheets.body(request))
    except ValueError:
        raise HTTPException(400, "the body is not JSON: {\"client\": \"outside\", \"probe\": \"direct-inbound\"}") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "the body is a JSON object: {\"client\": \"outside\", \"probe\": \"direct-inbound\"}")
    topo = topology.load(s)
    plan = scenario.load_probes(hosts=set(topo.hosts))
    client = site.host(s, _field(data, "client"))
    if client not in clients(plan):
        raise NotFound(f"{client} is not a client host: probes run from {', '.join(clients(plan))}")
    server = site.server(s, str(data["server"])) if data.get("server") else None
    sender = recipient = None
    if data.get("probe") is not None:
        if data["probe"] not in plan:
            raise NotFound(f"no probe {data['probe']!r} in the plan: it has {', '.join(plan)}")
        probe = plan[data["probe"]]
    else:
        sender, recipient = _field(data, "from"), _field(data, "to")
        auth = data.get("auth") or None
        if auth is not None and (not isinstance(auth, str) or auth not in {u.name for u in topo.users}):
            raise NotFound(f"no user {auth!r} in lab {s.name}: its users are {', '.join(u.name for u in topo.users)}")
        try:
            probe = by_hand.own_probe(client, sender, recipient, auth, bool(data.get("wrong_password")), topo)
        except LabError as exc:
            raise HTTPException(400, str(exc)) from None
    trace = bool(data.get("trace"))
    with request.app.state.runner.holding(s, f"a probe by hand from {client}"):
        try:
            done = await asyncio.to_thread(_run, s, client=client, probe=probe, server=server, trace=trace,
                                           sender=sender, recipient=recipient)
        except LabError as exc:  # e.g. a host of the lab not running
            raise HTTPException(409, str(exc).splitlines()[0]) from None
    return JSONResponse({"row": json.loads(json.dumps(asdict(done.result), default=str)), "lines": done.lines(),
                         "graded": done.graded, "variant": done.variant,
                         "trace": trace_lines(done.result) if trace else None})
