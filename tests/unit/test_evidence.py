"""A probe's evidence gathered in one pass (lab/verify/evidence.gather): every host's log read
once a round, until the fate, the sessions, the server's claims and the whole session are
there, each waited for no longer than its own bound. Fake logs; the clock is real but the
bounds are made short."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lab.maillogs.sessions import DeliveryStatus
from lab.model.outcomes import Outcome, Stage
from lab.verify import evidence, fate
from lab.verify.evidence import Hop

RELAY = SimpleNamespace(name="relay", address="100.64.1.10")
CLIENT = SimpleNamespace(name="outside", address="100.64.1.20")


class SlowLog:
    """A host's log mark whose log shows the session only from the `after`-th read on."""

    def __init__(self, host: str, after: int, rule: str | None = None, complete_after: int = 0):
        self.host, self.after, self.rule, self.complete_after, self.reads = host, after, rule, complete_after, 0

    def lines(self, settings):
        self.reads += 1
        return [f"line {n}" for n in range(self.reads)] if self.reads >= self.after else []

    def reader(self):
        def session(lines, token, address):
            if not lines:
                return None
            done = self.reads >= self.complete_after
            return SimpleNamespace(client_address=address, rule=self.rule, evidence=[f"{self.host} said"],
                                   session=SimpleNamespace(complete=done))
        return SimpleNamespace(session=session, deliveries=lambda lines, token: [])


class Server:
    name = "sendmail"
    topo = SimpleNamespace(relay=SimpleNamespace(name="relay"))

    def __init__(self, claims_after: int = 0):
        self.claims_after, self.asked = claims_after, 0

    def claims(self, lines, token):
        self.asked += 1
        return ["stat=Sent"] if self.asked >= self.claims_after else None

    def session_complete(self, session):
        return session is None or session.complete


@pytest.fixture(autouse=True)
def short_bounds(monkeypatch):
    for name, seconds in (("LOG_WAIT", 0.6), ("REFUSED_WAIT", 0.3), ("SESSION_WAIT", 0.6), ("CLAIM_WAIT", 0.6),
                          ("FATE_TIMEOUT", 0.5)):
        monkeypatch.setattr(evidence, name, seconds)


def gather(marks, hops, server, accepted, found=None, monkeypatch=None):
    return evidence.gather(None, server, marks, hops, "tok", None, accepted, every=(0.01, 0.01))


def test_a_message_that_got_through_waits_for_the_line_of_every_host_on_the_way(monkeypatch):
    monkeypatch.setattr(fate, "look", lambda *a: fate.Fate(Outcome.DELIVERED, "sendmail:/var/mail/alice"))
    relay, server_log = SlowLog("relay", after=2, rule="permit_mynetworks"), SlowLog("sendmail", after=5)
    hops = [Hop(relay, CLIENT, True, False), Hop(server_log, RELAY, False, True)]
    found = gather([relay, server_log], hops, Server(), accepted=True)
    assert found.fate.outcome == Outcome.DELIVERED
    assert (found.seen, found.rule, found.lines) == (CLIENT.address, "permit_mynetworks", ["relay said", "sendmail said"])
    assert relay.reads == server_log.reads >= 5  # each log read once a round, in the same rounds


def test_the_deciding_server_names_the_rule_and_the_first_host_the_client(monkeypatch):
    monkeypatch.setattr(fate, "look", lambda *a: fate.Fate(Outcome.RELAYED, "remote:/var/mail/sink"))
    relay, server_log = SlowLog("relay", after=1, rule="a relay rule"), SlowLog("sendmail", after=1, rule="check_rcpt")
    hops = [Hop(relay, CLIENT, True, False), Hop(server_log, RELAY, False, True)]
    found = gather([relay, server_log], hops, Server(), accepted=True)
    assert (found.seen, found.rule) == (CLIENT.address, "check_rcpt")


def test_a_refused_session_is_waited_for_but_not_forever():
    late = SlowLog("sendmail", after=3)
    found = gather([late], [Hop(late, CLIENT, True, True)], Server(), accepted=False)
    assert found.fate is None and found.seen == CLIENT.address
    never = SlowLog("sendmail", after=10**6)
    found = gather([never], [Hop(never, CLIENT, True, True)], Server(), accepted=False)
    assert found.session is None and found.seen is None and 0.3 <= never.reads * 0.01 + 0.3  # gave up


def test_the_session_is_read_to_its_end_and_the_claim_waited_for(monkeypatch):
    monkeypatch.setattr(fate, "look", lambda *a: fate.Fate(Outcome.QUARANTINED, "sendmail:/var/tmp/filterd-mails"))
    log = SlowLog("sendmail", after=1, complete_after=6)
    server = Server(claims_after=4)
    found = gather([log], [Hop(log, CLIENT, True, True)], server, accepted=True)
    assert found.session.complete and found.claims == ["stat=Sent"] and log.reads >= 6


def test_a_message_found_nowhere_is_lost(monkeypatch):
    monkeypatch.setattr(fate, "look", lambda *a: None)
    log = SlowLog("sendmail", after=1)
    found = gather([log], [Hop(log, CLIENT, True, True)], Server(), accepted=True)
    assert found.fate.outcome == Outcome.LOST and found.seen == CLIENT.address


def test_a_bounce_on_the_way_settles_the_fate(monkeypatch):
    monkeypatch.setattr(fate, "look", lambda *a: None)
    bounced = SimpleNamespace(status=DeliveryStatus.BOUNCED, detail="host postfix.lab.example[10.0.0.1] said: 554 no", line="x",
                              reply_code=554)
    log = SlowLog("relay", after=1)
    reader = log.reader()
    log.reader = lambda: SimpleNamespace(session=reader.session, deliveries=lambda lines, token: [bounced])
    found = gather([log], [Hop(log, CLIENT, True, True)], Server(), accepted=True)
    assert (found.fate.outcome, found.fate.where, found.fate.code, found.fate.stage) == (
        Outcome.REJECTED, "relay: bounced, postfix.lab.example said 554", 554, Stage.RELAY_NEXT_HOP)
