"""The terminal table of a run, rendered from real runs (tests/unit/recorded/results/: JSON
written by `make verify-<variant>` in the lab) at the widths students have: every probe on
at most two lines, no identifier broken, the header whole, mismatches and the quarantine
lesson marked, the detail below the table."""

import dataclasses
import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from lab.model import verdict
from lab.model.outcomes import Outcome
from lab.model.results import RunResult
from lab.model import goal
from lab.views import goal_view, lang, run_table
from terminal import notes, render

RECORDED = Path(__file__).with_name("recorded") / "results"
VARIANTS = ("method1", "method2", "sendmail-procmail", "sendmail-procmail-logged")
WIDTHS = (80, 90, 100, 110, 120, 160, 200)  # 90 and 110: where rows wrap inside a column


def recorded(variant: str) -> RunResult:
    return RunResult.from_dict(json.loads((RECORDED / f"{variant}.json").read_text()))


def with_trouble(run: RunResult) -> RunResult:
    """The same run with a mismatch and a row whose client the server saw at another address."""
    probes = [dataclasses.replace(p) for p in run.probes]
    probes[0] = dataclasses.replace(probes[0], actual=Outcome.REJECTED, code=554, stage="relay->next hop")
    probes[1] = dataclasses.replace(probes[1], client_address_seen="10.9.9.9",
                                    warnings=[f"logged the client as 10.9.9.9, not {probes[1].client_address}"])
    return verdict.decide(dataclasses.replace(run, probes=probes))


def rows(run: RunResult, lines: list[str]) -> dict[str, list[str]]:
    """Each probe's lines: from the line that starts with its id to the next probe's."""
    starts = {p.probe: [i for i, line in enumerate(lines) if line.split()[:1] == [p.probe]] for p in run.probes}
    assert all(len(found) == 1 for found in starts.values()), starts
    order = sorted((found[0], probe) for probe, found in starts.items())
    ends = [i for i, _ in order[1:]] + [len(lines)]
    return {probe: lines[i:end] for (i, probe), end in zip(order, ends)}


def judged(run: RunResult) -> RunResult:
    """The run judged against the note's goal as its outcomes are now (with_trouble changes them)."""
    copy = dataclasses.replace(run, probes=[dataclasses.replace(p) for p in run.probes])
    goal.judge_run(copy)
    return copy


def unjudged(run: RunResult) -> RunResult:
    """The run as one never judged against the goal would be: no goal column (every run read
    from a file, or run now, has one; the table does not count on it)."""
    return dataclasses.replace(run, goal=None, probes=[dataclasses.replace(p, goal_met=None) for p in run.probes])


CASES = [(v, w, trouble, j) for v in VARIANTS for w in WIDTHS for trouble in (False, True) for j in (False, True)]


@pytest.mark.parametrize("variant, width, trouble, with_goal", CASES)
def test_every_probe_fits_two_lines_and_no_identifier_breaks(variant, width, trouble, with_goal):
    run = with_trouble(recorded(variant)) if trouble else recorded(variant)
    run = judged(run) if with_goal else unjudged(run)
    lines = render(run_table.table(run), width)
    assert all(cell_len(line.rstrip()) <= width for line in lines)
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["probe"])  # below the title
    rule = next(i for i, line in enumerate(lines) if i > start and line.startswith("─"))
    header = lines[start:rule]  # one line, or two for rows of two lines
    assert len(header) <= 2
    assert all(word in " ".join(header).split() for word in ("probe", "expected", "actual", "reply", "decided"))
    assert "from → to" in " ".join(header) and "decided by" in " ".join(header)
    for p in run.probes:
        mine = rows(run, lines)[p.probe]
        assert len(mine) <= 2, "\n".join(mine)
        words = [p.probe, p.client, p.server, str(p.expected), str(p.actual), str(p.code), *(p.rule or "-").split()]
        words += [lang.goal_mark(p.goal_met)] if with_goal else []  # the goal verdict, beside expected/actual
        for word in words:  # each whole on one of the row's lines, never split across them
            assert any(word in line.split() for line in mine), (word, mine)
        if "fate" in header[0].split():
            assert any(run_table.short_fate(p.fate) in line for line in mine)


@pytest.mark.parametrize("width", (160, 200))
@pytest.mark.parametrize("variant", VARIANTS)
def test_wide_terminals_get_one_line_a_probe(variant, width):
    run = recorded(variant)
    assert all(len(mine) == 1 for mine in rows(run, render(run_table.table(run), width)).values())


@pytest.mark.parametrize("width", WIDTHS)
def test_mismatches_are_marked_and_their_command_is_below_the_table(width):
    run = with_trouble(recorded("method1"))
    wrong, doubted = run.probes[0], run.probes[1]
    table = rows(run, render(run_table.table(run), width))
    assert "✗" in " ".join(table[wrong.probe]) and "!" in " ".join(table[doubted.probe])
    assert not any(mark in " ".join(table[p.probe]) for p in run.probes[2:] for mark in ("✗", "!"))
    notes = render(run_table.notes_view(run), width)
    assert notes[0].startswith(f"✗ {wrong.probe}: expected {wrong.expected}, got rejected")
    assert f"    again: {wrong.reproduce}" in [n.rstrip() for n in notes]  # whole, on one line
    assert f"    again: {doubted.reproduce}" in [n.rstrip() for n in notes]
    assert any("10.9.9.9" in n.split() or "10.9.9.9," in n.split() for n in notes if n.startswith(f"! {doubted.probe}"))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("variant", ("sendmail-procmail", "sendmail-procmail-logged"))
def test_the_quarantine_lesson_stays_visible(variant, width):
    run = recorded(variant)
    quarantined = next(p for p in run.probes if p.actual == Outcome.QUARANTINED)
    assert run_table.lies(quarantined)  # the real run: procmail quarantined it, the mail log says Sent
    row = rows(run, render(run_table.table(run), width))[quarantined.probe]
    assert "quarantined *" in " ".join(row)
    notes = render(run_table.notes_view(run), width)
    note = " ".join(n.strip() for n in notes)
    assert (f"* {quarantined.probe}: the mail log says stat=Sent (mailer=local), yet the message is in "
            f"quarantine: {quarantined.fate}") in note
    assert f"    {quarantined.fate}" in [n.rstrip() for n in notes]  # the path whole, on a line of its own
    assert all(n.startswith("  ") for n in notes[1:])  # the rest of the note indented, also where it wraps
    if variant.endswith("-logged"):  # procmail's own record names the folder it really chose
        assert any("Folder: /var/tmp/filterd-mails" in n for n in notes)


def test_only_rows_with_something_to_say_get_a_note():
    assert notes(recorded("method1")) == []
    assert notes(recorded("sendmail-procmail")) == [
        "* direct-inbound: the mail log says stat=Sent (mailer=local), yet the message is in quarantine:",
        "    sendmail:/var/tmp/filterd-mails"]


@pytest.mark.parametrize("width", (80, 100, 320))  # a record a probe where the columns do not fit side by side; 320: they do
def test_wide_shows_every_column(width):
    run = recorded("sendmail-procmail")
    lines = render(run_table.table(run, wide=True), width)
    text = "\n".join(lines)
    assert all(cell_len(line.rstrip()) <= width for line in lines)
    for column in ("client seen as", "fate", "maillog says", "reproduce", "decided by"):
        assert column in text
    assert "stat=Sent (mailer=local) ← but quarantined" in text
    joined = " ".join(line.strip() for line in lines)  # a command wraps at its spaces where it must
    assert all(p.reproduce in (text if width == 320 else joined) for p in run.probes)


def test_the_hint_runs_a_row_again_as_stored_with_the_labs_name():
    run = recorded("method1")
    named = dataclasses.replace(run, probes=[dataclasses.replace(p, reproduce=f"LAB_NAME=student07 {p.reproduce}")
                                             for p in run.probes])
    assert run_table.hint(named) == f"run a row again: LAB_NAME=student07 {run.probes[0].reproduce}"


@pytest.mark.parametrize("width", (80, 100, 120, 160))
def test_the_goal_column_marks_each_probe_and_the_notes_name_what_breaks_it(width):
    run = judged(recorded("method1"))
    run.probes[4] = dataclasses.replace(run.probes[4], actual=Outcome.DELIVERED)
    verdict.decide(run)  # the goal and every row, by the lab's own rules
    table = rows(run, render(run_table.table(run), width))
    assert "NO" in " ".join(table["direct-inbound"]).split()
    assert "-" in " ".join(table["relay-from-trusted"]).split()
    assert all("yes" in " ".join(table[p.probe]).split() for p in run.probes if p.goal_met)
    notes = [n.rstrip() for n in render(goal_view.view(run), width)]
    text = " ".join(n.strip() for n in notes)
    assert "goal BROKEN by direct-inbound" in text
    assert "direct-inbound: delivered, but the goal wants refused, auth-failed, rejected, deferred or quarantined" in text
    assert "outside the goal: relay-from-trusted relayed - the trusted MX may relay to any destination" in text
    assert "two different questions" in text  # the legend: expected and goal are not the same question
    assert all(cell_len(n) <= width for n in notes)


@pytest.mark.parametrize("width", (80, 120))
def test_japanese_headings(monkeypatch, width):
    monkeypatch.setenv("LAB_LANG", "ja")
    run = judged(recorded("method2"))
    lines = render(run_table.table(run), width)
    header = next(line for line in lines if line.startswith("プローブ"))
    assert "期待" in header and "目標" in header
    assert all(cell_len(line.rstrip()) <= width for line in lines)
    assert all(len(mine) <= 2 for mine in rows(run, lines).values())
    assert "○" in " ".join(rows(run, lines)["direct-inbound"]) and "－" in " ".join(rows(run, lines)["relay-from-trusted"])
