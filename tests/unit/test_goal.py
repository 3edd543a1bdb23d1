"""The note's goal as data (lab/model/goal.yaml): every probe of the plan has a clause, every
variant gets a verdict that is not its expectations' ("as the server does" and "meets the
goal" are two questions), and a mistake in the goal file is one line naming the field."""

import pytest

from factories import older_document, probe, run

from lab.errors import LabError
from lab.model import goal, results, scenario, settings, topology
from lab.model.outcomes import Outcome

TOPO = topology.load(settings.load({}))
PLAN = scenario.load_probes()


def verdict_of(variant: str) -> goal.GoalVerdict:
    """The goal verdict of a variant whose every probe came out as its file expects."""
    s = scenario.find(variant, TOPO)
    r = run(*(probe(p.id, str(o), o) for p, o in ((p, s.expect[p.id]) for p in s.probes)))
    return goal.judge_run(r)


def test_every_probe_of_the_plan_has_a_clause_with_its_reasons():
    g = goal.load(probes=set(PLAN))
    assert set(g.clauses) == set(PLAN)
    assert all(c.why and c.why_ja for c in g.clauses.values())
    assert g.statement and g.statement_ja and g.title_ja


@pytest.mark.parametrize("variant, broken", [
    ("method1", []), ("method2", []), ("method2-fixed", []), ("method2-drac-disabled", []),
    ("modern", []),  # AUTH on port 25 is gone, but 587 gives it (the clause's `instead`)
    ("sendmail-procmail", []), ("sendmail-procmail-logged", []),  # quarantine: not in the mailbox
    ("method1-addendum", ["direct-inbound"]), ("baseline", ["direct-inbound"]), ("hostsdeny-postfix", ["direct-inbound"]),
    ("method1-misconfigured", ["via-relay"]),
    ("hostsallow-sendmail", ["auth-lan", "auth-internet", "auth-local"]),
])
def test_each_variant_as_expected_meets_or_breaks_the_goal(variant, broken):
    v = verdict_of(variant)
    assert v.broken == broken and v.met is (not broken)


def test_findings_outside_the_goal_are_listed_apart():
    assert verdict_of("method1").outside == ["relay-from-trusted"]
    assert verdict_of("method2").outside == ["relay-from-trusted", "pop-before-smtp-on"]
    clause = goal.note().clause("relay-from-trusted")
    assert clause.meets is None and "open relay" in clause.finding(Outcome.RELAYED)
    assert clause.finding(Outcome.RELAYED, "ja").startswith("信頼する MX")


def test_goal_met_per_probe_is_true_false_or_null():
    r = run(probe("direct-inbound", "delivered", "delivered"), probe("via-relay", "delivered", "delivered"),
            probe("relay-from-trusted", "relayed", "relayed"), probe("auth-internet", "relayed", "lost"))
    goal.judge_run(r)
    assert [p.goal_met for p in r.probes] == [False, True, None, False]  # lost never meets anything
    assert r.goal == goal.GoalVerdict("note", False, ["direct-inbound", "auth-internet"], ["relay-from-trusted"])


def test_an_older_run_gets_its_verdict_from_its_outcomes_when_read():
    r = results.RunResult.from_dict(older_document(run(probe("direct-inbound", "rejected", "rejected"))))
    assert r.goal == goal.GoalVerdict("note", True, [], []) and r.probes[0].goal_met is True


GOOD = """\
id: note
title: T
title_ja: T
statement: S
statement_ja: S
probes:
  direct-inbound:
    meets: [rejected]
    why: w
    why_ja: w
"""

CASES = {
    "unknown-outcome": (GOOD.replace("[rejected]", "[bounced]"), "probes.direct-inbound.meets: unknown outcome 'bounced'"),
    "unknown-probe": (GOOD.replace("  direct-inbound:", "  teleport:"), "probes.teleport: not a probe of the plan"),
    "no-reason": (GOOD.replace("    why_ja: w\n", ""), "probes.direct-inbound.why_ja: missing"),
    "no-statement": (GOOD.replace("statement_ja: S\n", ""), "statement_ja: missing"),
    "finding-in-the-goal": (GOOD + "    findings: {rejected: x}\n", "probes.direct-inbound.findings: only for a probe"),
    "bad-instead": (GOOD + "    instead: direct-inbound\n", "probes.direct-inbound.instead: must name another probe"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_mistake_in_the_goal_file_is_one_line(tmp_path, case):
    text, message = CASES[case]
    path = tmp_path / "goal.yaml"
    path.write_text(text)
    with pytest.raises(LabError) as err:
        goal.load(path, probes={"direct-inbound", "via-relay"} if case != "unknown-probe" else {"direct-inbound"})
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value) and "\n" not in str(err.value)


def test_a_probe_the_goal_forgot_is_named(tmp_path):
    path = tmp_path / "goal.yaml"
    path.write_text(GOOD)
    with pytest.raises(LabError, match=r"probes.via-relay: missing: decide what the goal says"):
        goal.load(path, probes={"direct-inbound", "via-relay"})
