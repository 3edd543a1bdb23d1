"""A class on the terminal: the progress of many labs at once, the roster after class-up,
one line per lab for class-status, the summary table of class-verify. Renders what
lab.actions.classroom returns (ClassDone: one LabDone per lab); decides nothing."""

from __future__ import annotations

import threading

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lab.model.class_results import Checked, ClassDone, LabDone, Started, Verified
from lab.views.progress import wanted

WORDS = {"up": "starting", "status": "checking", "verify": "verifying", "down": "removing"}


class Labs:
    """`with Labs(console, total, "up") as bar: ... on_event=bar.event` - one bar for the
    class (labs done of all, the ones in progress named); nothing under CI=true or when
    stdout is not a terminal. Lab failures are printed as they happen, live or not."""

    def __init__(self, console: Console, total: int, step: str):
        self.console, self.step = console, step
        self._lock, self._running = threading.Lock(), set[str]()
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=console, transient=True) if wanted(console) else None
        self._task = self._progress.add_task(WORDS.get(step, step), total=total) if self._progress else None

    def __enter__(self) -> "Labs":
        if self._progress:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress:
            self._progress.stop()

    def event(self, step: str, name: str, done: LabDone | None) -> None:
        with self._lock:
            if done is None:
                self._running.add(name)
            else:
                self._running.discard(name)
                if done.error:
                    self.console.print(f"[bold red]{name}[/]: {done.error}")
            if self._progress and self._task is not None:
                names = " ".join(sorted(self._running)[:6]) + (" …" if len(self._running) > 6 else "")
                self._progress.update(self._task, advance=0 if done is None else 1,
                                      description=f"{WORDS.get(step, step)} {names}".rstrip())


def _table(*columns: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(column, no_wrap=True)
    return table


def roster(done: ClassDone) -> list[str]:
    """After class-up: one line per student's lab - its name, engine (when the class is spread
    over several), subnets, and the commands to use it, whole (lines are never cut: print
    them with soft_wrap, so that a narrow terminal wraps them without breaking a paste)."""
    engine = {lab.name: lab.detail.engine if isinstance(lab.detail, Started) else "" for lab in done.labs}
    engines = len({engine[lab.name] for lab in done.labs if lab.settings}) > 1
    width = max((len(lab.name) for lab in done.labs), default=0)
    where = max((len(e) for e in engine.values()), default=0) if engines else 0
    lines = []
    for lab in done.labs:
        s = lab.settings
        head = lab.name.ljust(width) + ("  " + engine[lab.name].ljust(where) if engines else "")
        if s is None:
            lines.append(f"{head}  failed after {lab.seconds} s: {lab.error}")
            continue
        lines.append(f"{head}  {s.internet_net}.0/24 {s.lan_net}.0/24  shell: {s.command('make shell-outside')}"
                     f"  verify: {s.command('make verify-method1')}")
    return lines


def summary_line(done: ClassDone) -> str:
    bad = [lab.name for lab in done.labs if lab.error]
    word = {"up": "up", "down": "removed", "status": "checked", "verify": "verified"}.get(done.step, done.step)
    return (f"class {done.cls}: {len(done.labs) - len(bad)}/{len(done.labs)} labs {word} in {done.seconds} s "
            f"({done.jobs} at a time)" + (f"; failed: {' '.join(bad)}" if bad else ""))


def status_table(done: ClassDone) -> Table:
    """One line per lab: healthy or not, the active variant, the last result."""
    table = _table("lab", "health", "active variant", "last result")
    for lab in done.labs:
        d = lab.detail
        if lab.error or not isinstance(d, Checked):
            table.add_row(f"[red]{lab.name}[/]", "[red]error[/]", f"[red]{lab.error}[/]", "")
            continue
        health = "[green]healthy[/]" if d.healthy else ("[red]not healthy[/]" if d.hosts else "[red]not running[/]")
        if d.sick and d.hosts:
            health += " (" + "; ".join(f"{h}: {why}" for h, why in d.sick.items()) + ")"
        active = f"{d.variant} on {d.server}" if d.variant else "none applied"
        last = d.last
        result = (f"{last.variant} {'[green]ok[/]' if last.ok else '[red]mismatch[/]'} at {last.started}"
                  if last else "no run yet")
        table.add_row(lab.name, health, active, result)
    return table


def verify_table(done: ClassDone, variant: str) -> Table:
    """class-verify: lab, probes, mismatches, seconds (a failed lab names its error)."""
    table = _table("lab", "probes", "mismatches", "seconds", "")
    for lab in done.labs:
        d = lab.detail
        if lab.error or not isinstance(d, Verified):
            table.add_row(f"[red]{lab.name}[/]", "-", "-", str(lab.seconds), f"[red]{lab.error}[/]")
            continue
        colour = "green" if d.ok else "bold red"
        table.add_row(lab.name, str(d.probes), f"[{colour}]{d.mismatches}[/]", str(lab.seconds),
                      "" if d.ok else f"see results/{lab.name}/{variant}.md")
    return table
