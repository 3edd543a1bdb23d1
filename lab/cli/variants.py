"""Commands on variants: list, show, verify, apply, trace, report."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from lab.actions.records import journal, record_failure, record_run
from lab.cli.common import Commands, lab_settings
from lab.errors import LabError
from lab.model.results import RunResult
from lab.views import lab_screen as render
from lab.views.words import columns, say


def cmd_list(args: argparse.Namespace) -> int:
    from lab.model import scenario
    from lab.model import topology

    good, broken = scenario.check_all(topology.load(lab_settings()))
    render.console.print(columns([(s.id, s.server, s.title) for s in good]))
    for line in broken:
        print(f"lab: broken: {line}", file=sys.stderr)
    return 1 if broken else 0


def cmd_show(args: argparse.Namespace) -> int:
    from lab.model import scenario
    from lab.model import topology

    if args.quiz:  # the configuration and the probes, no expectations, no lesson
        from lab.cli import teach
        return teach.quiz(args.variant)

    settings = lab_settings()
    topo = topology.load(settings)
    s = scenario.find(args.variant, topo)
    if settings.nets_settled:
        s = s.rendered(topo)
    from lab.views import lang
    language = lang.current()  # LAB_LANG=ja: the title and the lesson in Japanese
    say(render.console, f"{s.id} ({s.server}): {s.text('title', language)}", markup=False)
    say(render.console, f"source: {s.source}\n", markup=False)
    if not settings.nets_settled:  # a lab not up: no addresses yet, the configuration keeps {{relay}}
        from lab.cli.teach import unresolved
        say(render.console, unresolved(settings) + "\n", style="yellow", markup=False)
    for key, text in (("main.cf, from the note", s.postconf), ("main.cf, the lab's own lines", s.postconf_lab)):
        if text:
            print(f"--- {key}\n{text.rstrip()}\n")  # configuration: as it is
    for path, text in s.files.items():
        print(f"--- {path}\n{text.rstrip() or '(empty)'}\n")
    print("--- expected outcomes")
    render.console.print(columns([(p.id, str(s.expect[p.id]), p.what) for p in s.probes], indent=2))
    print("\n--- lesson")
    say(render.console, s.text("lesson", language), markup=False)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    import time

    from lab.model import scenario
    from lab.model import topology
    from lab.verify import variant as verify
    from lab.views import progress
    from lab.views import goal_view
    from lab.model.audit import Audit
    from lab.views import audit_view
    from lab.views.run_table import hint, notes_view, overall, summary_text, table

    start = time.monotonic()
    s = lab_settings()
    topo = topology.load(s)
    if args.variants:  # every named one checked before anything is applied (a broken one raises)
        server_of = {variant: scenario.find(variant, topo).server for variant in args.variants}
        chosen = args.variants
    else:
        good, broken = scenario.check_all(topo)
        if broken:
            for problem in broken:
                print(f"lab: {problem}", file=sys.stderr)
            print(f"lab: nothing verified: fix the broken scenario file first (one variant still runs: "
                  f"{s.command('make verify-<variant>')})", file=sys.stderr)
            return 2
        chosen = [g.id for g in good]
        server_of = {g.id: g.server for g in good}
    runs: list[RunResult] = []
    where: Path | None = None
    shown = threading.Lock()

    def show(run: RunResult) -> None:  # as each run ends; streams of two servers may end at once
        nonlocal where
        with shown:
            path = record_run(run, s)
            where = path.parent
            render.console.print(table(run, wide=args.wide))
            render.console.print(notes_view(run))
            render.console.print(goal_view.view(run))  # the other question: the note's goal
            if run.audit:  # the second opinion: nmap's (lab audit)
                render.console.print(audit_view.table(Audit.from_dict(run.audit), run.variant))
                render.console.print(audit_view.line(Audit.from_dict(run.audit)), soft_wrap=True)
            say(render.console, summary_text(run, str(path.relative_to(s.root))), hang=4)
            say(render.console, hint(run), hang=4, style="dim", markup=False)
            render.console.print()
            runs.append(run)

    try:
        with progress.Line(render.console) as line:
            if len(chosen) == 1:
                line.update(f"{chosen[0]}: applying")
                show(verify.run_variant(chosen[0], s, on_probe=line.probes(chosen[0]), audit=args.audit,
                                        on_result=journal(s)))
            else:  # one stream per server under test, side by side
                order = {v: n for n, v in enumerate(chosen, 1)}
                verify.run_all(chosen, s, on_probe_for=lambda v: line.probes(f"[{order[v]}/{len(chosen)}] {v}"),
                               on_done=show, server_of=server_of, audit=args.audit, on_result=journal(s))
    except BaseException as exc:  # the pages following the runs (make web) stop waiting for the rest
        why = "stopped (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else str(exc) or type(exc).__name__
        for variant in [v for v in chosen if v not in {r.variant for r in runs}]:
            record_failure(s, variant, why)
        raise
    if len(runs) > 1:
        if any(r.goal is not None for r in runs):  # the note's goal: a question apart from the expectations
            say(render.console, goal_view.overall(runs), hang=6, style="bold", markup=False)
        saved = f"{where.relative_to(s.root)}/" if where else ""  # where: set by show(), as each run ended
        say(render.console, overall(runs, time.monotonic() - start, saved), hang=4,
            style="bold green" if all(r.ok for r in runs) else "bold red", markup=False)
    if not args.wide:
        target = f"verify-{chosen[0]}" if len(chosen) == 1 and not chosen[0].endswith((".yaml", ".yml")) else "verify"
        say(render.console, f"every column: {s.command(f'make {target} WIDE=1')}", style="dim", markup=False)
    return 0 if all(r.ok and (r.audit is None or r.audit["agrees"]) for r in runs) else 1


def cmd_apply(args: argparse.Namespace) -> int:
    from lab.verify import variant as verify

    s = lab_settings()
    say(render.console, f"applied {verify.apply_variant(args.variant, s)}; try it by hand: "
        f"{s.command('make shell-outside')}", markup=False)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from lab.model import results
    from lab.views.trace_view import run_traces

    s = lab_settings()
    try:
        run = results.load(args.variant, s)
    except FileNotFoundError:
        raise LabError(f"lab {s.name} has no run of {args.variant!r} yet: run "
                       f"'{s.command(f'make verify-{args.variant}')}' first") from None
    if args.probe and args.probe not in {p.probe for p in run.probes}:
        raise LabError(f"the run of {run.variant} has no probe {args.probe!r}: it ran "
                       f"{', '.join(p.probe for p in run.probes)}")
    say(render.console, run_traces(run, args.probe, render.console.width), markup=False)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from lab.views import lang, page, report

    s = lab_settings()
    path, count = report.write(s)
    say(render.console, f"lab {s.name}: {count} variants -> {path.relative_to(s.root)}", markup=False)
    sheets = page.beside(path.with_name("sheets.html"), lang.current())  # report.ja.html: sheets.ja.html
    say(render.console, f"prediction sheets to print (no answers): {sheets.relative_to(s.root)}", markup=False)
    return 0


def register(sub: Commands) -> None:
    sub.add_parser("list", help="every variant with its title").set_defaults(func=cmd_list)
    show = sub.add_parser("show", help="a variant's configuration, expected outcomes and lesson")
    show.add_argument("variant")
    show.add_argument("--quiz", action="store_true", help="the configuration and the probes only: no expected "
                      "outcomes, no lesson (predict first: make predict-<variant>)")
    show.set_defaults(func=cmd_show)
    ver = sub.add_parser("verify", help="apply variants, run every probe, print and save the table (all if none named)")
    ver.add_argument("variants", nargs="*")
    ver.add_argument("--wide", action="store_true", help="every column (client seen as, fate, maillog, reproduce), "
                     "however narrow the terminal")
    ver.add_argument("--audit", action="store_true", help="nmap's smtp-open-relay too, after each variant's probes "
                     "(make verify AUDIT=1; lab audit)")
    ver.set_defaults(func=cmd_verify)
    app = sub.add_parser("apply", help="apply a variant without probing (to try it by hand)")
    app.add_argument("variant")
    app.set_defaults(func=cmd_apply)
    trc = sub.add_parser("trace", help="the restriction traces of this lab's latest run of a variant (results/<lab>/)")
    trc.add_argument("variant")
    trc.add_argument("probe", nargs="?", help="only this probe's")
    trc.set_defaults(func=cmd_trace)
    sub.add_parser("report", help="results/<lab>/report.html: this lab's runs on one page").set_defaults(func=cmd_report)
