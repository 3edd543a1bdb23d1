"""Server kinds: one adapter class per kind of MTA (base.Server), and this registry, the one
place that lists them. The topology says which host runs which kind (compose.yaml,
x-lab.mail-servers); everything that depends on the kind (how a variant is applied, where
its log is and which parser reads it, where one's own configuration lines go) asks the kind.
A third MTA is one new module and one line in KINDS."""

from __future__ import annotations

from lab.errors import LabError
from lab.model.settings import Settings
from lab.model.topology import Topology
from lab.servers.base import Server
from lab.servers.postfix import PostfixServer
from lab.servers.sendmail import SendmailServer

KINDS: dict[str, type[Server]] = {cls.mta: cls for cls in (PostfixServer, SendmailServer)}


def kind(mta: str) -> type[Server]:
    """The adapter class of a kind of MTA (x-lab.mail-servers.<host>.mta in compose.yaml)."""
    try:
        return KINDS[mta]
    except KeyError:
        raise LabError(f"compose.yaml: x-lab.mail-servers: mta {mta!r} has no adapter "
                       f"(the lab knows {', '.join(KINDS)})") from None


def adapter(host: str, settings: Settings, topo: Topology) -> Server:
    """The adapter for a server under test, by its host name."""
    if host not in topo.under_test:
        raise LabError(f"{host!r} is not a server under test (the lab's are {', '.join(topo.under_test)})")
    return kind(topo.mta(host) or "")(settings, topo, host)


def log_files(topo: Topology, host: str) -> tuple[str, ...]:
    """What `make logs-<host>` follows: the mail log of the MTA the host runs, then the host's
    other logs (compose.yaml, x-lab.logs)."""
    mta = topo.mta(topo.host(host).name)
    return ((kind(mta).log,) if mta else ()) + topo.host(host).logs


def active(settings: Settings, topo: Topology, running: set[str]) -> tuple[str | None, str | None]:
    """(variant, server) applied most recently to any running server under test."""
    newest: tuple[int, str | None, str | None] = (0, None, None)
    for host in topo.under_test:
        if host in running:
            applied = adapter(host, settings, topo).applied()
            if applied:
                newest = max(newest, (*applied, host))
    return newest[1], newest[2]
