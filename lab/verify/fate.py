"""Where did the message really go? After a 250 at DATA, the probe's token shows up in a
mailbox, the quarantine or the remote sink, or a server on the way logs that it bounced or
deferred the message. lab.verify.evidence asks these two questions each round until one
answers (or the message counts as lost)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lab.maillogs.sessions import DeliveryStatus
from lab.model.outcomes import Outcome, Stage
from lab.model.settings import Settings
from lab.runtime import hostexec
from lab.servers.base import Server
from lab.verify.marks import Mark

GOT_THROUGH = (Outcome.DELIVERED, Outcome.QUARANTINED, Outcome.RELAYED)
REFUSED = (DeliveryStatus.BOUNCED, DeliveryStatus.DEFERRED, DeliveryStatus.EXPIRED)


@dataclass
class Fate:
    outcome: Outcome
    where: str
    code: int | None = None
    stage: Stage = Stage.DELIVERY
    evidence: list[str] = field(default_factory=list)


def look(settings: Settings, server: Server, token: str, user: str | None) -> Fate | None:
    """One search per host (in parallel): the server's mailbox and quarantine, the remote sink."""
    own = [(p, Outcome.DELIVERED) for p in (server.mailbox_paths(user) if user else [])]
    own += [(p, Outcome.QUARANTINED) for p in server.quarantine_paths()]
    sink = server.topo.sink
    places: dict[str, list[tuple[str, Outcome]]] = {server.name: own}
    if sink.maildir:  # always: topology.load requires the sink's maildir
        places[sink.host] = [(sink.maildir, Outcome.RELAYED)]
    with ThreadPoolExecutor() as pool:
        found = pool.map(lambda host: (host, hostexec.find_token(settings, host, token, [p for p, _ in places[host]])),
                         [h for h in places if places[h]])
        for host, where in found:
            if not where:
                continue
            for path, outcome in places[host]:
                if where == path or where.startswith(path.rstrip("/") + "/"):
                    return Fate(outcome, f"{host}:{where}")
    return None


def refused_on_the_way(marks: list[Mark], lines: dict[str, list[str]], token: str, relay: str) -> Fate | None:
    """A server on the way that logged a bounce, a deferral or an expiry of the message."""
    for mark in marks:
        for d in mark.reader().deliveries(lines[mark.host], token):
            if d.status in REFUSED:
                outcome = Outcome.DEFERRED if d.status == DeliveryStatus.DEFERRED else Outcome.REJECTED
                said = re.search(r"host (\S+?)\[", d.detail)
                where = f"{mark.host}: {d.status}" + (f", {said[1]} said {d.reply_code}" if said and d.reply_code else "")
                hop = Stage.RELAY_NEXT_HOP if mark.host == relay else Stage.SERVER_NEXT_HOP
                return Fate(outcome, where, d.reply_code, hop, [d.line])
    return None
