"""The restriction trace, read from real verbose smtpd sessions (tests/unit/recorded/postfix-trace/):
one test per kind of step, and the lists told apart."""

from pathlib import Path

import pytest

from lab.maillogs import postfix as postfix_log
from lab.maillogs import postfix_trace
from lab.model.trace import StepResult, TraceStep

RECORDED = Path(__file__).parent / "recorded" / "postfix-trace"
NO, PERMIT, REJECT, DEFER, IGNORED = (StepResult.NO_DECISION, StepResult.PERMIT, StepResult.REJECT,
                                      StepResult.DEFER, StepResult.IGNORED)


def lines(case: str) -> list[str]:
    return (RECORDED / f"{case}.log").read_text().splitlines()


def lists(case: str) -> dict[str, list[str]]:
    variant = case.split("--")[0]
    return postfix_trace.lists_from_postconf((RECORDED / f"{variant}.postconf").read_text(),
                                             postfix_trace.service_of(lines(case)))


def trace(case: str) -> list[TraceStep]:
    return postfix_trace.trace(lines(case), lists(case))


def steps(case: str) -> list[tuple[str, str, StepResult]]:
    return [(s.list, s.restriction, s.result) for s in trace(case)]


def test_a_list_evaluated_to_its_final_reject_with_a_map_lookup():
    recipient = "smtpd_recipient_restrictions"
    assert steps("method1--direct-inbound") == [
        (recipient, "permit_mynetworks", NO),
        (recipient, "check_recipient_access hash:/etc/postfix/access", NO),
        (recipient, "permit_sasl_authenticated", NO),
        (recipient, "reject", REJECT),
    ]
    mynetworks, lookup, sasl, reject = trace("method1--direct-inbound")
    assert mynetworks.detail == "mynetworks: no match for outside.isp.example, 198.51.100.200"
    # every key Postfix looked up in the access map, in its order, and none found
    assert lookup.detail == "not found: alice@postfix.lab.example, postfix.lab.example, lab.example, example, alice@"
    assert sasl.detail == ""  # Postfix logs nothing more for it: nothing is made up
    assert reject.detail == "554 5.7.1 <alice@postfix.lab.example>: Recipient address rejected: Access denied"


def test_a_restriction_postfix_skips_is_ignored_with_its_own_warning():
    last = trace("method2--direct-inbound")[-2:]
    assert [(s.restriction, s.result) for s in last] == [("reject", REJECT), ("check_relay_domains", IGNORED)]
    assert last[1].list == "smtpd_recipient_restrictions"
    assert last[1].detail == "warning: restriction `check_relay_domains' after `reject' is ignored"


def test_two_maps_of_one_kind_are_told_apart_and_a_found_key_permits():
    found = trace("method2--via-relay")
    assert [s.restriction for s in found if s.restriction.startswith("check_client_access")] == [
        "check_client_access btree:/var/lib/drac/dracd", "check_client_access hash:/etc/postfix/access"]
    access = found[-2]
    assert access.result is PERMIT
    assert access.detail.startswith("relay.lab.example = OK; action=OK for Client host=relay.lab.example")


def test_a_drac_entry_permits_with_its_login_time():
    drac = trace("method2--pop-before-smtp-on")[-1]
    assert (drac.restriction, drac.result) == ("check_client_access btree:/var/lib/drac/dracd", PERMIT)
    assert "not found: outside.isp.example, isp.example, example; 198.51.100.200 = 17959" in drac.detail


def test_a_4xx_reply_is_a_defer_in_debians_relay_list():
    assert steps("baseline--relay-unauth-internet") == [
        ("smtpd_relay_restrictions", "permit_mynetworks", NO),
        ("smtpd_relay_restrictions", "permit_sasl_authenticated", NO),
        ("smtpd_relay_restrictions", "defer_unauth_destination", DEFER),
    ]
    assert trace("baseline--relay-unauth-internet")[-1].detail.startswith("454 4.7.1 <carol@remote.example>: Relay")


def test_relay_then_recipient_restrictions_at_one_rcpt():
    """Both lists log 'START Recipient address RESTRICTIONS': the relay list comes first."""
    found = steps("method2-fixed--via-relay")
    assert [s[0] for s in found] == ["smtpd_relay_restrictions"] * 4 + ["smtpd_recipient_restrictions"] * 4 + [
        "smtpd_reject_unlisted_recipient"]
    assert found[3] == ("smtpd_relay_restrictions", "reject_unauth_destination", NO)
    assert found[7] == ("smtpd_recipient_restrictions", "check_client_access hash:/etc/postfix/access", PERMIT)
    # then Postfix's own check that the local recipient exists, with what it found
    assert trace("method2-fixed--via-relay")[-1].detail.startswith("local_recipient_maps: alice = alice:x:1000")


def test_client_restrictions_evaluated_at_rcpt_then_the_relay_list():
    assert steps("modern--relay-from-trusted") == [
        ("smtpd_client_restrictions", "permit_mynetworks", NO),
        ("smtpd_client_restrictions", "check_client_access hash:/etc/postfix/access", PERMIT),
        ("smtpd_relay_restrictions", "permit_mynetworks", NO),
        ("smtpd_relay_restrictions", "permit_sasl_authenticated", NO),
        ("smtpd_relay_restrictions", "reject_unauth_destination", REJECT),
    ]


def test_a_services_own_lists_from_master_cf():
    assert postfix_trace.service_of(lines("modern--submission-internet")) == "submission"
    assert lists("modern--submission-internet")["smtpd_client_restrictions"] == ["permit_sasl_authenticated", "reject"]
    assert steps("modern--submission-internet") == [
        ("smtpd_client_restrictions", "permit_sasl_authenticated", PERMIT),
        ("smtpd_relay_restrictions", "permit_sasl_authenticated", PERMIT),
    ]


def test_a_session_that_ends_at_auth_evaluates_no_list():
    assert trace("method1--auth-bad-password") == []


def test_a_session_logged_only_up_to_its_reject_still_shows_it():
    cut = [line for line in lines("method1--direct-inbound") if "status=2" not in line and ">>> END" not in line]
    assert postfix_trace.trace(cut, lists("method1--direct-inbound"))[-1].result is REJECT


def test_without_the_configuration_the_names_come_from_the_log():
    found = postfix_trace.trace(lines("method2--direct-inbound"))
    assert found[0].list == "smtpd_relay_restrictions"  # Postfix's default: a relay list is evaluated first
    assert [s.restriction for s in found[2:4]] == ["check_client_access btree:/var/lib/drac/dracd",
                                                   "check_client_access hash:/etc/postfix/access"]


@pytest.mark.parametrize("value, expected", [
    ("permit_mynetworks, check_recipient_access hash:/etc/postfix/access, permit_sasl_authenticated, reject",
     ["permit_mynetworks", "check_recipient_access hash:/etc/postfix/access", "permit_sasl_authenticated", "reject"]),
    ("permit_mynetworks permit_sasl_authenticated check_client_access btree:/var/lib/drac/dracd "
     "check_client_access hash:/etc/postfix/access reject check_relay_domains reject",
     ["permit_mynetworks", "permit_sasl_authenticated", "check_client_access btree:/var/lib/drac/dracd",
      "check_client_access hash:/etc/postfix/access", "reject", "check_relay_domains", "reject"]),
    ("check_policy_service unix:private/policy,reject_rbl_client zen.example",
     ["check_policy_service unix:private/policy", "reject_rbl_client zen.example"]),
    ("", []),
])
def test_configured_lists_keep_each_restriction_with_its_argument(value, expected):
    assert postfix_trace.entries(value) == expected


def test_the_trace_leaves_the_decision_and_its_evidence_as_they_were():
    """A traced session logs its whole dialogue ('> client: 535 ... authentication failed'):
    the deciding rule and its evidence are read from the same lines as without the trace."""
    session = postfix_log.sessions(lines("method1--auth-bad-password"))[0]
    rule, evidence = postfix_log.decision(session)
    assert rule == "smtpd_sasl_auth_enable (password check)"
    assert not [line for line in evidence if "]: > " in line or "]: < " in line]
    session = postfix_log.sessions(lines("method2--direct-inbound"))[0]
    assert postfix_log.decision(session)[0] == "reject"
