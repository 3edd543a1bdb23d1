"""The restriction trace against the real servers: what each variant's lesson points at is
in the trace, tracing changes no outcome, and debug_peer_list is empty again afterwards."""

import subprocess
import sys

from lab import servers
from lab.model import settings, topology
from lab.model.trace import StepResult
from lab.runtime import hostexec
from lab.verify import variant as verify

TOPO = topology.load(settings.load({}))  # the plan's shape (hosts, servers), for collection
NO, REJECT, DEFER, IGNORED = StepResult.NO_DECISION, StepResult.REJECT, StepResult.DEFER, StepResult.IGNORED


def one_probe(lab_settings, variant, probe):
    run = verify.run_variant(variant, lab_settings, say=lambda *_: None, only=probe)
    (result,) = run.probes
    assert result.ok, (result.expected, result.actual, result.rule)  # tracing changes no outcome
    return result


def debug_peer_list(lab_settings) -> str:
    return hostexec.run(lab_settings, "postfix", ["postconf", "-h", "debug_peer_list"]).output.strip()


def test_method1_direct_inbound_walks_the_notes_list_to_its_reject(running_lab, lab_settings):
    result = one_probe(lab_settings, "method1", "direct-inbound")
    steps = [(s.restriction, s.result) for s in result.trace if s.list == "smtpd_recipient_restrictions"]
    assert steps == [
        ("permit_mynetworks", NO),
        ("check_recipient_access hash:/etc/postfix/access", NO),
        ("permit_sasl_authenticated", NO),
        ("reject", REJECT),
    ], result.trace_note
    assert result.rule == "reject" and result.trace_note is None
    assert debug_peer_list(lab_settings) == ""  # off again after the run


def test_method2_check_relay_domains_is_ignored(running_lab, lab_settings):
    result = one_probe(lab_settings, "method2", "direct-inbound")
    ignored = [s for s in result.trace if s.restriction == "check_relay_domains"]
    assert [s.result for s in ignored] == [IGNORED], result.trace_note
    assert "after `reject' is ignored" in ignored[0].detail


def test_baseline_relay_attempt_stops_in_debians_relay_restrictions(running_lab, lab_settings):
    result = one_probe(lab_settings, "baseline", "relay-unauth-internet")
    assert result.trace, result.trace_note
    last = result.trace[-1]
    assert (last.list, last.restriction, last.result) == ("smtpd_relay_restrictions", "defer_unauth_destination", DEFER)
    assert {s.list for s in result.trace} == {"smtpd_relay_restrictions"}  # the recipient list never ran
    assert result.rule == "defer_unauth_destination" and result.code == 454


def test_probe_by_hand_prints_its_trace_and_leaves_the_server_untraced(running_lab, lab_settings):
    verify.apply_variant("method1", lab_settings, say=lambda *_: None)
    out = subprocess.run([sys.executable, "-m", "lab", "probe", "outside", "direct-inbound", "--trace"],
                         capture_output=True, text=True, cwd=lab_settings.root, check=False)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("direct-inbound from outside"))
    assert lines[at + 1] == "  smtpd_recipient_restrictions"
    assert [line.split()[:2] for line in lines[at + 2:at + 6]] == [
        ["permit_mynetworks", "no-decision"], ["check_recipient_access", "hash:/etc/postfix/access"],
        ["permit_sasl_authenticated", "no-decision"], ["reject", "reject"]]
    assert debug_peer_list(lab_settings) == ""
    assert servers.active(lab_settings, topology.load(lab_settings), {"postfix"}) == ("method1", "postfix")


def test_sendmail_shows_what_its_log_tells_and_says_the_rest_is_not_logged(running_lab, lab_settings):
    refused = one_probe(lab_settings, "hostsallow-sendmail", "direct-inbound")
    assert [(s.list, s.result) for s in refused.trace] == [("TCP wrappers", REJECT)]
    assert "Sendmail logs only refusals" in refused.trace_note
