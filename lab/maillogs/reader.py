"""Mail-log readers, one per kind of MTA, behind one interface: what the orchestrator asks
of any server's log (who was the client, which rule decided, what became of the message)
without knowing whose log it is. The topology says which MTA a host runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.maillogs import postfix, sendmail
from lab.maillogs.sessions import Delivery, Session
from lab.runtime import hostexec
from lab.runtime.hostexec import MAIL_LOG



@dataclass
class SessionFacts:
    client_address: str | None = None  # the client as the server logged it
    rule: str | None = None  # the restriction that decided, if the log names one
    evidence: list[str] = field(default_factory=list)
    session: Session | None = None  # the session itself, every line (a restriction trace reads them)


class MailLog:
    """A server's mail log, read by the parser module for its kind of MTA."""
    path = MAIL_LOG

    def __init__(self, parser):
        self.parser = parser

    def probe_session(self, lines: list[str], token: str, client_address: str | None) -> Session | None:
        """The probe's session itself, every line of it (for a restriction trace)."""
        return self.parser.probe_session(lines, token, client_address)

    def session(self, lines: list[str], token: str, client_address: str | None) -> SessionFacts | None:
        s = self.parser.probe_session(lines, token, client_address)
        if s is None:
            return None
        rule, evidence = self.parser.decision(s)
        return SessionFacts(s.client_address, rule, evidence, s)

    def deliveries(self, lines: list[str], token: str) -> list[Delivery]:
        return self.parser.deliveries(lines, token)


READERS: dict[str, MailLog] = {"postfix": MailLog(postfix), "sendmail": MailLog(sendmail)}  # by MTA kind


@dataclass
class Mark:
    """A host's log position from before a probe: read on from here to see only its lines."""
    host: str
    mta: str
    offset: int

    def lines(self, settings) -> list[str]:
        return hostexec.log_since(settings, self.host, self.offset, MAIL_LOG)

    def reader(self) -> MailLog:
        return READERS[self.mta]


def mark(settings, topo, host: str) -> Mark | None:
    """The host's log position now, or None for a host that runs no MTA the lab reads."""
    mta = topo.mta(host)
    return Mark(host, mta, hostexec.log_mark(settings, host, MAIL_LOG)) if mta in READERS else None
