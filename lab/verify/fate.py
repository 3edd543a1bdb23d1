"""Where did the message really go? After a 250 at DATA, wait (bounded, polling) until the
probe's token shows up in a mailbox, the quarantine, the remote sink, or until a server on
the way logs that it bounced or deferred it. Nothing found in time: lost."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lab.runtime import hostexec
from lab import waiting
from lab.verify.marks import Mark
from lab.model.outcomes import Outcome
from lab.servers.base import Server

FATE_TIMEOUT = 20.0


@dataclass
class Fate:
    outcome: Outcome
    where: str
    code: int | None = None
    stage: str = "delivery"
    evidence: list[str] = field(default_factory=list)


def _look(settings, server: Server, token: str, user: str | None) -> Fate | None:
    """One search per host (in parallel): the server's mailbox and quarantine, the remote sink."""
    own = [(p, Outcome.DELIVERED) for p in (server.mailbox_paths(user) if user else [])]
    own += [(p, Outcome.QUARANTINED) for p in server.quarantine_paths()]
    sink = server.topo.sink
    places = {server.name: own, sink.host: [(sink.maildir, Outcome.RELAYED)]}
    with ThreadPoolExecutor() as pool:
        found = pool.map(lambda host: (host, hostexec.find_token(settings, host, token, [p for p, _ in places[host]])),
                         [h for h in places if places[h]])
        for host, where in found:
            for path, outcome in places[host] if where else ():
                if where == path or where.startswith(path.rstrip("/") + "/"):
                    return Fate(outcome, f"{host}:{where}")
    return None


def _refused_on_the_way(settings, hops: list[Mark], token: str) -> Fate | None:
    for hop in hops:
        for d in hop.reader().deliveries(hop.lines(settings), token):
            if d.status in ("bounced", "deferred", "expired"):
                outcome = Outcome.DEFERRED if d.status == "deferred" else Outcome.REJECTED
                said = re.search(r"host (\S+?)\[", d.detail)
                where = f"{hop.host}: {d.status}" + (f", {said[1]} said {d.reply_code}" if said and d.reply_code else "")
                return Fate(outcome, where, d.reply_code,
                            f"{hop.host}->next hop", [d.line])
    return None


def find(settings, server: Server, token: str, user: str | None, hops: list[Mark],
         timeout: float = FATE_TIMEOUT) -> Fate:
    fate = waiting.until(lambda: _look(settings, server, token, user) or _refused_on_the_way(settings, hops, token),
                         timeout)
    return fate or Fate(Outcome.LOST, f"not found in {timeout:.0f} s (mailbox, quarantine, remote sink, logs)")
