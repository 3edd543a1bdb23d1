"""The decision read from the logs after a probe (lab/verify/probe_run.read_decision): a
line the syslog router writes a moment after the probe ended is waited for when the message
got through (so the server must have logged it) for up to 3 s, else for up to 1 s."""

from types import SimpleNamespace

from lab.verify import probe_run


class SlowLog:
    """A hop whose log shows the session only from the `after`-th read on."""

    def __init__(self, host, after):
        self.host, self.after, self.reads = host, after, 0

    def lines(self, settings):
        self.reads += 1
        return ["the line"] if self.reads >= self.after else []

    def reader(self):
        facts = SimpleNamespace(client_address="100.64.1.10", rule=None, evidence=["the line"], session="s")
        return SimpleNamespace(session=lambda lines, token, address: facts if lines else None)


RELAY = SimpleNamespace(name="relay", address="100.64.1.10")
SERVER = SimpleNamespace(name="sendmail", address="100.64.1.26")


def test_a_message_that_got_through_waits_for_its_line():
    hop = SlowLog("sendmail", after=3)
    seen, _, evidence, session = probe_run.read_decision(None, [hop], "tok", RELAY, SERVER, "sendmail", logged=True)
    assert (seen, evidence, session, hop.reads) == ("100.64.1.10", ["the line"], "s", 3)


def test_a_refused_one_waits_too_but_not_forever(monkeypatch):
    monkeypatch.setattr(probe_run, "REFUSED_WAIT", 0.2)
    hop = SlowLog("sendmail", after=3)  # its line comes late: found
    seen, _, _, session = probe_run.read_decision(None, [hop], "tok", RELAY, SERVER, "sendmail", logged=False)
    assert (seen, session) == ("100.64.1.10", "s")
    never = SlowLog("sendmail", after=10**6)  # nothing ever logged: given up after REFUSED_WAIT
    assert probe_run.read_decision(None, [never], "tok", RELAY, SERVER, "sendmail", logged=False)[3] is None
