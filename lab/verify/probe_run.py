"""One probe, end to end: mark the logs, prepare the server (e.g. a POP3 login), run the
probe in its client, find the message's fate, read the decision from the logs, judge.

`run_probe` only wires these steps; each step is a function the unit tests can replace."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lab.verify import marks
from lab.model import results
from lab.model.outcomes import Outcome, classify
from lab.model.scenario import WRONG_PASSWORD, Probe
from lab.model.settings import Settings
from lab import waiting
from lab.runtime import hostexec
from lab.servers.base import Server
from lab.verify import fate
from lab.verify.verdict import judge


# "decided by" for a message that got through while the server's log names no rule (Sendmail
# names none; Postfix logs permits only when a restriction permits): nothing stopped it
NO_OBJECTION = "no restriction objected"
GOT_THROUGH = (Outcome.DELIVERED, Outcome.QUARANTINED, Outcome.RELAYED)
LOG_WAIT = 3.0  # seconds for a server's line about a message it took to reach its log
REFUSED_WAIT = 1.0  # the same for a session that ended without the message


def deciding_rule(rule: str | None, actual: Outcome) -> str | None:
    """The rule a row shows: the one the log names, else what let an accepted message pass."""
    if rule is None and actual in GOT_THROUGH:
        return NO_OBJECTION
    return rule


@dataclass(frozen=True)
class Target:
    """Where a probe goes: the host the client talks to, the recipient, the local user or None."""
    host: object  # topology.Host
    recipient: str
    user: str | None


def target(probe: Probe, server: Server) -> Target:
    topo = server.topo
    host = topo.host(probe.via or server.name)
    if probe.to == "local":
        user = topo.local_recipient
        return Target(host, f"{user}@{server.host.fqdn}", user)
    return Target(host, topo.remote_recipient, None)


def probe_options(probe: Probe, topo, where: Target, token: str) -> dict:
    """lab-probe's flags for this probe."""
    options = {"server": where.host.fqdn, "recipient": where.recipient, "token": token, "port": probe.port,
               "starttls": probe.starttls}
    if probe.auth:
        account = topo.user(probe.auth)
        options.update(user=account.name, password=WRONG_PASSWORD if probe.password == "wrong" else account.password)
    return options


def reproduce(settings: Settings, probe: Probe, client: str, server: Server) -> str:
    """The command that runs this probe again by hand, as printed: from the checkout, in a
    fresh shell, on this lab."""
    return settings.command(f".venv/bin/python -m lab probe {client} {probe.id} --server {server.name}")


def trace_peers(topo, probes: list[Probe], client_name: str | None = None) -> tuple[str, ...]:
    """The addresses whose sessions a server under test should trace for these probes: each
    probe's client (or `client_name`), and the host it talks through (the relay)."""
    hosts = {client_name or p.client for p in probes} | {p.via for p in probes if p.via}
    return tuple(sorted({a for h in hosts for a in topo.host(h).addresses.values()}))


def reread_session(settings: Settings, hops: list[marks.Mark], server: Server, peer: str, token: str):
    """A function reading the server's log again and returning the probe's session on it."""
    hop = next((h for h in hops if h.host == server.name), None)
    return lambda: hop.reader().probe_session(hop.lines(settings), token, peer) if hop else None


def mark_logs(settings: Settings, server: Server, where: Target) -> list[marks.Mark]:
    """Every host on the way whose log the lab can read, marked before the probe."""
    topo = server.topo
    hosts = dict.fromkeys([where.host.name, server.name, topo.relay.name])
    with ThreadPoolExecutor() as pool:
        found = pool.map(lambda h: marks.mark(settings, topo, h), hosts)
        return [m for m in found if m]


def run_probe(settings: Settings, server: Server, probe: Probe, expected: Outcome | None,
              client_name: str | None = None) -> results.ProbeResult:
    topo = server.topo
    client = topo.host(client_name or probe.client)
    where = target(probe, server)
    token = uuid.uuid4().hex[:16]
    hops = mark_logs(settings, server, where)
    prepared = server.before_probe(probe, client)
    started = time.monotonic()
    transcript = hostexec.probe(settings, client.name, **probe_options(probe, topo, where, token),
                                **(prepared.probe_options if prepared else {}))
    notes, warnings = prepared.finish(transcript) if prepared else ([], [])
    actual, place, code, stage, evidence = classify(transcript), None, transcript["code"], transcript["stage"], []
    if actual is None:  # accepted: where did it go?
        found = fate.find(settings, server, token, where.user, hops)
        actual, place, evidence = found.outcome, found.where, list(found.evidence)
        if found.code is not None:
            code, stage = found.code, found.stage
    seen, rule, decided, session = read_decision(settings, hops, token, client, where.host, server.name,
                                                 logged=actual in GOT_THROUGH)
    rule = deciding_rule(rule, actual)
    peer = client if where.host.name == server.name else where.host  # who connected to the server
    trace, trace_note = server.trace(session, reread_session(settings, hops, server, peer.address, token))
    said, kept = server.claims(token), server.records(token)
    evidence = notes + decided + [line for line in evidence + said + kept if line not in decided]
    if seen and seen != client.address:
        warnings.append(f"{where.host.name} logged the client as {seen}, but {client.name}'s own address is "
                        f"{client.address}: something (NAT, a proxy) stands between them and the test would lie")
    verdict = judge(expected, actual, warnings)
    return results.ProbeResult(
        probe=probe.id, what=probe.what, client=client.name, client_address=client.address,
        client_address_seen=seen, server=where.host.name, recipient=where.recipient, token=token,
        expected=expected, actual=actual, ok=verdict.ok, code=code, stage=stage, rule=rule, fate=place,
        transcript=transcript["steps"], seconds=round(time.monotonic() - started, 2),
        reproduce=reproduce(settings, probe, client.name, server), evidence=evidence, warnings=warnings,
        claim=said[0] if said else None, records=kept, trace=trace, trace_note=trace_note,
    )


def read_decision(settings, hops: list[marks.Mark], token: str, client, target_host, server_name: str,
                  logged: bool = False):
    """(client address as the first server logged it, the deciding rule, the log lines, the
    session on the server under test): the first server's view of the client, and the server
    under test's decision (for mail via the relay, what it made of the relay's delivery).
    A server's lines reach its log through the syslog router a moment after the probe ended:
    they are waited for (bounded), rather than missed. logged: the message got through, so
    every server on the way has logged it (wait longer); else the session may have left
    nothing to find (e.g. a connection refused before the server said a word)."""
    seen, rule, evidence, session = None, None, [], None
    for hop in hops:
        if hop.host not in (target_host.name, server_name):
            continue
        peer = client if hop.host == target_host.name else target_host

        def read(hop=hop, peer=peer):
            return hop.reader().session(hop.lines(settings), token, peer.address)

        facts = read() or waiting.until(read, LOG_WAIT if logged else REFUSED_WAIT, every=0.05)
        if facts is None:
            continue
        if hop.host == target_host.name:
            seen = facts.client_address
        if hop.host == server_name or facts.rule:
            rule = facts.rule or rule
        if hop.host == server_name:
            session = facts.session
        evidence += [line for line in facts.evidence if line not in evidence]
    return seen, rule, evidence, session
