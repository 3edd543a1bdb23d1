"""A whole class: one lab per student, brought up, checked, verified and removed together
(`make class-up STUDENTS=20`, `class-status`, `class-verify VARIANT=…`, `class-report`,
`class-down`; `.venv/bin/python -m lab.cli.classes --help`), on this machine's engine or
spread over several (ENGINES="ctx1 ctx2": a new lab goes to the engine with the fewest).

This module decides (who goes where, how many at once, what each step returns);
lab.runtime.classes finds (the labs each engine has with their class label, the roster).
A class is a name (CLASS, default "class"). Every lab class-up creates carries it as a label
on its networks (org.smtplab.class=<class>), so class-down removes exactly the labs it
created - never a lab of the same name made by hand, never another class's. The roster
(results/class.<class>.json: names, subnets, engines) stays after class-down, for the report.

The numbers below were measured on a 2-core, 24 GiB Debian 12 machine (make bench-class;
README, "A whole class on one machine"): starting labs is CPU-bound, so a few at a time.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Collection

from lab import interrupt
from lab.errors import LabError
from lab.model import settings
from lab.model.class_results import (Checked, ClassDone, Detail, LabDone, LastRun, Removed, Started,
                                     Verified)
from lab.model.settings import Settings

DEFAULT_CLASS = "class"
UP_JOBS = 4  # labs started at once: measured best on 2 cores (README, "A whole class on one machine")
VERIFY_JOBS = 6  # labs verified at once: a run mostly waits (on mail, on logs); 60 labs passed at 6, 20 at 20
# labs checked at once by class-status: a lab's check is 7 execs at once (~100 ms of CPU each);
# 6 labs at once on 2 cores made greetings miss their 2 s and healthy hosts look unhealthy
STATUS_JOBS = 2
LABS_PER_CORE = 30  # measured: 60 labs healthy, and all passing method1, on 2 cores (no limit reached)
MIB_PER_LAB = 120  # measured: an idle lab's 7 containers use ~40 MiB; three times that to run a variant
DIGITS = 2  # student01 ... student99 (3 digits from 100 students on)
# how long a just-started host may fail its check while a class starts: with 6 labs at once
# on 2 busy cores sendmail took more than the single lab's 20 s to greet, was judged
# unhealthy, recreated, and failed again
START_GRACE = 90.0


# --- input: who is in the class --------------------------------------------------------------

def student_names(students: str | None = None, names: str | None = None, prefix: str = "student") -> list[str]:
    """STUDENTS=N -> student01 … studentNN (<prefix>01 …); NAMES="ann bob" -> those. One line
    on bad input."""
    if students and names:
        raise LabError("give STUDENTS=N or NAMES=\"ann bob …\", not both")
    if names is not None and names.strip():
        chosen = names.split()
    elif students is not None and str(students).strip():
        try:
            n = int(str(students).strip())
        except ValueError:
            raise LabError(f"STUDENTS={students!r}: give a number of students, e.g. STUDENTS=20") from None
        if n < 1:
            raise LabError(f"STUDENTS={n}: a class needs at least one student")
        width = max(DIGITS, len(str(n)))
        chosen = [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]
    else:
        raise LabError("say who is in the class: STUDENTS=N (student01 …) or NAMES=\"ann bob …\"")
    seen = set()
    for name in chosen:
        if name in seen:
            raise LabError(f"NAMES: {name!r} twice: every student needs a lab of their own")
        seen.add(name)
        if name == settings.DEFAULT_NAME:
            raise LabError(f"NAMES: {name!r} is the default lab's name; give the student another")
        settings.load({"LAB_NAME": name})  # the same rule as LAB_NAME, the same one-line error
    return chosen


def class_name(value: str | None) -> str:
    name = (value or "").strip() or DEFAULT_CLASS
    try:
        settings.load({"LAB_NAME": name})
    except LabError:
        raise LabError(f"CLASS={name!r}: use lower-case letters, digits, '-' or '_' (at most 31)") from None
    return name


def capacity(cpus: int, memory_mib: float) -> int:
    """How many labs this machine holds, every one healthy (measured: LABS_PER_CORE, MIB_PER_LAB)."""
    return max(0, min(LABS_PER_CORE * cpus, int(0.8 * memory_mib // MIB_PER_LAB)))


def machine() -> tuple[int, float]:
    """(cores, MiB of memory) of this machine."""
    mem = 0.0
    try:
        with open("/proc/meminfo") as f:
            mem = next(int(line.split()[1]) / 1024 for line in f if line.startswith("MemTotal:"))
    except (OSError, StopIteration):
        pass
    return os.cpu_count() or 1, mem


def plan(cls: str, names: list[str], labs: dict[str, str | None], room: int) -> list[str]:
    """Check a class-up before anything starts: labs maps every lab on the engine to its class
    (None: not of a class). A name taken by a lab not of this class, or more labs than the
    machine holds, is one line; returns the names to bring up."""
    for name in names:
        if name in labs and labs[name] != cls:
            owner = f"class {labs[name]!r}" if labs[name] else "no class (made by hand)"
            raise LabError(f"lab {name} exists already and belongs to {owner}, not to class {cls!r}: "
                           f"give the student another name (NAMES=…) or remove that lab first")
    after = len(set(labs) | set(names))
    if after > room:
        others = len(set(labs) - set(names))
        raise LabError(f"{len(names)} labs: this machine holds at most {room} labs with every one healthy "
                       f"(measured, README 'A whole class on one machine')"
                       + (f", and {others} other labs run here already" if others else "")
                       + f"; start at most {max(0, room - others)}")
    return names


# --- what runs (lab.runtime.classes finds it) ---------------------------------------------

def labs_on_engine(wheres: list[str] | None = None) -> dict[str, str | None]:
    """Every lab on the engines (default: the usual one): its class, or None."""
    from lab.runtime import classes

    return {name: owner for name, (owner, _) in classes.everywhere(wheres or [""]).items()}


def members(cls: str) -> list[str]:
    """The labs of the class, by their label (what class-down removes)."""
    from lab.runtime import classes

    return list(classes.members(cls))


def roster(cls: str) -> list[str]:
    """The class's labs: those running, else the last roster written (after class-down)."""
    from lab.runtime import classes

    running = members(cls)
    if running:
        return running
    written = classes.read_roster(cls)
    if written:
        return [lab["name"] for lab in written]
    raise LabError(f"class {cls!r} has no labs and no roster (results/class.{cls}.json): "
                   f"bring it up first (make class-up STUDENTS=N CLASS={cls})")


def assign(names: list[str], wheres: list[str], labs: dict[str, tuple[str | None, str]]) -> dict[str, str]:
    """Which engine each lab goes to: a lab that exists stays on its engine; a new one goes to
    the engine with the fewest labs so far (the first listed on a tie)."""
    load = {where: sum(1 for _, on in labs.values() if on == where) for where in wheres}
    chosen = {}
    for name in names:
        if name in labs and labs[name][1] in load:
            chosen[name] = labs[name][1]
            continue
        where = min(wheres, key=lambda w: (load[w], wheres.index(w)))
        chosen[name], load[where] = where, load[where] + 1
    return chosen


# --- doing it, a few labs at a time -----------------------------------------------------------

OnEvent = Callable[[str, str, LabDone | None], None]  # (step, lab, None) as a lab starts, (step, lab, result) as it ends

# what Ctrl-C's line says of a step: a lab done, a lab it stopped midway, what to do next
STOPPED = {
    "up": ("up", "stopped while starting", "make class-up CLASS={cls} finishes them, make class-down CLASS={cls} "
           "removes them"),
    "status": ("checked", "not checked", "class-status changes nothing"),
    "verify": ("verified and saved", "stopped midway and not saved", "their server is left with the variant "
               "applied or half applied; the next verify or apply starts from the baseline again"),
    "down": ("removed", "stopped while being removed", "make class-down CLASS={cls} removes the rest"),
}


def stopped(cls: str, step: str, total: int, started: Collection[str], ended: Collection[str]) -> str:
    """Ctrl-C's line for a step of `total` labs: how many were done, which were stopped
    midway, how many not started, and what to do next."""
    done, midway, then = STOPPED[step]
    cut = sorted(set(started) - set(ended))
    parts = [f"{len(ended)} of {total} labs {done}"]
    if cut:
        parts.append(f"{len(cut)} {midway} ({' '.join(cut)})")
    if total > len(started):
        parts.append(f"{total - len(started)} not started")
    return f"class {cls}: {', '.join(parts)}; {then.format(cls=cls)}"


def each(cls: str, step: str, where: dict[str, str], work: Callable[[str, str], tuple[Settings | None, Detail]],
         jobs: int, on_event: OnEvent | None = None) -> ClassDone:
    """work(name, engine) for every lab (where: name -> its engine, "" for the usual one), on
    that engine, `jobs` at a time; one lab's failure is its own row, never the others'.
    on_event(step, name, None) as a lab starts, (step, name, result) when it ends. Ctrl-C
    stops every lab's work at once and says how far each got (`stopped`)."""
    from lab.runtime import engine

    start = time.monotonic()
    started: list[str] = []
    ended: list[str] = []

    def one(name: str) -> LabDone:
        interrupt.check()  # a lab still queued when Ctrl-C came is not started
        started.append(name)
        if on_event:
            on_event(step, name, None)
        began = time.monotonic()
        try:
            with engine.using(where[name]):
                s, detail = work(name, where[name])
            done = LabDone(name, round(time.monotonic() - began, 1), s, None, detail)
        except LabError as exc:
            done = LabDone(name, round(time.monotonic() - began, 1), None, str(exc))
        except Exception as exc:  # noqa: BLE001 - the engine failing one lab (an API error, a
            # time-out) is that lab's row, not the end of the class
            done = LabDone(name, round(time.monotonic() - began, 1), None, f"{type(exc).__name__}: {exc}")
        ended.append(name)
        if on_event:
            on_event(step, name, done)
        return done

    with interrupt.story(lambda: stopped(cls, step, len(where), started, ended)), interrupt.pool(max(1, jobs)) as pool:
        labs = list(pool.map(one, where))
    return ClassDone(cls, step, labs, round(time.monotonic() - start, 1), jobs)


def up(cls: str, names: list[str], jobs: int = UP_JOBS, on_event: OnEvent | None = None,
       say: Callable[[str], None] = print, room: int | None = None,
       wheres: list[str] | None = None) -> ClassDone:
    """Check the plan, build the images once (and copy them to the other engines), then bring
    the labs up `jobs` at a time, each labelled with the class; write the roster. room: how
    many labs the machines may hold (default: the measured capacity of this machine, per
    machine; make bench-class goes past it to find the limit). wheres: the engines to spread
    the labs over (lab.runtime.classes.engines; default the usual one)."""
    from lab.runtime import classes, engine, images, lifecycle

    wheres = wheres or [""]
    labs = classes.everywhere(sorted(set(wheres) | set(classes.engines_of(cls))))
    room = capacity(*machine()) * classes.machines(wheres) if room is None else room
    plan(cls, names, {name: owner for name, (owner, _) in labs.items()}, room)
    where = assign(names, wheres, labs)
    first = settings.load(classes.lab_env(names[0]))
    images.build_all(first, say)
    for other in sorted({w for w in where.values() if w}):
        say(f"images: {', '.join(images.copy_to(first, other)) or 'up to date'} on {other}")

    def work(name: str, on: str) -> tuple[Settings, Started]:
        result = lifecycle.up(settings.load(classes.lab_env(name, on)), say=lambda *_: None, build=False,
                              labels={classes.CLASS_LABEL: cls}, grace=START_GRACE)
        return result.settings, Started(len(result.hosts), on or engine.host())

    done = each(cls, "up", where, work, jobs, on_event)
    found = classes.members(cls, sorted(set(wheres) | set(classes.engines_of(cls))))
    classes.save_roster(cls, [classes.lab_settings(n, on) for n, on in found.items()])
    return done


def status(cls: str, jobs: int = STATUS_JOBS, on_event: OnEvent | None = None) -> ClassDone:
    """Each lab of the class: healthy or not, its active variant, its last result. A lab
    whose check fails is asked once more, alone (a greeting can miss its 2 s on a machine
    busy with the other labs' checks)."""
    from lab import servers
    from lab.model import results
    from lab.runtime import classes, lifecycle

    def work(name: str, on: str) -> tuple[Settings, Checked]:
        state = lifecycle.status(classes.lab_settings(name, on))
        if state.hosts and not state.running:
            state = lifecycle.status(state.settings)
        running = {h.name for h in state.hosts if h.state == lifecycle.ContainerState.RUNNING}
        variant, server = servers.active(state.settings, state.topology, running) if running else (None, None)
        last = None
        for path in results.results_dir(state.settings).glob("*.json"):
            try:
                data = json.loads(path.read_text())
            except json.JSONDecodeError:
                continue
            if "probes" in data and (last is None or data.get("started", "") > last.started):
                last = LastRun(data.get("variant"), data.get("ok"), data.get("started", ""))
        return state.settings, Checked(state.running, len(state.hosts), variant, server, last,
                                       {h.name: f"{h.state}/{h.health} {h.said}".strip()
                                        for h in state.hosts if h.health != lifecycle.Health.HEALTHY})

    return each(cls, "status", classes.members(cls), work, jobs, on_event)


def verify(cls: str, variant: str, jobs: int = VERIFY_JOBS, on_event: OnEvent | None = None) -> ClassDone:
    """The variant in every lab of the class, `jobs` at a time; each lab's results saved in
    results/<lab>/ as `make verify-<variant>` saves them."""
    from lab.model import scenario, topology
    from lab.runtime import classes
    from lab.actions.records import journal, record_run
    from lab.verify import variant as verifying

    where = classes.members(cls)
    if not where:
        raise LabError(f"class {cls!r} has no labs running: make class-up STUDENTS=N CLASS={cls}")
    scenario.find(variant, topology.load(settings.load({})))  # a bad variant: one line, nothing runs

    def work(name: str, on: str) -> tuple[Settings, Verified]:
        s = classes.lab_settings(name, on)
        run = verifying.run_variant(variant, s, say=lambda *_: None, on_result=journal(s))
        record_run(run, s)
        return s, Verified(run.ok, len(run.probes), sum(1 for p in run.probes if not p.ok))

    return each(cls, "verify", where, work, jobs, on_event)


def down(cls: str, jobs: int = UP_JOBS, on_event: OnEvent | None = None) -> ClassDone:
    """Remove exactly the labs labelled with the class (the roster stays, for the report)."""
    from lab.runtime import classes, lifecycle

    def work(name: str, on: str) -> tuple[None, Removed]:
        return None, Removed(len(lifecycle.down(settings.load(classes.lab_env(name, on))).removed))

    return each(cls, "down", classes.members(cls), work, jobs, on_event)
