"""The class commands: parse, call lab.actions.classroom, render (`make class-up STUDENTS=20`, …;
`.venv/bin/python -m lab.cli.classes --help`). Every command exits 0 only when every lab did
what was asked (class-verify: no mismatch)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from lab.actions import classroom
from lab.model.class_results import Checked, ClassDone
from lab.errors import LabError, exit_status
from lab.views import class_view
from lab.views.lab_screen import console


def _run(step: str, total: int, call: Callable[[classroom.OnEvent], ClassDone]) -> ClassDone:
    with class_view.Labs(console, total, step) as bar:
        return call(bar.event)


def cmd_up(args: argparse.Namespace) -> int:
    from lab.runtime import classes

    names = classroom.student_names(args.students, args.names)
    wheres = classes.engines(args.engines)
    done = _run("up", len(names), lambda event: classroom.up(args.cls, names, args.jobs or classroom.UP_JOBS, event,
                                                              say=lambda *_: None, wheres=wheres))
    for lab, line in zip(done.labs, class_view.roster(done)):  # a line per lab, in order
        console.print(line, soft_wrap=True, markup=False, style="red" if lab.error else None)
    console.print(class_view.summary_line(done), style="green" if done.ok else "bold red")
    from lab.model.settings import ROOT
    from lab.web import running

    for line in running.student_links(ROOT, args.cls, [lab.name for lab in done.labs if lab.settings]):
        console.print(f"web: {line}", soft_wrap=True, markup=False)
    console.print(f"roster: results/class.{args.cls}.json; status: make class-status CLASS={args.cls}; "
                  f"remove them all: make class-down CLASS={args.cls}", style="dim")
    return 0 if done.ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    count = len(classroom.members(args.cls))
    if not count:
        console.print(f"class {args.cls}: no labs running (make class-up STUDENTS=N CLASS={args.cls})")
        return 1
    done = _run("status", count, lambda event: classroom.status(args.cls, args.jobs or classroom.STATUS_JOBS, event))
    console.print(class_view.status_table(done))
    healthy = all(lab.error is None and isinstance(lab.detail, Checked) and lab.detail.healthy
                  for lab in done.labs)
    return 0 if healthy else 1


def cmd_verify(args: argparse.Namespace) -> int:
    if not args.variant:
        raise LabError("say which variant: make class-verify VARIANT=method1")
    count = len(classroom.members(args.cls))
    done = _run("verify", count,
                lambda event: classroom.verify(args.cls, args.variant, args.jobs or classroom.VERIFY_JOBS, event))
    console.print(class_view.verify_table(done, args.variant))
    console.print(class_view.summary_line(done), style="green" if done.ok else "bold red")
    return 0 if done.ok else 1


def cmd_report(args: argparse.Namespace) -> int:
    from lab.views import class_report

    names = classroom.roster(args.cls)
    path, runs = class_report.write(args.cls, names)
    console.print(f"class {args.cls}: {len(names)} labs, {runs} runs -> {path.relative_to(classroom.settings.ROOT)}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    count = len(classroom.members(args.cls))
    done = _run("down", count, lambda event: classroom.down(args.cls, args.jobs or classroom.UP_JOBS, event))
    console.print(class_view.summary_line(done) if done.labs else f"class {args.cls}: no labs to remove",
                  style="green" if done.ok else "bold red")
    return 0 if done.ok else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=".venv/bin/python -m lab.cli.classes", description="a whole class on one machine")
    p.add_argument("--class", dest="cls_given", default=None, help=f"the class's name (default {classroom.DEFAULT_CLASS})")
    p.add_argument("--jobs", type=int, default=0, help="labs at a time (default: measured, see README)")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="one lab per student, a few at a time; then the roster")
    up.add_argument("--students", default=None, help="N: student01 ... studentNN")
    up.add_argument("--names", default=None, help="'ann bob ...': the labs' names")
    up.add_argument("--engines", default=None, help="'ctx1 unix:///tmp/x.sock ...': Docker contexts or DOCKER_HOST "
                    "URLs to spread the labs over (default: the usual engine)")
    up.set_defaults(func=cmd_up)
    sub.add_parser("status", help="one line per lab: healthy, active variant, last result").set_defaults(func=cmd_status)
    ver = sub.add_parser("verify", help="a variant in every lab of the class; a summary table")
    ver.add_argument("variant", nargs="?")
    ver.set_defaults(func=cmd_verify)
    sub.add_parser("report", help="results/class.<class>.html: every student's matrix side by side").set_defaults(func=cmd_report)
    sub.add_parser("down", help="remove exactly the labs of the class").set_defaults(func=cmd_down)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)

    def run() -> int:
        args.cls = classroom.class_name(args.cls_given)
        return args.func(args)

    return exit_status(run, f"class-{args.command}")


if __name__ == "__main__":
    raise SystemExit(main())
