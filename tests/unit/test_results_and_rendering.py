"""The JSON contract other tools read, and the views rendered from it."""

import dataclasses
import json
import threading

import pytest
from rich.console import Console

from factories import LAB, probe, run
from terminal import notes

from lab.views import run_table as render_run
from lab.model import goal, results, settings
from lab.model.trace import StepResult, TraceStep

PROBE_KEYS = {"probe", "client", "client_address", "client_address_seen", "recipient", "token", "expected",
              "actual", "ok", "code", "stage", "rule", "fate", "transcript", "seconds", "trace", "trace_note",
              "goal_met", "verdict", "why"}
STEP_KEYS = {"list", "restriction", "result", "detail"}
TOP_KEYS = {"schema", "variant", "server", "lab", "started", "config", "versions", "probes", "goal",
            "title", "title_ja", "lesson", "lesson_ja", "basis"}
LAB_KEYS = {"name", "internet", "lan"}
GOAL_KEYS = {"id", "met", "broken", "outside"}


def lab_settings(tmp_path, **env):
    """Settings of a lab whose checkout is tmp_path (results go to tmp_path/results/<lab>/)."""
    return dataclasses.replace(settings.load(env), root=tmp_path)


def test_json_contract_keys_and_version(tmp_path):
    s = lab_settings(tmp_path)
    traced = probe("direct-inbound", "rejected", "rejected")
    traced.trace = [TraceStep("smtpd_recipient_restrictions", "permit_mynetworks", StepResult.NO_DECISION, "no match"),
                    TraceStep("smtpd_recipient_restrictions", "reject", StepResult.REJECT, "554 5.7.1 ...")]
    whole = run(traced, probe("via-relay", "delivered", "delivered"), probe("relay-from-trusted", "relayed", "relayed"))
    goal.judge_run(whole)
    path = results.save(whole, s)
    assert path == tmp_path / "results" / "smtplab" / "method1.json"  # the default lab has a folder too
    data = json.loads(path.read_text())
    assert TOP_KEYS <= set(data) and data["schema"] == results.SCHEMA == 2
    assert set(data["lab"]) == LAB_KEYS and data["lab"] == dataclasses.asdict(results.lab_of(s)) == LAB
    assert PROBE_KEYS <= set(data["probes"][0])
    # the goal verdict beside expected/actual: per probe true, false or null, per run met/broken
    assert set(data["goal"]) == GOAL_KEYS and data["goal"]["id"] == "note"
    assert data["goal"] == {"id": "note", "met": True, "broken": [], "outside": ["relay-from-trusted"]}
    assert [p["goal_met"] for p in data["probes"]] == [True, True, None]
    assert [set(step) for step in data["probes"][0]["trace"]] == [STEP_KEYS] * 2
    assert data["probes"][0]["trace"][1] == {"list": "smtpd_recipient_restrictions", "restriction": "reject",
                                             "result": "reject", "detail": "554 5.7.1 ..."}
    loaded = results.load("method1", s)
    assert loaded.to_dict() == data and loaded.probes[0].trace == traced.trace
    assert loaded.probes[0].trace[1].result is StepResult.REJECT
    assert len(list((path.parent / "history").glob("method1-*.json"))) == 1


def test_each_lab_has_its_own_results_and_history_names_never_collide(tmp_path):
    labs = [dataclasses.replace(settings.load({"LAB_NAME": name}, nets=nets), root=tmp_path)
            for name, nets in (("student07", ("100.64.1", "10.77.1")), ("student08", ("100.64.2", "10.77.2")))]
    runs = {s.name: run(probe("direct-inbound", "rejected", "rejected"), lab=results.lab_of(s)) for s in labs}
    # many runs of the same variant, stamped in the same second, from several threads
    threads = [threading.Thread(target=results.save, args=(runs[s.name], s)) for s in labs for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in labs:
        data = json.loads((results.results_dir(s) / "method1.json").read_text())
        assert data["lab"] == {"name": s.name, "internet": f"{s.internet_net}.0/24", "lan": f"{s.lan_net}.0/24"}
        assert len(list((results.results_dir(s) / "history").glob("method1-*.json"))) == 10
    assert labs[0].internet_net != labs[1].internet_net


def test_a_run_is_never_saved_as_another_labs(tmp_path):
    with pytest.raises(ValueError, match="student08"):
        results.save(run(probe("a", "rejected", "rejected")), lab_settings(tmp_path, LAB_NAME="student08"))


def test_ok_is_false_when_any_cell_mismatches():
    assert run(probe("a", "rejected", "rejected")).ok
    assert not run(probe("a", "rejected", "rejected"), probe("b", "rejected", "delivered")).ok


def rendered(r):
    console = Console(record=True, width=200)
    console.print(render_run.table(r))
    return console.export_text()


def test_terminal_table_marks_mismatches_and_foreign_addresses():
    r = run(probe("good", "rejected", "rejected"), probe("bad", "rejected", "delivered", seen="10.0.0.9"))
    text = rendered(r)  # 200 columns: room for every detail column, one line a probe
    bad, good = (next(line for line in text.splitlines() if line.startswith(name + " ")) for name in ("bad", "good"))
    assert "delivered ✗ !" in bad and "✗" not in good and "!" not in good
    assert "10.0.0.9 (NOT 198.51.100.200!)" in bad  # the foreign address, loudly, only because it is foreign
    assert "outside → postfix" in text and "554 rcpt" in text
    assert text.count("python -m lab probe outside") == 2  # every row says how to run it again
    said = notes(r)  # below the table at any width: the mismatch, the address, the command
    assert said[0].startswith("✗ bad: expected rejected, got delivered (554 at rcpt")
    assert any(n.startswith("! bad: WARNING") and "10.0.0.9" in n and "198.51.100.200" in n for n in said)
    assert "    again: .venv/bin/python -m lab probe outside bad --server postfix" in said
    assert not any(n.startswith(("✗ good", "! good")) for n in said)


def test_markdown_has_every_row_and_the_config():
    md = render_run.markdown(run(probe("good", "rejected", "rejected"), probe("bad", "rejected", "delivered")))
    assert md.count("\n| good |") == 1 and "**delivered ✗**" in md
    assert "mynetworks = 127.0.0.0/8" in md and "`.venv/bin/python -m lab probe outside bad --server postfix`" in md


def test_markdown_shows_the_goal_beside_expected_and_actual_with_the_legend():
    r = run(probe("direct-inbound", "delivered", "delivered"), probe("relay-from-trusted", "relayed", "relayed"))
    goal.judge_run(r)
    md = render_run.markdown(r)
    assert "| probe | from | expected | actual | goal | code |" in md
    assert "| direct-inbound | outside -> postfix | delivered | delivered | **NO** |" in md
    assert "| relay-from-trusted | outside -> postfix | relayed | relayed | - |" in md
    assert "- goal BROKEN by direct-inbound" in md and "two different questions" in md
    assert "- · outside the goal: relay-from-trusted relayed - the trusted MX may relay" in md


def test_summary_names_the_mismatches():
    assert "1 MISMATCH: bad" in render_run.summary(run(probe("good", "rejected", "rejected"),
                                                       probe("bad", "rejected", "delivered")))
