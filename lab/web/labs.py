"""What the pages say about a lab: its hosts' health (measured, as `make status` measures it:
each host's own check run now - about 90 ms of CPU a host, so kept for HEALTH_TTL seconds),
the variant applied last, its runs and its grades, read from results/<lab>/ as the command
line wrote them."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lab.errors import LabError
from lab.model import results, sheet
from lab.model.results import RunResult
from lab.model.settings import Settings

HEALTH_TTL = 20.0  # seconds a lab's measured health is shown as it was


@dataclass(frozen=True)
class Health:
    hosts: dict[str, str]  # host -> healthy | starting | unhealthy | exited ...
    variant: str | None  # applied last to a running server under test
    server: str | None
    measured: float

    @property
    def healthy(self) -> bool:
        return bool(self.hosts) and all(state == "healthy" for state in self.hosts.values())


@dataclass
class HealthCache:
    found: dict[str, Health] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, s: Settings, fresh: bool = False) -> Health:
        kept = self.found.get(s.name)
        if kept and not fresh and time.time() - kept.measured < HEALTH_TTL:
            return kept
        measured = measure(s)
        with self._lock:
            self.found[s.name] = measured
        return measured

    def known(self, name: str) -> Health | None:
        return self.found.get(name)


def measure(s: Settings) -> Health:
    from lab import servers
    from lab.errors import LabError
    from lab.runtime import lifecycle

    try:
        state = lifecycle.status(s)
    except LabError as exc:
        said = str(exc).splitlines()[0]
        return Health({"lab": "unknown: " + (said if len(said) < 90 else said[:88] + "…")}, None, None, time.time())
    running = {h.name for h in state.hosts if h.state == lifecycle.ContainerState.RUNNING}
    variant, server = servers.active(state.settings, state.topology, running) if running else (None, None)
    hosts = {h.name: str(h.health) if h.state == lifecycle.ContainerState.RUNNING else str(h.state) for h in state.hosts}
    return Health(hosts or {"lab": "not running"}, variant, server, time.time())


def run(s: Settings, variant: str) -> RunResult | None:
    """The lab's latest run of the variant (with its goal verdict), or None."""
    try:
        return results.load(variant, s)  # an older document migrated at load (its goal verdict too)
    except FileNotFoundError:
        return None
    except LabError:
        return None  # a document of another schema: as if never run


def runs(s: Settings, variants: list[str]) -> dict[str, RunResult]:
    found = {v: run(s, v) for v in variants}
    return {v: r for v, r in found.items() if r is not None}


def last_run(found: dict[str, RunResult]) -> dict[str, Any] | None:
    """The newest of the runs: {variant, ok, goal_met, started}."""
    if not found:
        return None
    newest = max(found.values(), key=lambda r: r.started)
    return {"variant": newest.variant, "ok": newest.ok, "goal_met": newest.goal.met if newest.goal else None,
            "started": newest.started}


def grades(s: Settings, variants: list[str]) -> dict[str, dict[str, int]]:
    """variant -> {score, total} of the lab's last graded sheet (`make grade`, or the page's)."""
    out = {}
    for v in variants:
        path = sheet.path_for(results.results_dir(s), v).with_suffix(".grade.json")
        try:
            data = json.loads(path.read_text())
            out[v] = {"score": int(data["score"]), "total": int(data["total"])}
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out
