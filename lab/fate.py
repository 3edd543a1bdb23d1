"""Where did the message really go? After a 250 at DATA, wait (bounded, polling) until the
probe's token shows up in a mailbox, the quarantine, the remote sink, or until a server on
the way logs that it bounced or deferred it. Nothing found in time: lost."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from . import hostexec
from .logs import Mark
from .outcomes import Outcome
from .servers.base import Server

SINK = ["/var/mail/sink/Maildir"]
FATE_TIMEOUT = 20.0


@dataclass
class Fate:
    outcome: Outcome
    where: str
    code: int | None = None
    stage: str = "delivery"
    evidence: list[str] = field(default_factory=list)


def _look(settings, server: Server, token: str, user: str | None) -> Fate | None:
    places = []
    if user:
        places.append((server.kind, server.mailbox_paths(user), Outcome.DELIVERED))
    if server.quarantine_paths():
        places.append((server.kind, server.quarantine_paths(), Outcome.QUARANTINED))
    places.append(("remote", SINK, Outcome.RELAYED))
    for host, paths, outcome in places:
        where = hostexec.find_token(settings, host, token, paths)
        if where:
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
    deadline = time.monotonic() + timeout
    while True:
        fate = _look(settings, server, token, user) or _refused_on_the_way(settings, hops, token)
        if fate:
            return fate
        if time.monotonic() > deadline:
            return Fate(Outcome.LOST, f"not found in {timeout:.0f} s (mailbox, quarantine, remote sink, logs)")
        time.sleep(0.2)
