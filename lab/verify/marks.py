"""Log marks: where each host's mail log stood before a probe, so that only the probe's own
lines are read afterwards, each by the reader of the MTA that host runs."""

from __future__ import annotations

from dataclasses import dataclass

from lab import servers
from lab.maillogs.reader import MailLog
from lab.model.settings import Settings
from lab.model.topology import Topology
from lab.runtime import hostexec


@dataclass
class Mark:
    """A host's log position from before a probe: read on from here to see only its lines."""
    host: str
    mta: str
    log: str  # the log file the mark is in
    offset: int

    def lines(self, settings: Settings) -> list[str]:
        return hostexec.log_since(settings, self.host, self.offset, self.log)

    def reader(self) -> MailLog:
        return servers.kind(self.mta).log_reader


def mark(settings: Settings, topo: Topology, host: str) -> Mark | None:
    """The host's log position now, or None for a host that runs no MTA the lab reads."""
    mta = topo.mta(host)
    if mta is None:
        return None
    log = servers.kind(mta).log
    return Mark(host, mta, log, hostexec.log_mark(settings, host, log))
