"""Mail-log readers, one per kind of MTA, behind one interface, chosen by host: what the
orchestrator asks of any server's log (who was the client, which rule decided, what became
of the message) without knowing whose log it is."""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.runtime import hostexec
from lab.maillogs import postfix as postfix_log
from lab.maillogs import sendmail as sendmail_log
from lab.maillogs.postfix import Delivery


@dataclass
class SessionFacts:
    client_address: str | None = None  # the client as the server logged it
    rule: str | None = None  # the restriction that decided, if the log names one
    evidence: list[str] = field(default_factory=list)


class MailLog:
    """A server's mail log, read by the parser module for its kind (postfix_log, sendmail_log)."""
    path = "/var/log/mail.log"

    def __init__(self, parser):
        self.parser = parser

    def session(self, lines: list[str], token: str, client_address: str | None) -> SessionFacts | None:
        s = self.parser.probe_session(lines, token, client_address)
        if s is None:
            return None
        rule, evidence = self.parser.decision(s)
        return SessionFacts(s.client_address, rule, evidence)

    def deliveries(self, lines: list[str], token: str) -> list[Delivery]:
        return self.parser.deliveries(lines, token)


# host name -> reader of its mail log; hosts without one are not read
READERS: dict[str, MailLog] = {"postfix": MailLog(postfix_log), "relay": MailLog(postfix_log),
                               "remote": MailLog(postfix_log), "sendmail": MailLog(sendmail_log)}


@dataclass
class Mark:
    """A host's log position from before a probe: read on from here to see only its lines."""
    host: str
    offset: int

    def lines(self, settings) -> list[str]:
        return hostexec.log_since(settings, self.host, self.offset, READERS[self.host].path)

    def reader(self):
        return READERS[self.host]


def mark(settings, host: str) -> Mark | None:
    reader = READERS.get(host)
    return Mark(host, hostexec.log_mark(settings, host, reader.path)) if reader else None
