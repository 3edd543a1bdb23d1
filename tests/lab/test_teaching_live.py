"""Teaching with the lab, for real, through the make targets a class types (on the lab named
by LAB_NAME): `make verify` says which variants meet the note's goal and which break it and
by what; a prediction sheet with the true outcomes grades 8/8, one wrong cell 7/8 naming it;
the diff of method1 and its addendum; one's own configuration judged against the goal, and
Postfix's own words when it refuses one; the report and the prediction sheets in both
languages."""

import json
import os
import re
import subprocess

import pytest

from lab.model import results, settings

ROOT = settings.ROOT


def make(command: str, timeout: float = 900, **env) -> subprocess.CompletedProcess:
    """`command` as typed in the checkout (LAB_NAME comes from this environment)."""
    # as in a terminal: no outer make (under `make test` its MAKELEVEL would add "Entering directory" lines)
    outer = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    return subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env={**{k: v for k, v in os.environ.items() if k not in outer}, **env})


@pytest.fixture(scope="module")
def verified(running_lab, lab_settings):
    """`make verify` once for the module: every variant, in this lab."""
    out = make("make verify")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    return out.stdout


@pytest.mark.parametrize("variant, verdict", [
    ("method1", "goal met"),
    ("method1-addendum", "goal BROKEN by direct-inbound"),
    ("method1-misconfigured", "goal BROKEN by via-relay"),
    ("hostsallow-sendmail", "goal BROKEN by auth-lan, auth-internet, auth-local"),
])
def test_verify_says_which_variants_meet_the_goal(verified, lab_settings, variant, verdict):
    summary = next(line for line in verified.splitlines() if line.startswith(f"{variant}: "))
    assert "all as expected" in summary and summary.split(" -> ")[0].endswith(verdict), summary
    run = results.load(variant, lab_settings)
    assert run.goal.met is (verdict == "goal met")
    assert run.goal.broken == ([] if verdict == "goal met" else verdict.split(" by ")[1].split(", "))
    if not run.goal.met:  # the lesson gives the reason, naming the probes
        assert "Against the note's goal: broken by" in run.lesson
        assert all(p in run.lesson for p in run.goal.broken)
    assert re.search(r"^goal: met by \d+ \(.*method1.*\); BROKEN by \d+ \(.*method1-addendum \(direct-inbound\)",
                     verified, re.M)


def true_sheet(tmp_path, lab_settings, variant="method1"):
    path = tmp_path / f"{variant}.yaml"
    out = make(f"make predict-{variant} SHEET={path}")
    assert out.returncode == 0 and path.exists(), out.stdout + out.stderr
    text = path.read_text()
    for p in results.load(variant, lab_settings).probes:
        text = text.replace(f"\n{p.probe}:\n", f"\n{p.probe}: {p.actual}\n")
    path.write_text(text)
    return path


def test_a_sheet_with_the_true_outcomes_grades_8_of_8_and_one_wrong_cell_7_of_8(verified, lab_settings, tmp_path):
    sheet = true_sheet(tmp_path, lab_settings)
    out = make(f"make grade-method1 SHEET={sheet}")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "method1: 8/8"
    assert "graded against: this lab's latest run (results/" in out.stdout
    sheet.write_text(sheet.read_text().replace("direct-inbound: rejected", "direct-inbound: delivered"))
    out = make(f"make grade-method1 SHEET={sheet}")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "method1: 7/8"
    assert "✗ direct-inbound: you predicted delivered, it was rejected" in lines
    assert any(line.startswith("    reply: 554 5.7.1") for line in lines)
    assert "    decided by: reject" in lines
    assert any(line.startswith("    lesson: ") and "direct-inbound" in line for line in lines)
    grade = json.loads(sheet.with_name("method1.grade.json").read_text())
    assert (grade["score"], grade["total"], grade["wrong"]) == (7, 8, ["direct-inbound"])


def test_a_sheet_with_an_unknown_outcome_is_one_line_naming_its_line(verified, lab_settings, tmp_path):
    sheet = true_sheet(tmp_path, lab_settings)
    sheet.write_text(sheet.read_text().replace("via-relay: delivered", "via-relay: deliverd"))
    out = make(f"make grade-method1 SHEET={sheet}")
    assert out.returncode == 2
    lab_lines = [line for line in out.stderr.splitlines() if line.startswith("lab: ")]
    assert len(lab_lines) == 1 and re.match(rf"lab: {re.escape(str(sheet))}: line \d+: via-relay: unknown outcome "
                                            r"'deliverd'", lab_lines[0]), out.stderr


def test_diff_of_method1_and_its_addendum(verified):
    out = make("make diff A=method1 B=method1-addendum")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^  direct-inbound\s+rejected → delivered\s+decided by reject → permit_auth_destination$",
                     out.stdout, re.M), out.stdout
    assert re.search(r"^\s+\+ permit_auth_destination\s+\(main.cf smtpd_recipient_restrictions\)$", out.stdout, re.M)
    assert "goal: method1 met; method1-addendum BROKEN by direct-inbound" in out.stdout


def test_ones_own_configuration_is_judged_against_the_goal(running_lab, tmp_path):
    good = tmp_path / "mine.cf"
    good.write_text("mynetworks = 127.0.0.0/8, {{relay}}\n"
                    "smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination\n"
                    "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject\n")
    out = make(f"make try FILE={good}")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    assert "your configuration: goal met" in out.stdout
    hole = tmp_path / "hole.cf"
    hole.write_text("smtpd_relay_restrictions =\nsmtpd_recipient_restrictions = permit_mynetworks,\n"
                    "    permit_auth_destination, permit_sasl_authenticated, reject\n")
    out = make(f"make try FILE={hole}")
    assert out.returncode == 0, out.stderr
    assert "your configuration: goal BROKEN by direct-inbound" in out.stdout
    assert re.search(r"^✗ direct-inbound: delivered \(decided by permit_auth_destination\)", out.stdout, re.M)


def test_a_configuration_postfix_refuses_is_named_in_postfixs_words(running_lab, tmp_path):
    wrong = tmp_path / "wrong.cf"
    wrong.write_text("inet_interfaces = 192.0.2.99\n")
    out = make(f"make try FILE={wrong}")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[0] == (
        f"lab: {wrong}: Postfix does not serve this configuration: "
        "parameter inet_interfaces: no local interface found for 192.0.2.99"), out.stderr


def test_quiz_and_the_report_with_its_sheets_in_both_languages(verified, lab_settings):
    quiz = make("make quiz-method1-addendum")
    assert quiz.returncode == 0 and "permit_auth_destination" in quiz.stdout and "--- lesson" not in quiz.stdout
    for lang, heading, suffix in (("en", "All variants at a glance", ""), ("ja", "全バリアント一覧", ".ja")):
        out = make("make report", LAB_LANG=lang)  # writes both languages, names the reader's
        assert out.returncode == 0 and f"report{suffix}.html" in out.stdout, out.stderr
        page = (results.results_dir(lab_settings) / f"report{suffix}.html").read_text()
        sheets = (results.results_dir(lab_settings) / f"sheets{suffix}.html").read_text()
        assert f'<html lang="{lang}">' in page and heading in page and 'class="goal-broken"' in page
        assert f'<html lang="{lang}">' in sheets and 'class="blank"' in sheets


def test_a_misspelt_restriction_is_an_error_of_the_configuration(running_lab, tmp_path):
    typo = tmp_path / "typo.cf"
    typo.write_text("mynetworks = 127.0.0.0/8, {{relay}}\nsmtpd_relay_restrictions =\n"
                    "smtpd_recipient_restrictions = permit_mynetworks,\n    permit_sasl_authenticatd,\n    reject\n")
    out = make(f"make try FILE={typo}")
    assert out.returncode != 0, out.stdout[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0] == f"try-typo (postfix): {typo}, judged against the note's goal"
    assert lines[1].startswith("✗ configuration error: postfix answered 451 4.3.5 Server configuration error")
    assert "your configuration: goal BROKEN by" in out.stdout and "expected =" not in out.stdout
