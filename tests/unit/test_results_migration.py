"""Reading a run from a file: older documents come out in today's shape (one migration, at
load), and a document this lab cannot read is one line naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import older_document, probe, run

from lab.errors import LabError, exit_status
from lab.model import goal, results

OLD = Path(__file__).with_name("recorded") / "results"  # runs recorded before goal, traces, Japanese texts


def test_an_older_run_gets_its_goal_verdict_trace_note_and_japanese_texts():
    data = json.loads((OLD / "method1.json").read_text())
    assert "goal" not in data and "title_ja" not in data and "trace" not in data["probes"][0]
    r = results.read(OLD / "method1.json")
    assert r.goal is not None and r.goal.id == "note"
    assert r.goal.broken == [p.probe for p in r.probes if p.goal_met is False]
    assert all(p.trace == [] and p.trace_note == results.OLD_RUN_TRACE for p in r.probes)
    assert r.title_ja and r.lesson_ja.startswith("メモの主張は")  # scenarios/method1.yaml's


def test_a_document_of_today_reads_as_it_was_written():
    today = run(probe("direct-inbound", "rejected", "rejected"))
    today.probes[0].trace_note = "Postfix evaluated no restriction list"
    today.title_ja, today.lesson_ja = "独自", "自分の教訓"
    goal.judge_run(today)
    data = json.loads(json.dumps(today.to_dict()))
    assert results.RunResult.from_dict(data).to_dict() == data


def test_a_variant_without_its_file_any_more_keeps_its_english_texts():
    old = older_document(run(probe("direct-inbound", "rejected", "rejected")))
    old["variant"] = "gone-variant"
    r = results.RunResult.from_dict(old)
    assert (r.title, r.title_ja, r.lesson_ja) == ("Method 1", "", "")


def written(tmp_path, data) -> Path:
    path = tmp_path / "method1.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def current() -> dict:
    return run(probe("direct-inbound", "rejected", "rejected")).to_dict()


@pytest.mark.parametrize("change, said", [
    ({"schema": 3}, "a run result of schema 3, newer than this lab reads (2): update the lab"),
    ({"schema": 1}, "not a lab run result of schema 2 (schema: 1)"),
    ({"schema": "2"}, "not a lab run result of schema 2 (schema: '2')"),
    ({"schema": None}, "not a lab run result of schema 2 (schema: None)"),
    ({"probes": None}, "not a lab run result of schema 2 (TypeError"),
    ({"probes": [{"probe": "x"}]}, "not a lab run result of schema 2 (KeyError"),
    ({"probes": [{**current()["probes"][0], "actual": "vanished"}]}, "not a lab run result of schema 2 (ValueError"),
    ({"colour": "blue"}, "not a lab run result of schema 2 (TypeError"),
])
def test_a_document_this_lab_cannot_read_is_one_line_naming_the_file(tmp_path, change, said):
    path = written(tmp_path, {**current(), **change})
    with pytest.raises(LabError) as refused:
        results.read(path)
    assert str(refused.value).startswith(f"{path}: {said}") and "\n" not in str(refused.value)


def test_not_json_or_not_an_object_is_one_line_too(tmp_path, capsys):
    for text, said in (("{", "not JSON"), ("[1, 2]", "not a lab run result of schema 2 (schema: None)")):
        path = written(tmp_path, text)
        assert exit_status(lambda: results.read(path) and 0) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"lab: {path}: {said}") and err.count("\n") == 1
