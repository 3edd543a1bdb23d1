"""Running a variant: apply it to the server under test, run every probe from its vantage
point, find each message's fate, and record expected against actual as a RunResult."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

from lab import servers
from lab.model import goal, results, scenario, topology
from lab.model.scenario import Scenario
from lab.model.settings import Settings, load
from lab.runtime import hostexec, lifecycle, subnets
from lab.verify.probe_run import run_probe, trace_peers


def ensure_running(settings: Settings, say=print) -> Settings:
    """Every host up and healthy, healed if need be - except that a server under test which
    runs but does not serve is left to apply(), which restarts it (its last variant broke it).
    Returns the settings as the lab runs (a lab started here gets its subnets now)."""
    topo = topology.load(settings)
    status = lifecycle.status(settings)
    fine = [h for h in status.hosts
            if h.health == "healthy" or (h.name in topo.under_test and h.state == "running")]
    if len(fine) == len(topo.hosts):
        return status.settings
    say(f"lab {settings.name} is " + ("not all healthy: healing it" if status.hosts else "not running: starting it"))
    return lifecycle.up(settings, say).settings


def reset_helpers(settings: Settings, topo: topology.Topology) -> None:
    """The relay routes every lab domain to its own server again; queues and sink are emptied."""
    hostexec.run(settings, topo.relay.name, ["relay-routes", *topo.relay_routes.split()])
    hostexec.run(settings, topo.relay.name, "postsuper -d ALL >/dev/null 2>&1")
    sink = topo.sink
    hostexec.run(settings, sink.host, f"postsuper -d ALL >/dev/null 2>&1; rm -rf {sink.maildir}/new/* {sink.maildir}/cur/*")


def run_variant(variant: str | Scenario, settings: Settings | None = None, say=print, only: str | None = None,
                on_probe: Callable[[str, int, int], None] | None = None, trace: bool = True) -> results.RunResult:
    """`variant`: an id, a scenario file's path, or a Scenario already loaded (e.g. a student's
    own configuration, `lab try`). on_probe(probe id, index, how many) is called as each probe
    starts (a progress display); trace: record every probe's restriction trace (False: the
    servers stay quiet; each probe's trace_note says so)."""
    settings = subnets.resolve(settings or load())
    if not isinstance(variant, Scenario):  # a bad variant is named before anything starts
        scenario.find(variant, topology.load(settings))
    settings = ensure_running(settings, say)  # a lab started now has its subnets from now on
    topo = topology.load(settings)
    chosen: Scenario = (variant if isinstance(variant, Scenario) else scenario.find(variant, topo)).rendered(topo)
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    start = time.monotonic()
    server = servers.adapter(chosen.server, settings, topo)
    reset_helpers(settings, topo)
    probes = [p for p in chosen.probes if only is None or p.id == only]
    # every probe's restriction trace: the server traces the probe clients from the apply on
    config = server.apply(chosen, trace=trace_peers(topo, probes) if trace else ())
    probe_results = []
    try:
        for index, p in enumerate(probes):
            if on_probe:
                on_probe(p.id, index, len(probes))
            probe_results.append(run_probe(settings, server, p, chosen.expect.get(p.id)))
    finally:
        server.trace_off()
    run = results.RunResult(
        variant=chosen.id, title=chosen.title, server=chosen.server, lab=results.lab_of(settings),
        started=started_at, config=config,
        versions=server.versions(), probes=probe_results, seconds=round(time.monotonic() - start, 1),
        lesson=chosen.lesson, title_ja=chosen.title_ja, lesson_ja=chosen.lesson_ja,
    )
    goal.judge_run(run)  # the other question: does it meet the note's goal (lab/goal.yaml)?
    return run


def apply_variant(variant: str, settings: Settings | None = None, say=print) -> str:
    settings = subnets.resolve(settings or load())
    scenario.find(variant, topology.load(settings))
    settings = ensure_running(settings, say)
    topo = topology.load(settings)
    chosen = scenario.find(variant, topo).rendered(topo)
    reset_helpers(settings, topo)
    servers.adapter(chosen.server, settings, topo).apply(chosen)
    return chosen.id
