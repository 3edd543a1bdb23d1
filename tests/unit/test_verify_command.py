"""`list` and `verify` before anything runs: every scenario file is checked first, a broken
one is named in one line; `verify` ends with one line over all variants. No lab needed: the
variant run is replaced by real recorded runs (tests/unit/recorded/results/)."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from lab import cli
from lab.model import results, scenario, settings, topology
from lab.model.outcomes import Outcome
from lab.verify import variant as verify
from lab.views import run_table

RECORDED = Path(__file__).with_name("recorded") / "results"
GOOD = """\
id: {id}
title: Good {id}
title_ja: 良い {id}
server: postfix
probes: [direct-inbound]
expect:
  direct-inbound: rejected
lesson: L.
lesson_ja: 教訓。
"""


@pytest.fixture(scope="module")
def topo():
    return topology.load(settings.load({}))


@pytest.fixture
def scenarios(tmp_path):
    """A scenarios folder with two good files and one broken one."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("alpha", "gamma"):
        (folder / f"{name}.yaml").write_text(GOOD.format(id=name))
    (folder / "beta.yaml").write_text(GOOD.format(id="beta").replace("server: postfix", "server: exim"))
    return folder


def test_check_all_keeps_the_good_and_names_each_broken_file_in_one_line(scenarios, topo):
    good, broken = scenario.check_all(topo, scenarios)
    assert [s.id for s in good] == ["alpha", "gamma"]
    assert broken == [f"{scenarios / 'beta.yaml'}: server: unknown server 'exim' (known: postfix, sendmail)"]


def test_the_real_scenarios_are_all_good(topo):
    good, broken = scenario.check_all(topo)
    assert broken == [] and [s.id for s in good] == scenario.ids()


@pytest.fixture
def lab_dir(tmp_path, monkeypatch, scenarios):
    """A checkout in tmp_path (results land there), its scenarios the folder above; variant
    runs replaced by recorded ones, each probe announced as the real run does."""
    shutil.copy(settings.ROOT / "compose.yaml", tmp_path)
    real_load, real_check = settings.load, scenario.check_all
    monkeypatch.setattr(settings, "load", lambda env=None: dataclasses.replace(real_load({}), root=tmp_path))
    monkeypatch.setattr(scenario, "check_all", lambda topo: real_check(topo, scenarios))
    ran = []

    def run_variant(variant, s, say=None, on_probe=None, **_):
        run = run_table_run(variant if (RECORDED / f"{variant}.json").exists() else "method1")
        for i, p in enumerate(run.probes):
            on_probe(p.probe, i, len(run.probes))
        ran.append(variant)
        return dataclasses.replace(run, variant=variant, lab=results.lab_of(s))

    monkeypatch.setattr(verify, "run_variant", run_variant)
    # run_all (several variants) checks the lab and resets the relay first: no lab here
    monkeypatch.setattr(verify, "ensure_running", lambda s, say=print: s)
    monkeypatch.setattr(verify, "reset_helpers", lambda s, topo: None)
    monkeypatch.setattr(verify.subnets, "resolve", lambda s: s)
    return ran


def run_table_run(variant):
    return results.RunResult.from_dict(json.loads((RECORDED / f"{variant}.json").read_text()))


def test_list_names_the_good_variants_and_the_broken_file(lab_dir, scenarios, capsys):
    assert cli.main(["list"]) == 1
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == ["alpha", "gamma"]
    assert err == f"lab: broken: {scenarios / 'beta.yaml'}: server: unknown server 'exim' (known: postfix, sendmail)\n"


def test_verify_all_refuses_to_start_with_a_broken_file(lab_dir, scenarios, capsys):
    assert cli.main(["verify"]) == 2
    assert lab_dir == []  # nothing applied, nothing probed
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"lab: {scenarios / 'beta.yaml'}: server: unknown server 'exim' (known: postfix, sendmail)"
    assert err[1].startswith("lab: nothing verified")


def test_verify_one_good_variant_runs_while_another_file_is_broken(lab_dir, capsys):
    assert cli.main(["verify", "method1"]) == 0
    assert lab_dir == ["method1"]
    out = capsys.readouterr().out
    assert "method1: 8 probes in" in out and "run a row again: .venv/bin/python -m lab probe" in out
    assert "verify:" not in out  # one variant: its own summary says it all


def test_verify_names_an_unknown_variant_before_running_any(lab_dir, capsys):
    assert cli.main(["verify", "method1", "nosuch"]) == 2
    assert lab_dir == [] and "unknown variant 'nosuch'" in capsys.readouterr().err


def test_verify_all_ends_with_one_line_over_every_variant(lab_dir, scenarios, tmp_path, monkeypatch, capsys):
    (scenarios / "beta.yaml").unlink()
    assert cli.main(["verify"]) == 0
    assert lab_dir == ["alpha", "gamma"]
    lines = capsys.readouterr().out.strip().splitlines()
    last = lines[-2]  # then only the tip for every column
    assert lines[-1] == "every column: make verify WIDE=1"  # runs as printed
    assert last.startswith("verify: 2 variants, 16 probes, every outcome as expected; ")
    assert last.endswith("; results in results/smtplab/")
    assert (tmp_path / "results" / "smtplab" / "alpha.json").exists()


def test_the_closing_line_names_the_variants_with_mismatches():
    good = run_table_run("method1")
    bad = dataclasses.replace(good, variant="method2", probes=[
        dataclasses.replace(good.probes[0], actual=Outcome.REJECTED, ok=False), *good.probes[1:]])
    line = run_table.overall([good, bad, good], 92.4, "results/smtplab/")
    assert line == ("verify: 3 variants, 24 probes, 1 MISMATCH in method2; 1 min 32 s; results in results/smtplab/")


def test_verify_exits_1_when_a_row_mismatches(lab_dir, monkeypatch, capsys):
    real = verify.run_variant

    def wrong(variant, s, say=None, on_probe=None, **_):
        run = real(variant, s, on_probe=on_probe)
        return dataclasses.replace(run, probes=[dataclasses.replace(run.probes[0], ok=False), *run.probes[1:]])

    monkeypatch.setattr(verify, "run_variant", wrong)
    assert cli.main(["verify", "method1", "method1"]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-2]
    assert last.startswith("verify: 2 variants, 16 probes, 2 MISMATCHES in method1, method1; ")


def test_verify_says_which_variants_meet_the_goal_and_which_break_it(lab_dir, scenarios, monkeypatch, capsys):
    from lab.model import goal
    from lab.model.outcomes import Outcome

    real = verify.run_variant

    def judged(variant, s, say=None, on_probe=None, **_):
        run = real(variant, s, on_probe=on_probe)
        if variant == "gamma":  # direct mail from outside delivered: the goal is lost, as expected or not
            run = dataclasses.replace(run, probes=[dataclasses.replace(p, actual=Outcome.DELIVERED)
                                                   if p.probe == "direct-inbound" else p for p in run.probes])
        goal.judge_run(run)
        return run

    monkeypatch.setattr(verify, "run_variant", judged)
    (scenarios / "beta.yaml").unlink()
    cli.main(["verify"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-3] == "goal: met by 1 (alpha); BROKEN by 1 (gamma (direct-inbound))"
    assert sum(line.startswith("goal: ") for line in lines) == 1  # once, whatever its length
    assert any(line.startswith("gamma: 8 probes in") and line.endswith("goal BROKEN by direct-inbound -> "
                                                                         "results/smtplab/gamma.json") for line in lines)
    assert "✗ direct-inbound: delivered, but the goal wants refused, auth-failed, rejected, deferred or" in "\n".join(lines)
