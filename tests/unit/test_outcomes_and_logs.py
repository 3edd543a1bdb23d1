"""Outcome classification from recorded transcripts, and reading recorded Postfix logs."""

import pytest

from lab.maillogs import postfix as postfix_log
from lab.model.outcomes import Outcome, classify


def transcript(stage, code, accepted=False):
    return {"accepted": accepted, "stage": stage, "code": code}


@pytest.mark.parametrize(
    "stage, code, outcome",
    [
        ("connect", None, Outcome.REFUSED),  # connection refused
        ("connect", 554, Outcome.REFUSED),  # rejected at the banner
        ("connect", 421, Outcome.REFUSED),  # e.g. too many connections
        ("auth", 550, Outcome.AUTH_FAILED),  # Sendmail under TCP wrappers: 220, then 550 5.0.0 Access denied
        ("ehlo", None, Outcome.REFUSED),  # closed before EHLO was answered
        ("auth", 535, Outcome.AUTH_FAILED),
        ("rcpt", 554, Outcome.REJECTED),
        ("rcpt", 454, Outcome.DEFERRED),
        ("mail", 550, Outcome.REJECTED),
        ("data", 451, Outcome.DEFERRED),
        ("rcpt", None, Outcome.REFUSED),  # dropped mid-session
    ],
)
def test_classification_of_failed_sessions(stage, code, outcome):
    assert classify(transcript(stage, code)) is outcome


def test_an_accepted_message_waits_for_its_fate():
    assert classify(transcript("data", 250, accepted=True)) is None


# real lines, recorded from the lab's Postfix 3.7 (trimmed to what the parser reads)
LOG = """\
Nov 29 09:05:02 postfix postfix/smtpd[1400]: connect from localhost[127.0.0.1]
Nov 29 09:05:02 postfix postfix/smtpd[1400]: disconnect from localhost[127.0.0.1] quit=1 commands=1
Nov 29 09:05:02 postfix postfix/smtpd[1407]: connect from relay.lab.example[198.51.100.10]
Nov 29 09:05:02 postfix postfix/smtpd[1407]: NOQUEUE: permit: RCPT from relay.lab.example[198.51.100.10]: action=OK for Client host=relay.lab.example[198.51.100.10] from hash:/etc/postfix/access; from=<probe@outside.isp.example> to=<alice@postfix.lab.example> proto=ESMTP helo=<relay.lab.example>
Nov 29 09:05:02 postfix postfix/smtpd[1407]: 4A1B2C3D4E: client=relay.lab.example[198.51.100.10]
Nov 29 09:05:02 postfix postfix/cleanup[1410]: 4A1B2C3D4E: message-id=<0123456789abcdef.probe@outside.isp.example>
Nov 29 09:05:02 postfix postfix/smtpd[1407]: disconnect from relay.lab.example[198.51.100.10] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
Nov 29 09:05:03 postfix postfix/smtpd[1407]: connect from outside.isp.example[198.51.100.200]
Nov 29 09:05:03 postfix postfix/smtpd[1407]: NOQUEUE: reject: RCPT from outside.isp.example[198.51.100.200]: 454 4.7.1 <carol@remote.example>: Relay access denied; from=<probe@outside.isp.example> to=<carol@remote.example> proto=ESMTP helo=<outside.isp.example>
Nov 29 09:05:03 postfix postfix/smtpd[1407]: disconnect from outside.isp.example[198.51.100.200] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4
Nov 29 09:05:04 relay postfix/smtp[88]: 77F0012345: to=<alice@postfix.lab.example>, relay=postfix.lab.example[198.51.100.25]:25, delay=0.03, delays=0.01/0/0.01/0.01, dsn=5.7.1, status=bounced (host postfix.lab.example[198.51.100.25] said: 554 5.7.1 <alice@postfix.lab.example>: Recipient address rejected: Access denied (in reply to RCPT TO command))
Nov 29 09:05:04 relay postfix/cleanup[87]: 77F0012345: message-id=<fedcba9876543210.probe@outside.isp.example>
""".splitlines()


def test_the_probe_session_is_found_by_its_token_and_localhost_is_ignored():
    s = postfix_log.probe_session(LOG, "0123456789abcdef")
    assert (s.client_name, s.client_address, s.queue_ids) == ("relay.lab.example", "198.51.100.10", ["4A1B2C3D4E"])
    assert postfix_log.decision(s)[0] == "check_client_access hash:/etc/postfix/access (OK)"


def test_a_rejected_session_is_found_by_client_address_and_names_the_rule():
    s = postfix_log.probe_session(LOG, "no-such-token", "198.51.100.200")
    rule, evidence = postfix_log.decision(s)
    assert rule == "defer_unauth_destination"
    assert "Relay access denied" in evidence[0]


@pytest.mark.parametrize("reason, code, rule", [
    ("Relay access denied", "554", "reject_unauth_destination"),
    ("Recipient address rejected: Access denied", "554", "reject"),
    ("Client host rejected: Access denied", "554", "reject"),  # e.g. in smtpd_client_restrictions
    ("Recipient address rejected: User unknown in local recipient table", "550", "reject_unlisted_recipient"),
])
def test_reject_reasons_name_their_restriction(reason, code, rule):
    assert postfix_log.rule_for(reason, code) == rule


def test_a_bounce_on_the_way_is_read_with_its_code():
    [d] = postfix_log.deliveries(LOG, "fedcba9876543210")
    assert (d.status, d.reply_code) == ("bounced", 554)


@pytest.mark.parametrize("actual", [Outcome.DELIVERED, Outcome.QUARANTINED, Outcome.RELAYED])
def test_a_message_that_got_through_unnamed_was_let_pass_by_no_objection(actual):
    from lab.verify.probe_run import NO_OBJECTION, deciding_rule

    assert deciding_rule(None, actual) == NO_OBJECTION == "no restriction objected"
    assert deciding_rule("permit_mynetworks", actual) == "permit_mynetworks"  # a named rule stays


@pytest.mark.parametrize("actual", [Outcome.REJECTED, Outcome.DEFERRED, Outcome.REFUSED, Outcome.LOST])
def test_a_message_that_did_not_get_through_claims_no_reason_it_has_not_got(actual):
    from lab.verify.probe_run import deciding_rule

    assert deciding_rule(None, actual) is None
