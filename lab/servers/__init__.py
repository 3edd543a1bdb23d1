"""Server adapters: one module per kind of MTA under test, one interface (base.Server). The
topology says which host runs which MTA (compose.yaml, x-lab.mail-servers)."""

from __future__ import annotations

from lab.errors import LabError
from lab.model.topology import Topology
from lab.servers.base import Server
from lab.servers.postfix import PostfixServer
from lab.servers.sendmail import SendmailServer

ADAPTERS: dict[str, type[Server]] = {cls.mta: cls for cls in (PostfixServer, SendmailServer)}


def adapter(host: str, settings, topo: Topology) -> Server:
    """The adapter for a server under test, by its host name."""
    if host not in topo.under_test:
        raise LabError(f"{host!r} is not a server under test (the lab's are {', '.join(topo.under_test)})")
    mta = topo.mta(host)
    if mta not in ADAPTERS:
        raise LabError(f"no adapter for {mta!r} (host {host}) yet (have: {', '.join(ADAPTERS)})")
    return ADAPTERS[mta](settings, topo, host)


def active(settings, topo: Topology, running: set[str]) -> tuple[str | None, str | None]:
    """(variant, server) applied most recently to any running server under test."""
    newest = (0, None, None)
    for host in topo.under_test:
        if host in running:
            applied = adapter(host, settings, topo).applied()
            if applied:
                newest = max(newest, (*applied, host))
    return newest[1], newest[2]
