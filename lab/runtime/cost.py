"""What a running lab costs the machine, measured: CPU over a window, memory now.

CPU of an idle lab, in percent of one core, in three parts:
- containers: each container's cumulative CPU (its cgroup, from the Docker API) at the start
  and the end of the window - every process in it, Docker's health checks included;
- shims: the lab's containerd-shim processes and what they reaped (runc, for every exec of
  a health check), from /proc - they run outside the containers but for this lab only;
- Docker's own health checks: an exec every few minutes per container; their cost per check
  (inside the container, in the shim's runc, and dockerd + containerd's CPU for one exec,
  estimated from a burst of execs less the engine's background rate) spread over their
  interval. The engine's whole CPU in the window is reported too, for all labs together.
/proc is read only where the engine runs on this machine; elsewhere those parts are None.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

import docker.errors
from docker.models.containers import Container

from lab import interrupt
from lab.errors import LabError
from lab.runtime import engine, lifecycle

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[str, float] | None:
    """(command name, CPU seconds of the process and of the children it reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return text[text.index("(") + 1:text.rindex(")")], sum(int(v) for v in fields[11:15]) / TICKS


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def engine_pids() -> list[str]:
    return [pid for pid in os.listdir("/proc") if pid.isdigit() and (_stat(pid) or ("",))[0] in ("dockerd", "containerd")]


def shim_pids(container_ids: list[str]) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        stat = pid.isdigit() and _stat(pid)
        if stat and stat[0].startswith("containerd-shim"):
            line = _cmdline(pid)
            if any(cid in line for cid in container_ids):
                found.append(pid)
    return found


def cpu_seconds(pids: list[str]) -> float:
    return sum((_stat(pid) or ("", 0.0))[1] for pid in pids)


def _stats(containers: list[Container]) -> dict[str, dict[str, Any]]:
    """One quick read of each container's counters (a few at a time: a class has hundreds);
    a container removed meanwhile (its lab went down) is left out."""
    def read(c: Container) -> dict[str, Any] | None:
        try:
            return c.stats(stream=False, one_shot=True)
        except docker.errors.NotFound:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        return {c.name: stats for c, stats in zip(containers, pool.map(read, containers)) if stats is not None}


def container_cpu(containers: list[Container]) -> dict[str, float]:
    """Each container's cumulative CPU seconds (its cgroup)."""
    return {name: s["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9 for name, s in _stats(containers).items()}


def memory_mib(containers: list[Container]) -> dict[str, float]:
    """Each container's memory as `docker stats` shows it (usage less the page cache)."""
    found = {}
    for name, stats in _stats(containers).items():
        mem = stats.get("memory_stats") or {}
        cache = (mem.get("stats") or {}).get("cache", 0) or (mem.get("stats") or {}).get("inactive_file", 0)
        found[name] = round((mem.get("usage", 0) - cache) / 2**20, 1)
    return found


def _stamp(text: str) -> float:
    try:
        return datetime.fromisoformat(text[:26].rstrip("Z")).replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return 0.0


def docker_checks_between(containers: list[Container], start: float, end: float) -> int:
    """How many health checks Docker itself ran in the lab's containers between two times."""
    count = 0
    for c in containers:
        if not engine.refreshed(c):  # removed meanwhile: its checks went with it
            continue
        log = ((c.attrs.get("State") or {}).get("Health") or {}).get("Log") or []
        count += sum(1 for entry in log if start <= _stamp(entry.get("Start", "")) <= end)
    return count


def engine_seconds_per_exec(container: Container, background: float, execs: int = 30) -> float | None:
    """dockerd + containerd CPU for one `docker exec` (of `true`): a burst of execs, less
    the engine's background rate (CPU seconds per second) over the burst."""
    pids = engine_pids()
    if not pids:
        return None
    before, start = cpu_seconds(pids), time.monotonic()
    for _ in range(execs):
        container.exec_run(["true"])
    spent = cpu_seconds(pids) - before - background * (time.monotonic() - start)
    return max(0.0, spent / execs)


def _checks_per_second(container: Container) -> float:
    """How often Docker itself checks the container's health (0: never - compose.yaml switches
    Docker's checks off; else 1 / its interval, 30 s being Docker's default)."""
    check = (container.attrs.get("Config") or {}).get("Healthcheck") or {}
    if (check.get("Test") or ["NONE"])[0] == "NONE":
        return 0.0
    return 1e9 / (check.get("Interval") or 30e9)


def check_cost(containers: list[Container], shims: list[str], rounds: int = 3) -> float:
    """CPU seconds of one health check, inside the container and in its shim (runc): each
    container's own check run `rounds` times, as Docker runs it (the engine's part apart)."""
    before = sum(container_cpu(containers).values()) + cpu_seconds(shims)
    for _ in range(rounds):
        for c in containers:
            lifecycle.check_now(c)
    after = sum(container_cpu(containers).values()) + cpu_seconds(shims)
    return max(0.0, (after - before) / (rounds * len(containers)))


def idle_cpu(projects: str | list[str], seconds: float = 60.0) -> dict[str, Any]:
    """The labs' CPU over `seconds` while nobody uses them, in percent of one core (all of
    them together; per_lab_percent: divided by their number). Docker's own health checks
    come every few minutes, so a window of a minute holds all or none of them: their cost
    is measured apart (per check, on one lab) and spread over their interval, and the
    checks that fell in the window are taken out of it."""
    projects = [projects] if isinstance(projects, str) else list(projects)
    containers = [c for p in projects for c in engine.project_containers(p, all=False)]
    if not containers:
        raise LabError(f"lab {' '.join(projects)} is not running: nothing to measure")
    sample = [c for c in containers if c.labels.get(engine.PROJECT_LABEL) == projects[0]]
    shims = shim_pids([c.id for c in containers])
    eng = engine_pids()
    local = bool(eng)
    wall0, t0 = time.time(), time.monotonic()
    cpu0, shim0, eng0 = container_cpu(containers), cpu_seconds(shims), cpu_seconds(eng)
    interrupt.sleep(seconds)  # the measure is a window of time (Ctrl-C ends it)
    cpu1, shim1, eng1 = container_cpu(containers), cpu_seconds(shims), cpu_seconds(eng)
    wall1, window = time.time(), time.monotonic() - t0
    per = {name: round(100 * (cpu1[name] - cpu0[name]) / window, 3) for name in cpu0 if name in cpu1}
    shims_pct = 100 * (shim1 - shim0) / window if local and shims else 0.0
    background = (eng1 - eng0) / window
    in_window = docker_checks_between(containers, wall0, wall1)
    per_exec = engine_seconds_per_exec(containers[0], background) if local else None
    per_check = check_cost(sample, shim_pids([c.id for c in sample]) if local else []) + (per_exec or 0.0)
    checks_per_second = sum(_checks_per_second(c) for c in containers)
    amortized = 100 * per_check * checks_per_second
    measured = sum(per.values()) + shims_pct
    total = max(0.0, measured - 100 * in_window * per_check / window) + amortized
    return {
        "idle_cpu_percent_of_one_core": round(total, 3),
        "labs": len(projects),
        "per_lab_percent": round(total / len(projects), 3),
        "window_seconds": round(window, 1),
        "containers_percent": round(sum(per.values()), 3),
        **({"per_container_percent": per} if len(projects) == 1 else {"per_lab_containers_percent": {
            p: round(sum(v for c, v in per.items() if c.startswith(f"{p}_")), 3) for p in projects}}),
        "shims_percent": round(shims_pct, 3) if local and shims else None,
        "docker_health_checks_in_window": in_window,
        "health_check_cpu_ms": round(1000 * per_check, 1),
        "health_checks_per_minute": round(60 * checks_per_second, 2),
        "health_checks_percent": round(amortized, 3),
        "engine_ms_per_exec": round(1000 * per_exec, 2) if per_exec is not None else None,
        "engine_all_labs_percent": round(100 * background, 2) if local else None,
    }
