"""What the lab shows beside a POP-before-SMTP probe (lab/servers/drac.py PopStep), from
faked log lines: the POP3 reply, whether dracd added the client, and a warning that voids
the row when the SMTP session reached RCPT after the grant could have lapsed."""

from types import SimpleNamespace

import pytest

from lab.runtime import hostexec
from lab.servers.drac import PopStep

CLIENT = SimpleNamespace(name="outside", address="198.51.100.200")
ADDED = "Nov 29 16:19:34 postfix dracd[82]: added 198.51.100.200 (from 127.0.0.1), expires in 3 s"


def step(kind, mail_lines, monkeypatch, dovecot_lines=()):
    server = SimpleNamespace(settings=None, name="postfix", log_since=lambda mark: list(mail_lines))
    monkeypatch.setattr(hostexec, "log_since", lambda settings, host, mark, path: list(dovecot_lines))
    return PopStep(SimpleNamespace(server=server), kind, CLIENT, "alice", "wonderland", 0, 0, expire=3)


def test_a_login_in_time_is_shown_and_not_voided(monkeypatch):
    pop = step("login", [ADDED], monkeypatch)
    assert pop.probe_options == {"pop_user": "alice", "pop_password": "wonderland"}
    notes, warnings = pop.finish({"pop": {"ok": True, "reply": "+OK Logged in.", "rcpt_after": 0.08}})
    assert notes[:2] == ["pop3: outside logged in as alice: +OK Logged in.",
                         "drac: btree:/var/lib/drac/dracd 198.51.100.200 added at the login"]
    assert f"dracd: {ADDED}" in notes and warnings == []


def test_rcpt_after_the_grant_could_lapse_voids_the_row(monkeypatch):
    notes, warnings = step("login", [ADDED], monkeypatch).finish(
        {"pop": {"ok": True, "reply": "+OK Logged in.", "rcpt_after": 2.4}})
    assert len(warnings) == 1 and "2.4 s after the POP3 login" in warnings[0] and "2-3 s" in warnings[0]


def test_a_failed_dracauth_is_named(monkeypatch):
    said = "Nov 29 16:19:34 postfix dovecot: pop3-login: drac-login: dracauth for alice from 198.51.100.200 failed"
    notes, warnings = step("login", [], monkeypatch, [said]).finish(
        {"pop": {"ok": True, "reply": "+OK Logged in.", "rcpt_after": 0.1}})
    assert "drac: no entry for 198.51.100.200 after the POP3 login" in notes and f"dovecot: {said}" in notes
    assert warnings == []  # nothing was granted, so nothing could lapse


@pytest.mark.parametrize("kind, shown", [("bad-password", " with a wrong password: -ERR"), ("expired", ": +OK")])
def test_other_steps(monkeypatch, kind, shown):
    pop = step(kind, [ADDED], monkeypatch)
    if kind == "expired":
        pop.login = {"ok": True, "reply": "+OK Logged in."}
        assert pop.probe_options == {}  # the lab logged in itself, then waited the entry out
    reply = "-ERR [AUTH] Authentication failed." if kind == "bad-password" else "+OK Logged in."
    notes, warnings = pop.finish({"pop": {"ok": kind != "bad-password", "reply": reply, "rcpt_after": 5.0}})
    assert shown in notes[0] and warnings == []  # only a granted login can lapse


def test_no_login_at_all(monkeypatch):
    assert step("none", [], monkeypatch).finish({}) == (["drac: map emptied; no POP3 login from outside"], [])
