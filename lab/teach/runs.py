"""A variant's run for teaching: this lab's latest result when there is one that is not older
than the variant's file, else a new run - and always a line saying which, and from when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from lab.model import results
from lab.model.results import RunResult
from lab.model.scenario import Scenario
from lab.model.settings import Settings


@dataclass(frozen=True)
class Source:
    """Where a run came from: its file in results/<lab>/, when it started, run just now or not."""
    path: Path
    started: str
    fresh: bool

    def describe(self, root: Path, now: datetime | None = None, lang: str = "en") -> str:
        where = self.path.relative_to(root) if self.path.is_relative_to(root) else self.path
        when = ago(self.started, now, lang)
        if lang == "ja":
            return (f"今実行した結果（{where}）" if self.fresh
                    else f"このラボの最新の結果（{where}、{self.started} 開始、{when}）")
        return (f"a run made just now ({where})" if self.fresh
                else f"this lab's latest run ({where}, started {self.started}, {when})")


def ago(started: str, now: datetime | None = None, lang: str = "en") -> str:
    """'just now', '12 min ago', '3 h ago', '2 days ago' (Japanese: 'たった今', '12 分前', ...)."""
    try:
        then = datetime.fromisoformat(started)
    except ValueError:
        return "時刻不明" if lang == "ja" else "at an unknown time"
    seconds = ((now or datetime.now(timezone.utc)) - then).total_seconds()
    for unit, unit_ja, size in (("days", "日", 86400), ("h", "時間", 3600), ("min", "分", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit_ja}前" if lang == "ja" else f"{int(seconds // size)} {unit} ago"
    return "たった今" if lang == "ja" else "just now"


def latest(variant: str, settings: Settings) -> tuple[RunResult, Path] | None:
    """This lab's latest run of the variant (with its goal verdict), or None."""
    path = results.results_dir(settings) / f"{variant}.json"
    if not path.exists():
        return None
    return results.load(variant, settings), path


def stale(run: RunResult, s: Scenario) -> bool:
    """The variant's file changed after the run started, or the run lacks one of its probes."""
    if {p.id for p in s.probes} - {p.probe for p in run.probes}:
        return True
    if s.path is None or not s.path.exists():
        return False
    try:
        started = datetime.fromisoformat(run.started).timestamp()
    except ValueError:
        return True
    return s.path.stat().st_mtime > started


def obtain(s: Scenario, settings: Settings, run_now: Callable[[str], tuple[RunResult, Path]],
           fresh: bool = False) -> tuple[RunResult, Source]:
    """The run a teaching command uses: the latest unless `fresh` or stale, else
    run_now(variant) -> (run, where it was saved)."""
    found = None if fresh else latest(s.id, settings)
    if found and not stale(found[0], s):
        return found[0], Source(found[1], found[0].started, fresh=False)
    run, path = run_now(s.id)
    return run, Source(path, run.started, fresh=True)
