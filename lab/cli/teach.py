"""The teaching commands: `show --quiz`, `predict`, `grade`, `diff`, `try`. Parse, call the
core (lab.teach), render (lab.views.teach_view)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from lab.actions.records import journal, record_run
from lab.cli.common import Commands, lab_settings
from lab.errors import ConfigRefused, LabError
from lab.model import results, scenario, settings, sheet, topology
from lab.model.results import RunResult
from lab.views import lab_screen as render
from lab.views import lang
from lab.views.words import say


def runner(s: settings.Settings) -> Callable[[str], tuple[RunResult, Path]]:
    """run_now(variant) for lab.teach.runs.obtain: apply and probe it as `make verify-<variant>`
    does (progress line, table, goal verdict), save it in results/<lab>/ with its Markdown."""
    def run_now(variant: str) -> tuple[RunResult, Path]:
        from lab.verify import variant as verify
        from lab.views import goal_view, progress
        from lab.views.run_table import table

        with progress.Line(render.console) as line:
            line.update(f"{variant}: applying")
            run = verify.run_variant(variant, s, on_probe=line.probes(variant), on_result=journal(s))
        path = record_run(run, s)
        render.console.print(table(run))
        render.console.print(goal_view.view(run))
        return run, path
    return run_now


def quiz(variant: str) -> int:
    from lab.views import teach_view

    s = lab_settings()
    topo = topology.load(s)
    found = scenario.find(variant, topo)
    commands = {"predict": s.command(f"make predict-{found.id}"), "unresolved": unresolved(s)}
    chosen = found.rendered(topo) if s.nets_settled else found  # a lab not up has no addresses yet
    render.console.print(teach_view.quiz(chosen, topo, commands, lang.current(), addresses=s.nets_settled))
    return 0


def unresolved(s: settings.Settings) -> str:
    """What a lab that is not up cannot show yet: its hosts' addresses."""
    return (f"lab {s.name} is not up: its addresses are given when it comes up ({s.command('make lab-up')}); "
            "until then {{relay}} stands for the trusted relay's address")


def _sheet(variant: str, given: str | None) -> tuple[settings.Settings, scenario.Scenario, Path]:
    """(settings, the variant, its prediction sheet's path: `given`, else the lab's own)."""
    s = lab_settings()
    chosen = scenario.find(variant, topology.load(s))
    return s, chosen, Path(given) if given else sheet.path_for(results.results_dir(s), chosen.id)


def cmd_predict(args: argparse.Namespace) -> int:
    from lab.views.teach_view import route

    s, chosen, path = _sheet(args.variant, args.out)
    shown = path.relative_to(s.root) if path.resolve().is_relative_to(s.root) else path
    grade = s.command(f"make grade-{chosen.id}" + (f" SHEET={shown}" if args.out else ""))
    if path.exists() and not args.force:
        say(render.console, f"{shown} is already there (kept: fill it in, then '{grade}'; --force writes an empty one)",
            markup=False)
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sheet.text(chosen, s.command(f"make quiz-{chosen.id}"), grade,
                               {p.id: route(p, chosen.server) for p in chosen.probes}, lang.current()))
    say(render.console, f"prediction sheet for {chosen.id}: {shown}\nfill it in (one outcome a probe), then: {grade}",
        markup=False)
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from lab.teach import grade, runs
    from lab.views import teach_view

    s, chosen, path = _sheet(args.variant, args.sheet)
    if not path.exists():
        raise LabError(f"{path}: no such prediction sheet (write one: '{s.command(f'make predict-{chosen.id}')}')")
    predicted = sheet.read(path, chosen)  # a bad sheet stops here, before anything runs
    run, source = runs.obtain(chosen, s, runner(s), fresh=args.run)
    language = lang.current()
    graded = grade.grade(chosen, predicted, run, source, path, language)
    for line in teach_view.grade(graded, s.root, language):
        say(render.console, line, hang=4)
    saved = grade.save(graded)
    say(render.console, f"grade -> {saved.relative_to(s.root) if saved.resolve().is_relative_to(s.root) else saved}",
        markup=False)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from lab.teach import diff, runs
    from lab.views import teach_view

    s = lab_settings()
    topo = topology.load(s)
    chosen = [scenario.find(v, topo) for v in (args.a, args.b)]  # both checked before anything runs
    found = [runs.obtain(c, s, runner(s), fresh=args.run) for c in chosen]
    language = lang.current()
    sources = [f"{run.variant}: {source.describe(s.root, lang=language)}" for run, source in found]
    for line in teach_view.diff(diff.compare(found[0][0], found[1][0]), sources, language):
        say(render.console, line, hang=6)
    return 0


def cmd_try(args: argparse.Namespace) -> int:
    from lab.model.verdict import Basis, Kind
    from lab.teach import tryout
    from lab.verify import variant as verify
    from lab.views import progress, teach_view

    s = lab_settings()
    topo = topology.load(s)
    files = {}
    for spec in args.file or []:
        dest, sep, source = spec.partition("=")
        if not sep:
            raise LabError(f"--file {spec}: give DEST=SOURCE, e.g. --file /etc/postfix/access=my-access")
        files[dest] = Path(source)
    own = tryout.scenario(Path(args.config), args.server, topo, files)
    try:
        with progress.Line(render.console) as line:
            line.update(f"{own.id}: applying")
            run = verify.run_variant(own, s, on_probe=line.probes(own.id), basis=Basis.GOAL,
                                     on_result=journal(s, Basis.GOAL))
    except ConfigRefused:  # the server's own complaint: the adapter names the file
        raise
    path = record_run(run, s, tried=True)
    render.console.print(teach_view.tried(run, render.console, lang.current(), source=args.config))
    say(render.console, f"-> {path.relative_to(s.root)}", markup=False)
    return 1 if any(p.verdict == Kind.CONFIG_ERROR for p in run.probes) else 0


def register(sub: Commands) -> None:
    pre = sub.add_parser("predict", help="write a prediction sheet for a variant (results/<lab>/sheets/<variant>.yaml)")
    pre.add_argument("variant")
    pre.add_argument("--out", help="write it here instead")
    pre.add_argument("--force", action="store_true", help="write an empty sheet over one already there")
    pre.set_defaults(func=cmd_predict)
    gra = sub.add_parser("grade", help="grade a prediction sheet against this lab's latest run of the variant "
                         "(run it if there is none): N/M, and why each wrong cell is wrong")
    gra.add_argument("variant")
    gra.add_argument("sheet", nargs="?", help="default: results/<lab>/sheets/<variant>.yaml")
    gra.add_argument("--run", action="store_true", help="run the variant again first")
    gra.set_defaults(func=cmd_grade)
    dif = sub.add_parser("diff", help="two variants: the probes whose outcome differs, beside the configuration "
                         "lines that differ (runs what this lab has not run yet)")
    dif.add_argument("a")
    dif.add_argument("b")
    dif.add_argument("--run", action="store_true", help="run both again first")
    dif.set_defaults(func=cmd_diff)
    tr = sub.add_parser("try", help="apply one's own main.cf fragment (or sendmail.mc lines), run every probe, "
                        "and judge it against the note's goal")
    tr.add_argument("config", help="a main.cf fragment ('name = value' lines; {{relay}} is the trusted relay's "
                    "address), or sendmail.mc lines with --server sendmail")
    tr.add_argument("--server", default="postfix", help="postfix (default) or sendmail")
    tr.add_argument("--file", action="append", metavar="DEST=SOURCE",
                    help="also write this file on the server, e.g. /etc/postfix/access=my-access (repeatable)")
    tr.set_defaults(func=cmd_try)
