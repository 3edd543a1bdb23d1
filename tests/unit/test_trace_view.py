"""The restriction trace as text (lab probe --trace, lab trace <variant>), from stored runs."""

import dataclasses

import pytest

from factories import older_document, probe, run

from lab import cli
from lab.model import results, settings
from lab.model.trace import StepResult, TraceStep
from lab.views import trace_view

RCPT, RELAY = "smtpd_recipient_restrictions", "smtpd_relay_restrictions"


def traced(name="direct-inbound"):
    p = probe(name, "rejected", "rejected")
    p.trace = [TraceStep(RELAY, "permit_mynetworks", StepResult.NO_DECISION, "mynetworks: no match for x"),
               TraceStep(RCPT, "check_recipient_access hash:/etc/postfix/access", StepResult.NO_DECISION, ""),
               TraceStep(RCPT, "reject", StepResult.REJECT, "554 5.7.1 <a@b>: Access denied")]
    return p


def test_steps_are_grouped_by_list_in_evaluation_order_and_indented():
    lines = trace_view.trace_lines(traced())
    assert lines[0] == f"  {RELAY}" and lines[2] == f"  {RCPT}"
    assert lines[1].split() == ["permit_mynetworks", "no-decision", "mynetworks:", "no", "match", "for", "x"]
    assert lines[3].startswith("    check_recipient_access hash:/etc/postfix/access  no-decision")
    column = len("    check_recipient_access hash:/etc/postfix/access  ")  # results line up
    assert [line[column:].split()[0] for line in lines[3:5]] == ["no-decision", "reject"]
    assert lines[4].startswith("    reject ")


def test_a_probe_without_steps_says_why():
    p = probe("auth-bad-password", "auth-failed", "auth-failed")
    p.trace_note = "Postfix evaluated no restriction list"
    assert trace_view.trace_lines(p) == ["  (Postfix evaluated no restriction list)"]
    [old] = results.RunResult.from_dict(older_document(run(probe("x", "rejected", "rejected")))).probes
    assert trace_view.trace_lines(old) == ["  (no trace: this run was recorded before the lab traced restrictions)"]


@pytest.fixture
def lab_dir(tmp_path, monkeypatch):
    s = dataclasses.replace(settings.load({}), root=tmp_path)
    monkeypatch.setattr(settings, "load", lambda env=None: s)
    return s


def test_lab_trace_prints_the_latest_runs_traces(lab_dir, capsys):
    results.save(run(traced(), traced("relay-unauth-internet")), lab_dir)
    assert cli.main(["trace", "method1", "relay-unauth-internet"]) == 0
    out = capsys.readouterr().out
    assert "relay-unauth-internet from outside (198.51.100.200) -> postfix: rejected 554 at rcpt" in out
    assert "direct-inbound from" not in out and "    reject " in out
    assert cli.main(["trace", "method1"]) == 0
    assert "direct-inbound from" in capsys.readouterr().out


def test_lab_trace_says_what_is_missing(lab_dir, capsys):
    assert cli.main(["trace", "method2"]) == 2
    assert "has no run of 'method2' yet: run 'make verify-method2' first" in capsys.readouterr().err
    results.save(run(traced()), lab_dir)
    assert cli.main(["trace", "method1", "nosuch"]) == 2
    assert "no probe 'nosuch': it ran direct-inbound" in capsys.readouterr().err
