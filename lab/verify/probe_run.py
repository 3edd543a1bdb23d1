"""One probe, end to end: mark the logs, prepare the server (e.g. a POP3 login), run the
probe in its client, gather the evidence in one pass (lab.verify.evidence), and record what
it shows as the probe's row. The row's verdict is not decided here: lab.model.verdict
decides every row of a run at once (lab.verify.variant), or this one row by hand.

`run_probe` only wires these steps; each step is a function the unit tests can replace."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lab.model import results
from lab.model.outcomes import Outcome, Stage, classify
from lab.model.scenario import WRONG_PASSWORD, Probe
from lab.model.settings import Settings
from lab.model.topology import Host, Topology
from lab.runtime import hostexec
from lab.servers.base import Server
from lab.verify import evidence as gathering
from lab.verify import marks
from lab.verify.fate import GOT_THROUGH


# "decided by" for a message that got through while the server's log names no rule (Sendmail
# names none; Postfix logs permits only when a restriction permits): nothing stopped it
NO_OBJECTION = "no restriction objected"


def deciding_rule(rule: str | None, actual: Outcome) -> str | None:
    """The rule a row shows: the one the log names, else what let an accepted message pass."""
    if rule is None and actual in GOT_THROUGH:
        return NO_OBJECTION
    return rule


@dataclass(frozen=True)
class Target:
    """Where a probe goes: the host the client talks to, the recipient, the local user or None."""
    host: Host
    recipient: str
    user: str | None


def target(probe: Probe, server: Server, recipient: str | None = None) -> Target:
    """Where the probe goes; `recipient`: one's own address instead of the plan's (its local
    user, when it is one of the server's own addresses)."""
    topo = server.topo
    host = topo.host(probe.via or server.name)
    if recipient is not None:
        local, _, domain = recipient.rpartition("@")
        return Target(host, recipient, local if domain.lower() == server.host.fqdn.lower() and local else None)
    if probe.to == "local":
        user = topo.local_recipient
        return Target(host, f"{user}@{server.host.fqdn}", user)
    return Target(host, topo.remote_recipient, None)


def probe_options(probe: Probe, topo: Topology, where: Target, token: str) -> dict[str, str | int | bool]:
    """lab-probe's flags for this probe."""
    options: dict[str, str | int | bool] = {"server": where.host.fqdn, "recipient": where.recipient, "token": token,
                                            "port": probe.port, "starttls": probe.starttls}
    if probe.auth:
        account = topo.user(probe.auth)
        options.update(user=account.name, password=WRONG_PASSWORD if probe.password == "wrong" else account.password)
    return options


def reproduce(settings: Settings, probe: Probe, client: str, server: Server) -> str:
    """The command that runs this probe again by hand, as printed: from the checkout, in a
    fresh shell, on this lab."""
    return settings.command(f".venv/bin/python -m lab probe {client} {probe.id} --server {server.name}")


def trace_peers(topo: Topology, probes: list[Probe], client_name: str | None = None) -> tuple[str, ...]:
    """The addresses whose sessions a server under test should trace for these probes: each
    probe's client (or `client_name`), and the host it talks through (the relay)."""
    hosts = {client_name or p.client for p in probes} | {p.via for p in probes if p.via}
    return tuple(sorted({a for h in hosts for a in topo.host(h).addresses.values()}))



def mark_logs(settings: Settings, server: Server, where: Target) -> list[marks.Mark]:
    """Every host on the way whose log the lab can read, marked before the probe."""
    topo = server.topo
    hosts = dict.fromkeys([where.host.name, server.name, topo.relay.name])
    with ThreadPoolExecutor() as pool:
        found = pool.map(lambda h: marks.mark(settings, topo, h), hosts)
        return [m for m in found if m]


def run_probe(settings: Settings, server: Server, probe: Probe, expected: Outcome | None,
              client_name: str | None = None, sender: str | None = None,
              recipient: str | None = None) -> results.ProbeResult:
    """`sender`, `recipient`: one's own envelope instead of the plan's (a probe by hand)."""
    topo = server.topo
    client = topo.host(client_name or probe.client)
    where = target(probe, server, recipient)
    token = uuid.uuid4().hex[:16]
    hops = mark_logs(settings, server, where)
    prepared = server.before_probe(probe, client)
    started = time.monotonic()
    own = {"sender": sender} if sender else {}
    transcript = hostexec.probe(settings, client.name, **probe_options(probe, topo, where, token), **own,
                                **(prepared.probe_options if prepared else {}))
    notes, warnings = prepared.finish(transcript) if prepared else ([], [])
    refused = classify(transcript)  # None: accepted, and its fate decides
    found = gathering.gather(settings, server, hops, gathering.hops_for(hops, client, where.host, server.name),
                             token, where.user, accepted=refused is None)
    actual, place, code, stage = refused, None, transcript["code"], Stage(transcript["stage"])
    fate_lines: list[str] = []
    if found.fate is not None:
        actual, place, fate_lines = found.fate.outcome, found.fate.where, list(found.fate.evidence)
        if found.fate.code is not None:
            code, stage = found.fate.code, found.fate.stage
    assert actual is not None
    trace, trace_note = server.trace(found.session)
    kept = server.records(token)
    lines = notes + found.lines + [line for line in fate_lines + found.claims + kept if line not in found.lines]
    if found.seen and found.seen != client.address:
        warnings.append(f"{where.host.name} logged the client as {found.seen}, but {client.name}'s own address is "
                        f"{client.address}: something (NAT, a proxy) stands between them and the test would lie")
    return results.ProbeResult(
        probe=probe.id, what=probe.what, client=client.name, client_address=client.address,
        client_address_seen=found.seen, server=where.host.name, recipient=where.recipient, token=token,
        expected=expected, actual=actual, code=code, stage=stage, rule=deciding_rule(found.rule, actual), fate=place,
        transcript=transcript["steps"], seconds=round(time.monotonic() - started, 2),
        reproduce=reproduce(settings, probe, client.name, server), evidence=lines, warnings=warnings,
        claim=found.claims[0] if found.claims else None, records=kept, trace=trace, trace_note=trace_note,
    )
