"""make class-report: one page, a column per student, every variant's probes as rows; built
from results/<lab>/*.json only (runs saved here in a checkout under tmp_path)."""

import dataclasses

import pagetext
from factories import probe, run

from lab.model import results, settings
from lab.model.outcomes import Outcome
from lab.views import class_report


def save(tmp_path, name, *probes):
    s = dataclasses.replace(settings.load({"LAB_NAME": name}, nets=("100.64.1", "10.77.1")), root=tmp_path)
    results.save(run(*probes, lab=results.lab_of(s)), s)


def test_every_students_matrix_side_by_side(tmp_path):
    R, D = Outcome.REJECTED, Outcome.DELIVERED
    save(tmp_path, "ann", probe("direct-inbound", R, R), probe("via-relay", D, D))
    save(tmp_path, "bob", probe("direct-inbound", R, D), probe("via-relay", D, D))
    path, count = class_report.write("monday", ["ann", "bob", "carol"], root=tmp_path)
    html = path.read_text()
    assert path == tmp_path / "results" / "class.monday.html" and count == 2
    assert html.count('<th><span class="id">ann</span>') == 2 and '<th><span class="id">carol' in html  # the
    # glance and the variant; carol ran nothing
    shown = pagetext.text(html)
    assert "✓" in shown and "✗ 1" in shown  # ann's run matched, bob's has one mismatch
    assert "deliveredexpected rejected" in shown  # bob's cell says what was expected (on a line of its own)
    assert "2026-11-29 09:00" in shown  # when
    ja = (tmp_path / "results" / "class.monday.ja.html").read_text()  # beside it, in Japanese
    assert '<html lang="ja">' in ja and "誰がいつ何を実行したか" in ja and pagetext.english_rows(ja) == []
    assert "<script" not in html and "http" not in html.split("</style>")[0]  # one self-contained page


def test_the_grid_keeps_scenario_order_and_every_probe_once(tmp_path):
    R = Outcome.REJECTED
    runs = {"ann": [run(probe("a", R, R))], "bob": [run(probe("b", R, R), probe("a", R, R))], "carol": []}
    [row] = class_report.grid(runs)
    assert row["variant"] == "method1" and row["probes"] == ["a", "b"]
    assert row["runs"]["carol"] is None and row["cells"]["carol"] == {}
