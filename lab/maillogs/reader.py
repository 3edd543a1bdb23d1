"""Mail-log readers behind one interface: what the orchestrator asks of any server's log (who
was the client, which rule decided, what became of the message) without knowing whose log
it is. Pure parsing of lines already read; each server kind (lab.servers) names its parser."""

from __future__ import annotations

from dataclasses import dataclass, field

from types import ModuleType

from lab.maillogs.sessions import Delivery, Session


@dataclass
class SessionFacts:
    client_address: str | None = None  # the client as the server logged it
    rule: str | None = None  # the restriction that decided, if the log names one
    evidence: list[str] = field(default_factory=list)
    session: Session | None = None  # the session itself, every line (a restriction trace reads them)


class MailLog:
    """A server's mail log, read by the parser module for its kind of MTA."""

    def __init__(self, parser: ModuleType):
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
