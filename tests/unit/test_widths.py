"""Every line the lab prints outside its run tables wraps at spaces to the terminal's width:
at 80 and 100 columns no word is split, no printed command is broken across lines, and no
line is wider than the terminal (but one that is a single command wider than it). Each view
is rendered as a terminal of that width would show it (rich Console(width=...)) and compared
with the same view on a line wide enough for anything. (Not to a terminal, prose is not
wrapped at all: a line stays one line for grep.)"""

import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from lab.model import results, scenario, settings, topology, verdict
from lab.model.verdict import Basis
from lab.runtime.lifecycle import ContainerState, Health, HostState, StatusResult, UpResult
from lab.views import goal_view, lab_screen, run_table, teach_view
from lab.views.trace_view import run_traces
from lab.views.words import COMMAND, columns, say

RECORDED = Path(__file__).with_name("recorded") / "teach"
STUDENT = settings.load({"LAB_NAME": "student07"}, nets=("100.64.3", "10.77.3"))
TOPO = topology.load(STUDENT)
RULE = re.compile(r"^[─━-]+$")


def recorded(name: str, basis: Basis = Basis.EXPECTED) -> results.RunResult:
    folder = RECORDED.with_name("tries") if basis == Basis.GOAL else RECORDED
    return verdict.decide(results.RunResult.from_dict(json.loads((folder / f"{name}.json").read_text())), basis)


def shown(show, width: int) -> list[str]:
    """What `show(console)` prints on a terminal `width` columns wide."""
    console = Console(width=width, record=True, file=io.StringIO(), highlight=False, force_terminal=True)
    show(console)
    return [line.rstrip() for line in console.export_text().splitlines()]


def hosts(stopped: bool = False) -> list[HostState]:
    states = [HostState(h, f"student07_{h}_1", ContainerState.RUNNING, Health.HEALTHY) for h in TOPO.hosts]
    if stopped:
        states[1] = HostState("postfix", "student07_postfix_1", ContainerState.EXITED, Health.NONE, exit_code=137,
                              stopped_at=datetime(2026, 12, 3, 14, 32, tzinfo=timezone.utc))
    return states


def up(console):
    lab_screen.console = console
    lab_screen.up(UpResult(STUDENT, TOPO, [], hosts(), 9.5))


def status(console):
    lab_screen.console = console
    lab_screen.status(StatusResult(STUDENT, TOPO, hosts(stopped=True)), "method1", "postfix")


def variant_list(console):
    console.print(columns([(s.id, s.server, s.title) for s in scenario.check_all(TOPO)[0]]))


def quiz(console):
    s = scenario.find("method1-addendum", TOPO).rendered(TOPO)
    console.print(teach_view.quiz(s, TOPO, {"predict": STUDENT.command("make predict-method1-addendum"),
                                             "unresolved": ""}))


def verify_end(console):
    for name in ("method1-addendum", "sendmail-procmail"):
        run = recorded(name)
        console.print(run_table.notes_view(run))
        console.print(goal_view.view(run))
        say(console, run_table.summary_text(run, f"results/student07/{name}.json"), hang=4)
        say(console, run_table.hint(run), hang=4, markup=False)
    runs = [recorded(f.stem) for f in sorted(RECORDED.glob("*.json")) if not f.stem.startswith("try-")]
    say(console, goal_view.overall(runs), hang=6, markup=False)
    say(console, run_table.overall(runs, 31.2, "results/student07/"), hang=4, markup=False)
    say(console, f"every column: {STUDENT.command('make verify WIDE=1')}", markup=False)


def tried(console):
    console.print(teach_view.tried(recorded("try-typo", Basis.GOAL), console, source="/home/student07/typo.cf"))


def trace(console):
    say(console, run_traces(recorded("method2"), None, console.width), markup=False)


def logs_heading(console):
    say(console, lab_screen.logs_heading(STUDENT, "postfix", ["/var/log/mail.log", "/var/log/dovecot.log"],
                                         raw=False, follow=True), markup=False)


VIEWS = [up, status, variant_list, quiz, verify_end, tried, trace, logs_heading]


def words(lines: list[str]) -> set[str]:
    return {w for line in lines for w in line.split() if not RULE.match(w)}


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
def test_no_word_is_split_no_command_broken_no_line_too_wide(view, width):
    wide, narrow = shown(view, 1000), shown(view, width)
    split = words(narrow) - words(wide)
    assert not split, f"pieces of words at {width} columns: {sorted(split)[:10]}"
    for line in wide:
        for m in COMMAND.finditer(line):
            command = m[0].rstrip(").,;'")
            assert any(command in row for row in narrow), f"{command!r} broken across lines at {width} columns"
    for row in narrow:
        assert cell_len(row) <= width or COMMAND.fullmatch(row.strip()), f"{row!r} is wider than {width}"


def test_the_lab_up_summary_fits_100_columns_with_a_role_on_at_most_two_lines():
    lines = shown(up, 100)
    assert max(cell_len(line) for line in lines) <= 100
    for host in TOPO.hosts.values():
        first = next(n for n, line in enumerate(lines) if line.split()[:1] == [host.name])
        assert " ".join(host.role.split()) in " ".join(" ".join(lines[first:first + 2]).split()), host.name


def test_a_stopped_host_says_how_it_stopped():
    text = "\n".join(shown(status, 100))
    when = datetime(2026, 12, 3, 14, 32, tzinfo=timezone.utc).astimezone()
    assert f"stopped (exited 137, at {when:%H:%M})" in text


def test_a_command_wider_than_the_terminal_is_never_cut():
    long = "run it: " + STUDENT.command("make verify-method1-misconfigured WIDE=1")
    assert any(STUDENT.command("make verify-method1-misconfigured WIDE=1") in line
               for line in shown(lambda c: say(c, long), 30))


def test_prose_not_to_a_terminal_stays_one_line():
    long = "goal: met by 7 (" + ", ".join(scenario.ids()) + ")"
    console = Console(width=80, record=True, file=io.StringIO())
    say(console, long, markup=False)
    assert console.export_text().splitlines() == [long]
