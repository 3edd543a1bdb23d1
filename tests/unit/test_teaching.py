"""Teaching without a lab: prediction sheets (written, read, their mistakes named by line),
grading against real recorded runs (tests/unit/recorded/teach/), the variant diff, one's own
configuration as an ad-hoc variant, the quiz that gives nothing away."""

import dataclasses
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from lab.errors import LabError
from lab.model import scenario, settings, sheet, topology
from lab.model import verdict
from lab.model.outcomes import Outcome
from lab.model.verdict import Basis, Kind
from lab.servers.sendmail import SendmailServer
from lab.model.results import RunResult
from lab.teach import diff, grade, lessons, runs, tryout
from lab.views import teach_view

RECORDED = Path(__file__).with_name("recorded") / "teach"
TOPO = topology.load(settings.load({}))


def recorded(variant: str) -> RunResult:
    return RunResult.from_dict(json.loads((RECORDED / f"{variant}.json").read_text()))


def empty_sheet(tmp_path, variant="method1", lang="en") -> Path:
    s = scenario.find(variant, TOPO)
    path = tmp_path / f"{variant}.yaml"
    path.write_text(sheet.text(s, "make quiz-x", "make grade-x", {p.id: teach_view.route(p, s.server) for p in s.probes},
                               lang))
    return path


def filled(tmp_path, variant="method1", **wrong) -> Path:
    """A sheet filled with the recorded run's true outcomes, some replaced by `wrong`."""
    path = empty_sheet(tmp_path, variant)
    text = path.read_text()
    for p in recorded(variant).probes:
        text = text.replace(f"\n{p.probe}:\n", f"\n{p.probe}: {wrong.get(p.probe.replace('-', '_'), p.actual)}\n")
    path.write_text(text)
    return path


def source():
    return runs.Source(RECORDED / "method1.json", recorded("method1").started, fresh=False)


@pytest.mark.parametrize("lang", ("en", "ja"))
def test_an_empty_sheet_is_the_shape_of_expect_with_every_outcome_listed(tmp_path, lang):
    path = empty_sheet(tmp_path, lang=lang)
    data = yaml.safe_load(path.read_text())
    s = scenario.find("method1", TOPO)
    assert list(data) == [p.id for p in s.probes] and set(data.values()) == {None}
    comments = [line for line in path.read_text().splitlines() if line.startswith("#")]
    assert all(any(line.split()[1:2] == [word] for line in comments) for word in sheet.PREDICTABLE)
    assert "# outside → relay → postfix: mail to a local user through the trusted MX" in path.read_text()
    assert not any("lost" in line.split() for line in comments)
    assert sheet.read(path, s) == dict.fromkeys(data)  # nothing predicted yet


def test_a_sheet_with_the_true_outcomes_grades_8_of_8_and_one_wrong_cell_7_of_8(tmp_path):
    s, run = scenario.find("method1", TOPO), recorded("method1")
    right = grade.grade(s, sheet.read(filled(tmp_path), s), run, source(), tmp_path / "a.yaml")
    assert (right.score, right.total, right.wrong) == (8, 8, [])
    g = grade.grade(s, sheet.read(filled(tmp_path, direct_inbound="delivered"), s), run, source(), tmp_path / "b.yaml")
    assert (g.score, g.total, g.wrong) == (7, 8, ["direct-inbound"])
    cell = next(c for c in g.cells if not c.right)
    assert (cell.predicted, cell.actual, cell.rule) == (Outcome.DELIVERED, Outcome.REJECTED, "reject")
    assert cell.reply.startswith("554 5.7.1 <alice@postfix.lab.example>: Recipient address rejected: Access denied")
    assert "(direct-inbound) is refused with 554" in cell.lesson
    saved = json.loads(grade.save(g).read_text())
    assert (saved["score"], saved["total"], saved["wrong"]) == (7, 8, ["direct-inbound"])
    assert grade.save(g) == tmp_path / "b.grade.json"  # beside the sheet


def test_the_graded_lines_name_the_wrong_cell_its_reply_rule_and_lesson(tmp_path):
    s = scenario.find("method1", TOPO)
    g = grade.grade(s, sheet.read(filled(tmp_path, direct_inbound="delivered"), s), recorded("method1"), source(),
                    tmp_path / "b.yaml")
    now = datetime.fromisoformat(recorded("method1").started) + timedelta(minutes=12)
    text = [t.plain for t in teach_view.grade(g, RECORDED.parent)]
    assert text[0] == "method1: 7/8"
    assert text[1].startswith("graded against: this lab's latest run (teach/method1.json, started ")
    assert text[2] == "✗ direct-inbound: you predicted delivered, it was rejected"
    assert text[3].startswith("    reply: 554 5.7.1") and text[4] == "    decided by: reject"
    assert text[5].startswith("    lesson: The trusted relay (in mynetworks) delivers (via-relay)")
    assert source().describe(RECORDED.parent, now).endswith(", 12 min ago)")
    assert source().describe(RECORDED.parent, now, "ja").endswith("、12 分前）")


def test_a_wrong_cell_of_the_via_relay_bounce_quotes_the_next_hop():
    s = scenario.find("method1-misconfigured", TOPO)
    run = recorded("method1-misconfigured")
    g = grade.grade(s, {p.id: Outcome.DELIVERED for p in s.probes}, run, source(), Path("x.yaml"))
    cell = next(c for c in g.cells if c.probe == "via-relay")
    assert cell.reply.startswith("554 5.7.1 <alice@postfix.lab.example>: Recipient address rejected")
    assert cell.reply.endswith("(at relay->next hop)")
    assert "via-relay is rejected" in cell.lesson


@pytest.mark.parametrize("edit, line, message", [
    (("auth-lan: relayed", "auth-lna: relayed"), 14, "unknown probe 'auth-lna': method1 runs auth-lan, "),
    (("via-relay: delivered", "via-relay: deliverd"), 20, "via-relay: unknown outcome 'deliverd' (one of: refused, "),
    (("via-relay: delivered", "via-relay: lost"), 20, "via-relay: unknown outcome 'lost'"),
    (("via-relay: delivered", "via-relay: [delivered, rejected]"), 20, "via-relay: one outcome word"),
    (("relay-from-trusted: relayed", "relay-from-trusted: relayed\nauth-lan: relayed"), 29, "auth-lan predicted twice"),
    (("auth-lan: relayed", "auth-lan:relayed"), 14, "put a space after the colon ('auth-lan: relayed')"),
    (("via-relay: delivered", "via-relay:delivered"), 20, "put a space after the colon ('via-relay: delivered')"),
    (("via-relay: delivered", "via-relay delivered"), 20, "put a colon after the probe ('via-relay: delivered')"),
])
def test_a_mistake_in_a_sheet_is_one_line_naming_the_sheets_line(tmp_path, edit, line, message):
    path = filled(tmp_path)
    path.write_text(path.read_text().replace(*edit))
    with pytest.raises(LabError) as err:
        sheet.read(path, scenario.find("method1", TOPO))
    assert str(err.value).startswith(f"{path}: line {line}: {message}"), str(err.value)
    assert "\n" not in str(err.value)


def test_a_sheet_that_is_no_mapping_or_no_yaml_is_named(tmp_path):
    path = tmp_path / "s.yaml"
    for text, message in (("- rejected\n", "line 1: a sheet maps probe ids to outcomes"),
                          ("auth-lan: [relayed\n", "line 1: not valid YAML")):
        path.write_text(text)
        with pytest.raises(LabError, match=message):
            sheet.read(path, scenario.find("method1", TOPO))


def test_an_empty_cell_is_a_wrong_answer_not_an_error(tmp_path):
    s = scenario.find("method1", TOPO)
    path = filled(tmp_path)
    path.write_text(path.read_text().replace("via-relay: delivered", "via-relay:"))
    g = grade.grade(s, sheet.read(path, s), recorded("method1"), source(), path)
    assert (g.score, g.wrong) == (7, ["via-relay"]) and g.cells[3].predicted is None


def test_the_lesson_sentence_about_a_probe_in_both_languages():
    s = scenario.find("method1-addendum", TOPO)
    assert "direct-inbound is delivered" in lessons.sentence(s.lesson, "direct-inbound")
    assert "direct-inbound は delivered" in lessons.sentence(s.lesson_ja, "direct-inbound", "ja")
    assert lessons.sentence(s.lesson_ja, "direct-inbound", "ja").endswith("。")


def test_the_latest_run_is_used_unless_the_variant_changed_since(tmp_path):
    s = dataclasses.replace(scenario.find("method1", TOPO), path=tmp_path / "method1.yaml")
    s.path.write_text("x")
    lab = dataclasses.replace(settings.load({"LAB_NAME": "teach"}), root=tmp_path)
    (tmp_path / "results" / "teach").mkdir(parents=True)
    (tmp_path / "results" / "teach" / "method1.json").write_text((RECORDED / "method1.json").read_text())
    ran = []

    def run_now(variant):
        ran.append(variant)
        fresh = dataclasses.replace(recorded("method1"), started=datetime.now(timezone.utc).isoformat())
        return fresh, tmp_path / "results" / "teach" / "method1.json"

    run, src = runs.obtain(s, lab, run_now)  # the file is newer than the recorded run: run again
    assert ran == ["method1"] and src.fresh and "a run made just now" in src.describe(tmp_path)
    old = datetime.fromisoformat(recorded("method1").started).timestamp() - 60
    import os
    os.utime(s.path, (old, old))
    run, src = runs.obtain(s, lab, run_now)
    assert ran == ["method1"] and not src.fresh and run.goal.met


def test_diff_of_method1_and_its_addendum_names_direct_inbound_beside_permit_auth_destination():
    d = diff.compare(recorded("method1"), recorded("method1-addendum"))
    assert [(c.probe, c.before, c.after) for c in d.changes] == [("direct-inbound", "rejected", "delivered")]
    assert [(line.sign, line.text) for line in d.changes[0].beside] == [("+", "permit_auth_destination")]
    assert diff.Line("main.cf smtpd_recipient_restrictions", "-", "check_recipient_access hash:/etc/postfix/access") in d.lines
    text = "\n".join(t.plain for t in teach_view.diff(d, []))
    assert "direct-inbound  rejected → delivered   decided by reject → permit_auth_destination" in text
    assert "+ permit_auth_destination   (main.cf smtpd_recipient_restrictions)" in text
    assert "goal: method1 met; method1-addendum BROKEN by direct-inbound" in text


@pytest.mark.parametrize("a, b, probe, beside", [
    ("method1", "method1-misconfigured", "via-relay", "mynetworks"),  # the parameter permit_mynetworks reads
    ("method2", "method2-fixed", "relay-from-trusted", "reject_unauth_destination"),
    ("sendmail-procmail", "hostsallow-sendmail", "auth-internet", "/etc/hosts.allow"),
])
def test_diff_puts_each_changed_probe_beside_what_decided_it(a, b, probe, beside):
    change = next(c for c in diff.compare(recorded(a), recorded(b)).changes if c.probe == probe)
    assert any(beside in (line.text, line.where.removeprefix("main.cf ")) for line in change.beside), change.beside


def test_restriction_lists_are_compared_entry_by_entry_with_their_maps():
    assert diff.items("permit_mynetworks,\n check_client_access hash:/etc/postfix/access, reject") == [
        "permit_mynetworks", "check_client_access hash:/etc/postfix/access", "reject"]


def test_ones_own_main_cf_is_a_variant_of_its_own_checked_like_a_scenario(tmp_path):
    path = tmp_path / "My Answer.cf"
    path.write_text("mynetworks = 127.0.0.0/8, {{relay}}\nsmtpd_recipient_restrictions = permit_mynetworks,\n"
                    "    permit_sasl_authenticated, reject\n")
    own = tryout.scenario(path, "postfix", TOPO)
    assert own.id == "try-my-answer" and own.expect == {} and own.title_ja
    assert [p.id for p in own.probes] == [p.id for p in scenario.find("method1", TOPO).probes]
    assert TOPO.hosts["relay"].address in own.rendered(TOPO).postconf
    path.write_text("smtpd_recipient_restrictions permit_mynetworks\n")
    with pytest.raises(LabError, match=rf"^{path}: main.cf line is not 'name = value'"):
        tryout.scenario(path, "postfix", TOPO)
    path.write_text("mynetworks = {{gateway}}\n")
    with pytest.raises(LabError, match=rf"^{path}: unknown host 'gateway'"):
        tryout.scenario(path, "postfix", TOPO)


def test_sendmail_lines_go_to_the_variant_m4_and_add_authenticated_local_mail(tmp_path):
    path = tmp_path / "mine.m4"
    path.write_text("define(`confPRIVACY_FLAGS', `goaway')dnl\n")
    own = tryout.scenario(path, "sendmail", TOPO)
    assert own.files == {SendmailServer.variant_file: path.read_text()} and own.postconf == ""
    assert "auth-local" in [p.id for p in own.probes]


def test_ones_own_run_is_right_where_it_meets_the_goal():
    run = verdict.decide(dataclasses.replace(recorded("method1-addendum"), probes=[
        dataclasses.replace(p, ok=False, expected=None) for p in recorded("method1-addendum").probes]), Basis.GOAL)
    assert [p.probe for p in run.probes if not p.ok] == ["direct-inbound"] and run.goal.broken == ["direct-inbound"]
    lines = tried_lines(run, 120)
    assert any(line.startswith("your configuration: goal BROKEN by direct-inbound") for line in lines)
    assert any(line.startswith("✗ direct-inbound: delivered (decided by permit_auth_destination)") for line in lines)


def tried_lines(run, width: int, source: str = "mine.cf") -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(teach_view.tried(run, console, source=source))
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_a_restriction_postfix_does_not_know_is_an_error_of_the_configuration_named_first():
    """typo.cf misspells permit_sasl_authenticated in the middle of its list: Postfix answers
    451 4.3.5 to every session that reaches it. No such row meets the goal, and the try says
    so before its table, naming the file; there is no expected column, so no legend of one."""
    run = verdict.decide(RunResult.from_dict(json.loads((RECORDED.with_name("tries") / "try-typo.json").read_text())), Basis.GOAL)
    bad = [p for p in run.probes if p.verdict == Kind.CONFIG_ERROR]
    assert [p.probe for p in bad] == ["auth-lan", "auth-internet", "direct-inbound", "relay-unauth-internet",
                                      "relay-unauth-lan"]
    assert not any(p.ok or p.goal_met for p in bad) and not run.goal.met
    for width in (80, 100):
        lines = tried_lines(run, width, "typo.cf")
        assert lines[0] == "try-typo (postfix): typo.cf, judged against the note's goal"
        assert lines[1].startswith("✗ configuration error: postfix answered 451 4.3.5 Server configuration error")
        table = next(n for n, line in enumerate(lines) if line.startswith("probe "))
        assert any('warning: unknown smtpd restriction: "permit_sasl_authenticatd"' in line for line in lines[:table])
        assert not any("expected =" in line for line in lines)


def test_a_configuration_error_decides_a_row_before_anything_else():
    for basis in Basis:
        v = verdict.judge(Outcome.DEFERRED, Outcome.DEFERRED, [], True, basis, "451 4.3.5 Server configuration error")
        assert v.kind == Kind.CONFIG_ERROR and not v.ok and v.kind.wrong_outcome
    assert verdict.judge(Outcome.DEFERRED, Outcome.DEFERRED, []).ok


def quiz_text(s, width: int = 200, **kwargs) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(teach_view.quiz(s, TOPO, {"predict": "make predict-method1-addendum", "unresolved": "not up"}, **kwargs))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def test_the_quiz_shows_the_configuration_and_probes_but_no_answer():
    s = scenario.find("method1-addendum", TOPO).rendered(TOPO)
    text = quiz_text(s)
    assert "permit_auth_destination" in text and "direct-inbound" in text and "outside → relay → postfix" in text
    assert s.title not in text and s.lesson.splitlines()[0] not in text  # the title can give it away
    for p in s.probes:  # no expected outcome beside any probe
        row = next(line for line in text.splitlines() if line.split()[:1] == [p.id])
        assert not set(row.split()) & set(sheet.PREDICTABLE), row
    assert text.rstrip().endswith("make predict-method1-addendum")


def test_the_quiz_of_a_lab_not_up_keeps_the_placeholder_and_shows_no_address():
    s = scenario.find("method1", TOPO)
    text = quiz_text(s, addresses=False)
    assert "mynetworks = 127.0.0.0/8,{{relay}}" in text and "not up" in text
    assert not [a for h in TOPO.hosts.values() for a in h.addresses.values() if a in text]


def test_the_baseline_quiz_shows_the_lines_that_decide():
    text = quiz_text(scenario.find("baseline", TOPO).rendered(TOPO))
    assert "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination" in text
    assert "mynetworks = 127.0.0.0/8" in text
