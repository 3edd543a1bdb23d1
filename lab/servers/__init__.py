"""Server adapters: one module per kind of server under test, one interface (base.Server)."""

from __future__ import annotations

from lab.errors import LabError
from .base import Server
from .postfix import PostfixServer
from .sendmail import SendmailServer

ADAPTERS: dict[str, type[Server]] = {"postfix": PostfixServer, "sendmail": SendmailServer}


def adapter(kind: str, settings, topo) -> Server:
    try:
        return ADAPTERS[kind](settings, topo)
    except KeyError:
        raise LabError(f"no adapter for server {kind!r} yet (have: {', '.join(ADAPTERS)})") from None
