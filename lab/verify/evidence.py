"""A probe's evidence, gathered in one pass: after the probe, the logs of every host on the way
are read together, again and again (bounded), until what the lab needs is all there - the
message's fate, the sessions that decided it, the server's own claims, the whole session
for its restriction trace - or until each has had its time. Nothing else goes back to the
logs; the row is decided from what this returns (lab.verify.probe_run).

A server's lines reach its log through the syslog router a moment after the probe ended, so
they are waited for rather than missed: longer when the message got through (every server
on the way must have logged it) than for a session that may have left nothing to find (a
connection refused before the server said a word)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lab.maillogs.reader import SessionFacts
from lab.maillogs.sessions import Session
from lab.model.outcomes import Outcome
from lab.model.settings import Settings
from lab.model.topology import Host
from lab.servers.base import Server
from lab.verify import fate as fates
from lab.verify.fate import Fate
from lab.verify.marks import Mark

FATE_TIMEOUT = 20.0  # seconds for an accepted message to turn up somewhere
LOG_WAIT = 3.0  # seconds for a server's lines about a message it took to reach its log
REFUSED_WAIT = 1.0  # the same for a session that ended without the message
SESSION_WAIT = 3.0  # seconds for the server under test's session to be logged to its end (a trace)
CLAIM_WAIT = 5.0  # seconds for the server's own word on a message it took (Sendmail logs stat=Sent late)
EVERY = 0.2, 0.05  # seconds between rounds: while no fate is found (mailboxes are searched too), then


@dataclass
class Evidence:
    fate: Fate | None  # where the accepted message went; None when the server did not accept it
    seen: str | None = None  # the client's address as the first server logged it
    rule: str | None = None  # the rule the logs name (the server under test's, else the relay's)
    lines: list[str] = field(default_factory=list)  # the log lines the decision rests on
    session: Session | None = None  # the probe's session on the server under test, to its end if it came
    claims: list[str] = field(default_factory=list)  # the server's own word on the message (Sendmail: stat=Sent)


@dataclass
class Hop:
    """One host on the way whose log the lab reads, and whom it should see there."""
    mark: Mark
    peer: Host  # the client as this host sees it (the probe's client, or the relay)
    first: bool  # the host the client talked to: it logs the client's own address
    decides: bool  # the server under test: its rule and session are the decision


def hops_for(marks: list[Mark], client: Host, target: Host, server: str) -> list[Hop]:
    """The hosts whose logs say something about the session: the host the client talked to
    (it logs the client's address) and the server under test (it decides; for mail via the
    relay it sees the relay)."""
    return [Hop(m, client if m.host == target.name else target, m.host == target.name, m.host == server)
            for m in marks if m.host in (target.name, server)]


def gather(settings: Settings, server: Server, marks: list[Mark], hops: list[Hop], token: str, user: str | None,
           accepted: bool, clock: Callable[[], float] = time.monotonic,
           every: tuple[float, float] = EVERY) -> Evidence:
    """Read the logs (each host once a round) until the evidence is complete or its time is up."""
    start = clock()
    fate: Fate | None = None
    settled_at = None if accepted else start
    while True:
        # every host on the way while the fate is open (one may log a bounce); then only those
        # whose sessions are wanted
        reading = marks if settled_at is None else [h.mark for h in hops]
        with ThreadPoolExecutor() as pool:
            lines = dict(zip((m.host for m in reading), pool.map(lambda m: m.lines(settings), reading)))
        now = clock()
        if settled_at is None:
            fate = fates.look(settings, server, token, user) or fates.refused_on_the_way(marks, lines, token,
                                                                                        server.topo.relay.name)
            if fate is None and now - start > FATE_TIMEOUT:
                fate = Fate(Outcome.LOST, f"not found in {FATE_TIMEOUT:.0f} s (mailbox, quarantine, remote sink, logs)")
            if fate is not None:
                settled_at = now
        if settled_at is not None:
            found = {h.mark.host: h.mark.reader().session(lines[h.mark.host], token, h.peer.address) for h in hops}
            claims = server.claims(lines.get(server.name, []), token) if fate is not None else []
            waited = now - settled_at
            got_through = fate is not None and fate.outcome in fates.GOT_THROUGH
            sessions_due = waited > (LOG_WAIT if got_through else REFUSED_WAIT)
            ours = next((found[h.mark.host] for h in hops if h.decides), None)
            complete = (all(found.values()) or sessions_due) \
                and (ours is None or server.session_complete(ours.session) or waited > SESSION_WAIT) \
                and (claims is not None or waited > CLAIM_WAIT)
            if complete:
                return decided(fate, hops, found, claims or [])
        time.sleep(every[settled_at is not None])


def decided(fate: Fate | None, hops: list[Hop], found: dict[str, SessionFacts | None], claims: list[str]) -> Evidence:
    """The evidence from the sessions found: the client as the first server saw it, the
    rule (the server under test's, else whatever the way named), the lines, the session."""
    evidence = Evidence(fate, claims=claims)
    for hop in hops:
        facts = found.get(hop.mark.host)
        if facts is None:
            continue
        if hop.first:
            evidence.seen = facts.client_address
        if hop.decides or facts.rule:
            evidence.rule = facts.rule or evidence.rule
        if hop.decides:
            evidence.session = facts.session
        evidence.lines += [line for line in facts.evidence if line not in evidence.lines]
    return evidence
