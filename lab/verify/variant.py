"""Running a variant: apply it to the server under test, run every probe from its vantage
point, find each message's fate, and record expected against actual as a RunResult."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from lab.verify import fate
from lab.runtime import hostexec
from lab.runtime import lifecycle
from lab.maillogs import reader as logs
from lab.model import results
from lab.model import scenario
from lab import servers
from lab.model import topology
from lab.model.outcomes import Outcome, classify
from lab.model.scenario import Probe, Scenario
from lab.servers.base import Server
from lab.model.settings import Settings, load

REMOTE_RECIPIENT = "carol@remote.example"
WRONG_PASSWORD = "not-the-password"


def ensure_running(settings: Settings, say=print) -> None:
    if not lifecycle.status(settings).running:
        say(f"lab {settings.name} is not running: starting it")
        lifecycle.up(settings, say)


def recipient(probe: Probe, server: Server) -> tuple[str, str | None]:
    """(address, local user or None) for a probe against this server."""
    if probe.to == "local":
        user = server.topo.users[0].name
        return f"{user}@{server.host.fqdn}", user
    return REMOTE_RECIPIENT, None


def run_probe(settings: Settings, server: Server, probe: Probe, expected: Outcome | None) -> results.ProbeResult:
    topo = server.topo
    client = topo.host(probe.client)
    target = topo.host(probe.via or server.kind)
    rcpt, user = recipient(probe, server)
    token = uuid.uuid4().hex[:16]
    # every host on the way whose log the lab can read, marked before the probe
    with ThreadPoolExecutor() as pool:
        marks = pool.map(lambda h: logs.mark(settings, h), dict.fromkeys([target.name, server.kind, "relay"]))
        hops = [m for m in marks if m]
    notes = server.before_probe(probe, client)
    started = time.monotonic()
    transcript = hostexec.probe(settings, client.name, **probe_options(probe, topo, target, rcpt, token))
    actual, where, code, stage, evidence = classify(transcript), None, transcript["code"], transcript["stage"], []
    if actual is None:
        found = fate.find(settings, server, token, user, hops)
        actual, where, evidence = found.outcome, found.where, list(found.evidence)
        if found.code is not None:
            code, stage = found.code, found.stage
    seen, rule, decided = read_decision(settings, hops, token, client, target, server.kind)
    said, kept = server.claims(token), server.records(token)
    evidence = notes + decided + [line for line in evidence + said + kept if line not in decided]
    warnings = []
    if seen and seen != client.address:
        warnings.append(f"{target.name} logged the client as {seen}, but {client.name}'s own address is "
                        f"{client.address}: something (NAT, a proxy) stands between them and the test would lie")
    return results.ProbeResult(
        probe=probe.id, what=probe.what, client=client.name, client_address=client.address,
        client_address_seen=seen, server=target.name, recipient=rcpt, token=token,
        expected=str(expected) if expected else "", actual=str(actual),
        ok=expected is not None and actual == expected and not warnings and actual != Outcome.LOST,
        code=code, stage=stage, rule=rule, fate=where, transcript=transcript["steps"],
        seconds=round(time.monotonic() - started, 2),
        reproduce=f"python -m lab probe {client.name} {probe.id}", evidence=evidence, warnings=warnings,
        claim=said[0] if said else None, records=kept,
    )


def probe_options(probe: Probe, topo, target, rcpt: str, token: str) -> dict:
    """lab-probe's flags for this probe."""
    options = {"server": target.fqdn, "recipient": rcpt, "token": token, "port": probe.port,
               "starttls": probe.starttls}
    if probe.auth:
        account = topo.user(probe.auth)
        options.update(user=account.name, password=WRONG_PASSWORD if probe.password == "wrong" else account.password)
    return options


def read_decision(settings, hops: list[logs.Mark], token: str, client, target, server_kind: str):
    """(client address as the first server logged it, the deciding rule, the log lines):
    the first server's view of the client, and the server under test's decision (for mail
    via the relay, what it made of the relay's delivery)."""
    seen, rule, evidence = None, None, []
    for hop in hops:
        if hop.host not in (target.name, server_kind):
            continue
        peer = client if hop.host == target.name else target
        facts = hop.reader().session(hop.lines(settings), token, peer.address)
        if facts is None:
            continue
        if hop.host == target.name:
            seen = facts.client_address
        if hop.host == server_kind or facts.rule:
            rule = facts.rule or rule
        evidence += [line for line in facts.evidence if line not in evidence]
    return seen, rule, evidence


def reset_helpers(settings: Settings, topo: topology.Topology) -> None:
    """The relay routes every lab domain to its own server again; queues and sink are emptied."""
    hostexec.run(settings, "relay", ["relay-routes", *topo.relay_routes.split()])
    for host in ("relay", "remote"):
        hostexec.run(settings, host, "postsuper -d ALL >/dev/null 2>&1; rm -rf /var/mail/sink/Maildir/new/* /var/mail/sink/Maildir/cur/*")


def run_variant(variant: str, settings: Settings | None = None, say=print, only: str | None = None) -> results.RunResult:
    settings = settings or load()
    topo = topology.load(settings)
    chosen: Scenario = scenario.find(variant, topo).rendered(topo)
    ensure_running(settings, say)
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    start = time.monotonic()
    server = servers.adapter(chosen.server, settings, topo)
    reset_helpers(settings, topo)
    config = server.apply(chosen)
    probe_results = [run_probe(settings, server, p, chosen.expect.get(p.id))
                     for p in chosen.probes if only is None or p.id == only]
    return results.RunResult(
        variant=chosen.id, title=chosen.title, server=chosen.server, started=started_at, config=config,
        versions=server.versions(), probes=probe_results, seconds=round(time.monotonic() - start, 1),
        lesson=chosen.lesson,
    )


def apply_variant(variant: str, settings: Settings | None = None, say=print) -> str:
    settings = settings or load()
    topo = topology.load(settings)
    chosen = scenario.find(variant, topo).rendered(topo)
    ensure_running(settings, say)
    reset_helpers(settings, topo)
    servers.adapter(chosen.server, settings, topo).apply(chosen)
    return chosen.id
