"""Runs the server starts: a variant in one lab (the page's button, `POST .../verify/<variant>`),
or in every lab of the class (the class page's button). One thing at a time per lab: a lab
busy with a run started here answers 409 (`Busy`). A run is recorded, and followed live, by
the same code as the command line's (lab.actions.records: the results, the live journal)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lab.actions import records
from lab.errors import LabError
from lab.model.class_results import LabDone, Verified
from lab.model.results import RunResult
from lab.model.settings import Settings


class Busy(LabError):
    """The lab already runs something started here."""


@dataclass
class ClassJob:
    """The class page's run of one variant in every lab: each lab's state as it goes."""
    variant: str
    labs: dict[str, str]  # name -> waiting | running | ok | mismatch | failed: why
    started: float = field(default_factory=time.time)
    finished: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"variant": self.variant, "labs": dict(self.labs), "started": self.started, "finished": self.finished,
                "done": sum(1 for s in self.labs.values() if s not in ("waiting", "running"))}


@dataclass
class Runner:
    busy: dict[str, str] = field(default_factory=dict)  # lab -> what it runs
    _where: dict[str, tuple[Settings, str]] = field(default_factory=dict)  # lab -> (its settings, the variant)
    job: ClassJob | None = None
    changes: int = 0  # counts every change of the class job (its readers poll it)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _claim(self, labs: list[Settings], variant: str | None, what: str) -> None:
        with self._lock:
            taken = [s.name for s in labs if s.name in self.busy]
            if taken:
                raise Busy(f"lab {taken[0]} is running {self.busy[taken[0]]} already: wait for it to end")
            for s in labs:
                self.busy[s.name] = what
                if variant is not None:  # a run of a variant: told to its watchers if the server stops
                    self._where[s.name] = (s, variant)

    def _release(self, name: str) -> None:
        with self._lock:
            self.busy.pop(name, None)
            self._where.pop(name, None)

    def abandon(self) -> list[str]:
        """The server stops: every run still going is told to its watchers as failed; what they were."""
        with self._lock:
            going = list(self._where.items())
        for name, (s, variant) in going:
            records.record_failure(s, variant, "the web server stopped during the run")
        return [f"{variant} in lab {name}" for name, (_, variant) in going]

    @contextmanager
    def holding(self, s: Settings, what: str) -> Iterator[None]:
        """The lab claimed for `what` while the block runs (a try, a probe by hand; Busy if the
        lab runs something already)."""
        self._claim([s], None, what)
        try:
            yield
        finally:
            self._release(s.name)

    def verify(self, s: Settings, variant: str) -> None:
        """Start the variant in the lab, in the background (Busy if the lab runs something)."""
        self._claim([s], variant, variant)
        threading.Thread(target=self._verify, args=(s, variant), daemon=True, name=f"web-verify-{s.name}").start()

    @staticmethod
    def _run(s: Settings, variant: str) -> RunResult:
        from lab.verify import variant as verifying

        run = verifying.run_variant(variant, s, say=lambda *_: None, on_result=records.journal(s))
        records.record_run(run, s)
        return run

    def _verify(self, s: Settings, variant: str) -> None:
        """The run, then the lab released, then the run recorded: the `done` its watchers get
        comes when the lab takes the next thing (a page that goes on at once is not told 409)."""
        from lab.verify import variant as verifying

        try:
            run = verifying.run_variant(variant, s, say=lambda *_: None, on_result=records.journal(s))
        except Exception as exc:  # noqa: BLE001 - any end of the run is told to its watchers
            self._release(s.name)
            records.record_failure(s, variant, str(exc) if isinstance(exc, LabError) else f"{type(exc).__name__}: {exc}")
            return
        self._release(s.name)
        records.record_run(run, s)

    def verify_class(self, cls: str | None, labs: dict[str, Settings], variant: str) -> ClassJob:
        """The variant in every lab (a class's: as `make class-verify` runs it), in the background."""
        self._claim(list(labs.values()), variant, f"{variant} (the whole class)")
        self.job = ClassJob(variant, dict.fromkeys(labs, "waiting"))
        self.changes += 1
        threading.Thread(target=self._verify_class, args=(cls, labs, variant, self.job), daemon=True,
                         name="web-class-verify").start()
        return self.job

    def _verify_class(self, cls: str | None, labs: dict[str, Settings], variant: str, job: ClassJob) -> None:
        from lab.actions import classroom

        def on_event(step: str, name: str, done: LabDone | None) -> None:
            if done is None:
                job.labs[name] = "running"
            else:
                if done.error:
                    records.record_failure(labs[name], variant, done.error)
                    job.labs[name] = f"failed: {done.error.splitlines()[0]}"
                else:
                    job.labs[name] = "ok" if isinstance(done.detail, Verified) and done.detail.ok else "mismatch"
                self._release(name)
            self.changes += 1

        try:
            if cls is None:  # one lab: as the page's button runs it
                for name, s in labs.items():
                    on_event("verify", name, None)
                    self._verify_one(s, variant, on_event)
            else:
                classroom.verify(cls, variant, on_event=on_event)
        except Exception as exc:  # noqa: BLE001 - e.g. the class has no labs any more
            for name in labs:
                if job.labs.get(name) in ("waiting", "running"):
                    job.labs[name] = f"failed: {exc}"
        finally:
            for name in labs:
                self._release(name)
            job.finished = True
            self.changes += 1

    def _verify_one(self, s: Settings, variant: str, on_event: Callable[[str, str, LabDone | None], None]) -> None:
        start = time.monotonic()
        try:
            run = self._run(s, variant)
            detail = Verified(run.ok, len(run.probes), sum(1 for p in run.probes if not p.ok))
            on_event("verify", s.name, LabDone(s.name, round(time.monotonic() - start, 1), s, None, detail))
        except LabError as exc:
            on_event("verify", s.name, LabDone(s.name, round(time.monotonic() - start, 1), None, str(exc)))
