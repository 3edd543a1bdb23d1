"""Running a variant: apply it to the server under test, run every probe from its vantage
point, find each message's fate, and record expected against actual as a RunResult."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

from lab import interrupt, servers
from lab.model import results, scenario, topology, verdict
from lab.model.scenario import Probe, Scenario
from lab.model.settings import Settings
from lab.model.verdict import Basis
from lab.runtime import hostexec, lifecycle, subnets
from lab.verify import audit as audits
from lab.verify.probe_run import run_probe, trace_peers

OnResult = Callable[[str, results.ProbeResult], None]  # (variant id, its probe's row) as each probe finishes

NEXT_RUN = "the next verify or apply starts from the baseline again"


def on_stop(settings: Settings, server: str, variant: str, applied: str | None) -> None:
    """What Ctrl-C's line says of a server under test that `variant` is going on: not yet
    (None), "half applied" or "applied"."""
    key = f"{settings.name}: {server}"
    if applied is None:
        interrupt.leaves(key, f"{server} as it was ({variant} not applied yet)")
    else:
        interrupt.leaves(key, f"{server} has {variant} {applied}", then=NEXT_RUN)


def ensure_running(settings: Settings, say: Callable[[str], None] = print) -> Settings:
    """Every host up and healthy, healed if need be - except that a server under test which
    runs but does not serve is left to apply(), which restarts it (its last variant broke it).
    Returns the settings as the lab runs (a lab started here gets its subnets now)."""
    topo = topology.load(settings)
    status = lifecycle.status(settings)
    fine = [h for h in status.hosts
            if h.health == lifecycle.Health.HEALTHY or (h.name in topo.under_test and h.state == lifecycle.ContainerState.RUNNING)]
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


def lanes(probes: list[Probe]) -> list[list[Probe]]:
    """The probes split into lanes that can run side by side: one lane per host the server
    under test sees the probe come from (the client, or the relay for mail through it).
    Within a lane probes run in turn, so each log window holds one session from that
    address and the lab never reads another probe's session; POP-before-SMTP probes change
    what the server allows that address, and they are in its lane too. Plan order is kept."""
    by_source: dict[str, list[Probe]] = {}
    for probe in probes:
        by_source.setdefault(probe.via or probe.client, []).append(probe)
    return list(by_source.values())


def run_variant(variant: str | Scenario, settings: Settings | None = None, say: Callable[[str], None] = print,
                only: str | None = None,
                on_probe: Callable[[str, int, int], None] | None = None, trace: bool = True,
                reset: bool = True, ensured: bool = False, basis: Basis = Basis.EXPECTED,
                audit: bool = False, on_result: OnResult | None = None) -> results.RunResult:
    """`variant`: an id, a scenario file's path, or a Scenario already loaded (e.g. a student's
    own configuration, `lab try`). on_probe(probe id, index, how many) is called as each probe
    starts (a progress display); trace: record every probe's restriction trace (False: the
    servers stay quiet; each probe's trace_note says so); reset: empty the relay's queue and
    the sink first (False when another variant runs at the same time: see run_all); ensured:
    the caller has just made sure the lab runs and is healthy (run_all, once for all); basis:
    what the rows are judged against (one's own configuration: the goal; lab.model.verdict); audit:
    nmap's smtp-open-relay too, once the probes are done, judged against this run's rows;
    on_result(variant id, row) as each probe finishes, before the run is decided (a live view:
    lab.actions.records.journal)."""
    settings = subnets.resolve(settings) if settings else subnets.current()
    if not isinstance(variant, Scenario):  # a bad variant is named before anything starts
        scenario.find(variant, topology.load(settings))
    if not ensured:
        settings = ensure_running(settings, say)  # a lab started now has its subnets from now on
    topo = topology.load(settings)
    chosen: Scenario = (variant if isinstance(variant, Scenario) else scenario.find(variant, topo)).rendered(topo)
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    start = time.monotonic()
    server = servers.adapter(chosen.server, settings, topo)
    this_run = f"{settings.name}: run of {chosen.id}"  # what Ctrl-C's line names
    interrupt.under_way(this_run, f"the run of {chosen.id} (starting; not saved)")
    on_stop(settings, server.name, chosen.id, None)
    if reset:
        reset_helpers(settings, topo)
    probes = [p for p in chosen.probes if only is None or p.id == only]
    interrupt.under_way(this_run, f"the run of {chosen.id} (applying; not saved)")
    on_stop(settings, server.name, chosen.id, "half applied")
    # every probe's restriction trace: the server traces the probe clients from the apply on
    config = server.apply(chosen, trace=trace_peers(topo, probes) if trace else ())
    on_stop(settings, server.name, chosen.id, "applied")
    done: dict[str, results.ProbeResult] = {}
    started_probes = iter(range(len(probes)))

    def run_lane(lane: list[Probe]) -> None:
        for p in lane:
            interrupt.under_way(this_run, f"the run of {chosen.id} ({len(done)} of {len(probes)} probes done; "
                                          "not saved)")
            if on_probe:
                on_probe(p.id, next(started_probes), len(probes))
            done[p.id] = run_probe(settings, server, p, chosen.expect.get(p.id))
            if on_result:
                on_result(chosen.id, done[p.id])

    try:
        with interrupt.pool(4) as pool:
            list(pool.map(run_lane, lanes(probes)))  # list(): a lane's error is raised here
    finally:
        server.trace_off()
    probe_results = [done[p.id] for p in probes]
    run = results.RunResult(
        variant=chosen.id, title=chosen.title, server=chosen.server, lab=results.lab_of(settings),
        started=started_at, config=config,
        versions=server.versions(), probes=probe_results, seconds=round(time.monotonic() - start, 1),
        lesson=chosen.lesson, title_ja=chosen.title_ja, lesson_ja=chosen.lesson_ja,
    )
    verdict.decide(run, basis)  # every row, and the other question: the note's goal
    if audit:  # a second opinion: lab.verify.audit
        run.audit = audits.audit(settings, server, audits.rows_of(run, topo), "this run").to_dict()
    interrupt.under_way(this_run, None)
    return run


def apply_variant(variant: str, settings: Settings | None = None, say: Callable[[str], None] = print) -> str:
    settings = subnets.resolve(settings) if settings else subnets.current()
    scenario.find(variant, topology.load(settings))
    settings = ensure_running(settings, say)
    topo = topology.load(settings)
    chosen = scenario.find(variant, topo).rendered(topo)
    on_stop(settings, chosen.server, chosen.id, None)
    reset_helpers(settings, topo)
    on_stop(settings, chosen.server, chosen.id, "half applied")
    servers.adapter(chosen.server, settings, topo).apply(chosen)
    on_stop(settings, chosen.server, chosen.id, "applied")
    return chosen.id


def run_all(variants: list[str], settings: Settings, say: Callable[[str], None] = print,
            on_probe_for: Callable[[str], Callable[[str, int, int], None] | None] | None = None,
            on_done: Callable[[results.RunResult], None] | None = None,
            server_of: dict[str, str] | None = None, audit: bool = False,
            on_result: OnResult | None = None) -> list[results.RunResult]:
    """Several variants: one stream per server under test, side by side (they are different
    servers; the relay and the sink are shared, so they are reset once, before both start,
    and every message is told apart by its token). Within a stream, variants run in turn.
    on_probe_for(variant) gives run_variant's on_probe; on_done(run) is called as each ends;
    server_of: each variant's server, when the caller has loaded them already; on_result: as
    run_variant's, for every variant.
    Returns the runs in the order given."""
    settings = ensure_running(subnets.resolve(settings), say)
    topo = topology.load(settings)
    streams: dict[str, list[str]] = {}
    for variant in variants:
        server = (server_of or {}).get(variant) or scenario.find(variant, topo).server
        streams.setdefault(server, []).append(variant)
    reset_helpers(settings, topo)
    finished: dict[str, results.RunResult] = {}

    def stream(names: list[str]) -> None:
        for name in names:
            run = run_variant(name, settings, say, on_probe=on_probe_for(name) if on_probe_for else None, reset=False,
                              ensured=True, audit=audit, on_result=on_result)
            finished[name] = run
            if on_done:
                on_done(run)

    with interrupt.pool(len(streams) or 1) as pool:
        list(pool.map(stream, streams.values()))
    return [finished[v] for v in variants]
