"""The report for teaching (the page itself is measured in a browser: tests/browser/): the
matrix coloured by the note's goal with a mark where an outcome differs from the expected,
the legend, the findings outside the goal, the Japanese page, the prediction sheets."""

import json
from pathlib import Path

import pagetext
from factories import older_document, probe, run

from lab.model import goal, scenario, settings, topology
from lab.model.results import RunResult
from lab.views import report, teach_report

TOPO = topology.load(settings.load({}))
RECORDED = Path(__file__).with_name("recorded") / "teach"


def recorded(*variants):
    return [RunResult.from_dict(json.loads((RECORDED / f"{v}.json").read_text())) for v in variants]


def test_cells_are_coloured_by_the_goal_and_marked_where_they_differ_from_the_expected():
    runs = recorded("method1", "method1-addendum")
    probes, rows = teach_report.matrix(runs)
    assert rows["direct-inbound"][0].css == "goal-met" and rows["direct-inbound"][1].css == "goal-broken"
    assert rows["relay-from-trusted"][0].css == "goal-outside" and rows["relay-from-trusted"][0].mark == "·"
    wrong = run(probe("direct-inbound", "rejected", "delivered"))
    goal.judge_run(wrong)  # as every run is, when it is made (verify) or read (migrated)
    assert teach_report.matrix([wrong])[1]["direct-inbound"][0].css == "goal-broken differs"
    html = report.render(runs, TOPO, "en")
    assert '<td class="goal-broken" title="expected: delivered' in html
    assert "differs from the expected" in html and "goal broken" in html and "not in the goal" in html
    assert "two different questions" in html  # the legend: expected and goal are not the same question
    shown = pagetext.text(html)
    assert "✗ goal BROKEN by: direct-inbound" in shown
    assert "relay-from-trusted relayed: the trusted MX may relay to any destination" in shown


def test_runs_recorded_before_the_goal_get_it_and_their_japanese_lesson():
    old = RunResult.from_dict(older_document(run(probe("direct-inbound", "rejected", "delivered"))))
    html = report.render([old], TOPO, "ja")
    assert old.goal.broken == ["direct-inbound"] and old.lesson_ja.startswith("メモの主張は")
    assert '<html lang="ja">' in html and "全バリアント一覧" in html and "教訓" in html
    assert "目標を破っているプローブ: direct-inbound" in pagetext.text(html)


def test_the_japanese_report_speaks_japanese_and_keeps_the_identifiers():
    html = report.render(recorded("method1-addendum"), TOPO, "ja")
    assert "方法1の追記（2008/09/24）" in html and "permit_auth_destination" in html
    assert "<th>判定ルール</th>" in html and "目標の範囲外" in html
    assert "外部のどのホストもローカルユーザへ直接配送できてしまう" in html  # lesson_ja, unfolded


def test_prediction_sheets_have_every_variant_and_no_answer():
    good, broken = scenario.check_all(TOPO)
    assert broken == []
    variants = [s.rendered(TOPO) for s in good]
    html = teach_report.render_sheets(variants, TOPO, "smtplab", "en")
    assert html.count("<section") == len(variants) + 1  # the empty matrix, then a page per variant
    for s in variants:
        assert f'<section id="{s.id}">' in html and s.title not in html and s.lesson.splitlines()[0] not in html
    assert 'class="blank"' in html and "@media print" in html and "break-before: page" in html
    assert "<script" not in html
    assert "予想シート" in teach_report.render_sheets(variants, TOPO, "smtplab", "ja")
