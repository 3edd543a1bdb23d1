"""Sendmail without Docker: the procmail recipe against real Received: headers, the quarantine
mbox, Sendmail's log, and the quarantined-but-"Sent" evidence in every view.

tests/unit/recorded/sendmail/ holds files copied out of the lab's sendmail host (lab `sm`,
internet 100.64.8.0/24) after running sendmail-procmail-logged: alice's mailbox (one message
via the relay, one sent with SMTP AUTH), the quarantine (four direct messages), mail.log
(healthcheck noise included) and procmail's log."""

import dataclasses
import json
from pathlib import Path

import pytest
from rich.console import Console

import procmail_model as procmail
from factories import LAB
from terminal import notes
from lab.views import run_table as render_run
from lab.model import results
from lab.model import scenario
from lab.maillogs import sendmail as sendmail_log
from lab.model import settings
from lab.model import topology

RECORDED = Path(__file__).with_name("recorded") / "sendmail"
RELAY = "100.64.8.10"  # the relay's address in the lab the files were recorded in
TOPO = topology.load(settings.load({}))
VARIANTS = ("sendmail-procmail", "sendmail-procmail-logged")


def recorded(name):
    return (RECORDED / name).read_text()


def header(message):
    return "".join(f"{k}: {v}\n" for k, v in message.items())


def procmailrc(variant):
    """The variant's /etc/procmailrc with the relay's address of the recorded lab."""
    text = scenario.find(variant, TOPO).files["/etc/procmailrc"]
    return scenario.PLACEHOLDER.sub(lambda m: RELAY if m[1] == "relay" else m[0], text)


def by_token():
    found = {}
    for name in ("alice", "filterd-mails"):
        for m in procmail.messages(recorded(name)):
            found[m["X-Lab-Token"]] = m
    return found


VIA_RELAY, AUTHENTICATED, DIRECT = "1760dfc4da7f45c1", "a5fdeea792a44a8b", "a529addd03034eb5"


def test_the_recorded_headers_are_the_three_kinds():
    m = by_token()
    assert "(relay.lab.example [100.64.8.10])" in m[VIA_RELAY].get_all("Received")[0]
    assert "\n\t(authenticated bits=0)\n\tby sendmail.lab.example" in m[AUTHENTICATED]["Received"]
    assert "authenticated" not in m[DIRECT]["Received"] and "relay.lab.example" not in m[DIRECT]["Received"]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("token, folder", [(VIA_RELAY, "/var/mail/alice"), (AUTHENTICATED, "/var/mail/alice"),
                                           (DIRECT, "/var/tmp/filterd-mails")])
def test_the_recipe_sends_each_recorded_header_where_procmail_did(variant, token, folder):
    assert procmail.folder(procmailrc(variant), header(by_token()[token]), "/var/mail/alice") == folder


def test_authenticated_matches_only_across_the_fold():
    """The note's third line spans Sendmail's folded Received: field: procmail joins the
    continuation lines first; '.' itself never crosses a line."""
    h = header(by_token()[AUTHENTICATED])
    assert procmail.condition_matches(r"authenticated\ bits=0.*sendmail\.lab\.example", h)
    assert not procmail.condition_matches(r"authenticated\ bits=0.*X-Lab-Token", h)  # another field


def test_a_bare_relay_name_would_let_a_forged_helo_through():
    """Why the relay pattern anchors on the verified name and address: the first word is HELO."""
    forged = "Received: from relay.lab.example (outside.isp.example [100.64.8.200])\n\tby sendmail.lab.example with ESMTP id x\n"
    assert procmail.condition_matches(r"^Received:.*relay\.lab\.example", forged)
    assert not procmail.condition_matches(r"^Received:.*\(relay\.lab\.example \[100.64.8.10\]\)", forged)


def test_the_recipe_is_the_notes_with_its_placeholders_filled():
    note = (Path(__file__).with_name("recorded") / "note-config.txt").read_text()  # the repository's verbatim copy
    block = note.split("## /etc/procmailrc\n", 1)[1].split("\n## ", 1)[0].strip().splitlines()
    ours = [line for line in procmailrc("sendmail-procmail").splitlines() if line.strip()]
    assert len(ours) == len(block) == 5
    for theirs, mine in zip(block, ours):
        fixed = theirs.strip().split("<", 1)[0]  # the note's text up to its placeholder
        assert mine.startswith(fixed), (theirs, mine)
    logged = [line for line in procmailrc("sendmail-procmail-logged").splitlines() if line.strip()]
    assert logged[1:] == ours and logged[0].startswith("LOGFILE=")


def test_a_quarantine_mbox_splits_into_its_messages_one_token_each():
    text = recorded("filterd-mails")
    assert procmail.tokens(text) == [DIRECT, "cafe000000000001", "cafe000000000002", "cafe000000000003"]
    assert all(f"token: {m['X-Lab-Token']}" in m.get_payload() for m in procmail.messages(text))
    assert procmail.tokens(recorded("alice")) == [VIA_RELAY, AUTHENTICATED]


def test_a_from_line_in_a_body_does_not_start_a_message():
    text = recorded("filterd-mails").replace("This message was sent", "From here on, this message was sent", 1)
    quoted = text.replace("\nFrom here on", "\n>From here on", 1)  # as procmail writes it
    assert procmail.tokens(quoted) == procmail.tokens(recorded("filterd-mails"))
    assert procmail.tokens(text) == procmail.tokens(recorded("filterd-mails"))  # not "From <addr>  <date>"


LOG = recorded("mail.log").splitlines()


@pytest.mark.parametrize("address, token, rule, client", [
    ("100.64.8.200", "no-such-token", sendmail_log.WRAPPERS_RULE, "100.64.8.200"),
    ("100.64.8.10", "no-such-token", "check_rcpt: Relaying denied", "100.64.8.10"),
    (None, "e31fe0e99d85495f", "SMTP AUTH (authid=alice)", "10.77.8.100"),
    (None, "1760dfc4da7f45c1", None, "100.64.8.10"),
])
def test_sessions_name_the_client_and_what_decided(address, token, rule, client):
    # without the message's token, the first session from the address: from 09:16:54 on
    lines = LOG if token != "no-such-token" else LOG[[i for i, line in enumerate(LOG) if "09:16:54" in line][0]:]
    s = sendmail_log.probe_session(lines, token, address)
    assert s.client_address == client
    assert sendmail_log.decision(s)[0] == rule


def test_a_wrong_password_is_named():
    lines = [line for line in LOG if "sendmail[2524]" in line or "sendmail[8]" in line]
    s = sendmail_log.probe_session(lines, "no-such-token", "100.64.8.200")
    rule, evidence = sendmail_log.decision(s)
    assert s.pid == "2524" and rule == "SMTP AUTH (SASL password check)" and "Password verification failed" in evidence[0]


def test_the_healthcheck_noise_is_no_session():
    assert all(s.client_address != "127.0.0.1" for s in sendmail_log.sessions(LOG))
    assert not [line for _, _, _, line in sendmail_log.parsed(LOG) if sendmail_log.NOISE in line]


def test_the_quarantined_message_is_logged_as_sent():
    [d] = sendmail_log.deliveries(LOG, DIRECT)
    assert (d.recipient, d.status, d.reply_code) == ("alice@sendmail.lab.example", "sent", None)
    assert "mailer=local" in d.line and d.line.endswith("stat=Sent")
    [relayed] = sendmail_log.deliveries(LOG, "5896d08bde074ace")
    assert relayed.status == "sent" and "mailer=esmtp" in relayed.line


def test_sendmails_stat_words_map_to_fates():
    line = ("Nov 29 09:20:00 sendmail mail.info sendmail[9]: 6AT9K0aa000009: to=<carol@remote.example>, delay=00:00:00, "
            "mailer=esmtp, relay=mx.remote.example. [100.64.8.80], dsn=5.7.1, reply=554 5.7.1 no thanks, stat=Service unavailable")
    sent = ("Nov 29 09:20:00 sendmail mail.info sendmail[8]: 6AT9K0aa000008: from=<a@b>, size=1, class=0, nrcpts=1, "
            "msgid=<t0k3n.probe@x>, proto=ESMTP, daemon=MTA-v4, relay=x [1.2.3.4]")
    [d] = sendmail_log.deliveries([sent.replace("000008", "000009"), line], "t0k3n")
    assert (d.status, d.reply_code) == ("bounced", 554)
    assert sendmail_log.status_of("Deferred: Connection refused by mx") == "deferred"


def test_procmails_record_names_the_real_folder():
    entry = sendmail_log.procmail_abstract(recorded("procmail.log"), DIRECT)
    assert entry[0].startswith("From probe@outside.isp.example")
    assert entry[2].startswith("Folder: /var/tmp/filterd-mails")
    assert sendmail_log.procmail_abstract(recorded("procmail.log"), "absent") == []


# --- the quarantined fate and the maillog's "Sent", side by side in every view -----------------

SENT = [line for line in LOG if DIRECT in line or "6AT9H3HN002647: to=" in line][-1]


def quarantined_run():
    p = results.ProbeResult(
        probe="direct-inbound", what="w", client="outside", client_address="100.64.8.200",
        client_address_seen="100.64.8.200", server="sendmail", recipient="alice@sendmail.lab.example", token=DIRECT,
        expected="quarantined", actual="quarantined", ok=True, code=250, stage="data", rule=None,
        fate="sendmail:/var/tmp/filterd-mails", transcript=[], seconds=1.0, reproduce=".venv/bin/python -m lab probe outside direct-inbound",
        claim=SENT, records=["/var/log/procmail.log: Folder: /var/tmp/filterd-mails 719"])
    return results.RunResult(variant="sendmail-procmail-logged", title="t", server="sendmail", lab=results.LabRef(**LAB),
                             started="2026-11-29T09:17:00+00:00",
                             config={"files": {}}, versions={}, probes=[p], seconds=1.0, lesson="L")


def test_json_carries_the_claim_beside_the_fate(tmp_path):
    s = dataclasses.replace(settings.load({}), root=tmp_path)
    data = json.loads(results.save(quarantined_run(), s).read_text())["probes"][0]
    assert data["fate"] == "sendmail:/var/tmp/filterd-mails" and data["claim"].endswith("stat=Sent")
    assert data["records"] == ["/var/log/procmail.log: Folder: /var/tmp/filterd-mails 719"]


def test_terminal_and_markdown_show_both():
    console = Console(record=True, width=250)
    console.print(render_run.table(quarantined_run()))
    text = console.export_text()
    assert "sendmail:/var/tmp/filterd-mails" in text and "stat=Sent (mailer=local) ← but quarantined" in text
    assert any("the mail log says" in line and "stat=Sent" in line for line in notes(quarantined_run()))
    md = render_run.markdown(quarantined_run())
    assert "## Quarantined, and what the logs say" in md and "`sendmail:/var/tmp/filterd-mails`" in md
    assert SENT in md and "Folder: /var/tmp/filterd-mails" in md


def test_mbox_fates_keep_their_file_name_maildir_fates_their_folder():
    assert render_run.short_fate("sendmail:/var/tmp/filterd-mails") == "sendmail:/var/tmp/filterd-mails"
    assert render_run.short_fate("remote:/var/mail/sink/Maildir/new/1795.V4.mx") == "remote:/var/mail/sink/Maildir/new/"


def test_the_trace_shows_sendmails_refusals_as_its_log_tells_them():
    """Sendmail logs only refusals: a TCP-wrappers rejection, a check_rcpt reject; a session
    that got through has no step (and the probe's trace_note says why)."""
    found = {s.pid: s for s in sendmail_log.sessions(recorded("mail.log").splitlines())}
    wrappers = sendmail_log.trace(found["1922"].lines)
    assert [(s.list, s.restriction, s.result) for s in wrappers] == [
        ("TCP wrappers", "hosts.allow, hosts.deny", "reject")]
    assert wrappers[0].detail == "tcpwrappers (inside.lab.example, 10.77.8.100) rejection"
    rcpt = sendmail_log.trace(found["2197"].lines)
    assert [(s.list, s.restriction, s.result) for s in rcpt] == [("sendmail.cf rulesets", "check_rcpt", "reject")]
    assert rcpt[0].detail == ("arg1=<carol@remote.example>: 550 5.7.1 Relaying denied. "
                              "Proper authentication required.")
    authenticated = next(s for s in found.values() if any("AUTH=server" in line for line in s.lines))
    assert sendmail_log.trace(authenticated.lines) == []
