"""`make bench-class STUDENTS=N`: what a class of N labs costs this machine, measured, as
JSON (results/bench-class.json): the time to bring the N labs up (class-up), their CPU
while idle and their memory, per lab; the time for `class-verify VARIANT=method1` across
all N at once; the time for class-down. The labs are a class of their own ("bench", names
bench01 …), removed at the end whatever happened."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from typing import Any

from lab.actions import classroom
from lab.model.class_results import Checked
from lab.errors import LabError, exit_status
from lab.model import settings
from lab.runtime import cost, engine

PATH = settings.ROOT / "results" / "bench-class.json"


def _load() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def measure(cls: str, n: int, up_jobs: int, verify_jobs: int, idle_seconds: float, variant: str) -> dict[str, Any]:
    names = classroom.student_names(str(n), prefix=cls)
    cpus, memory = classroom.machine()
    report: dict[str, Any] = {"schema": 1, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "machine": {"cpus": cpus, "memory_mib": round(memory), "python": platform.python_version(),
                                          "docker": engine.client().version().get("Version"),
                                          "other_labs_running": len(set(classroom.labs_on_engine()) - set(names)),
                                          "load_before": _load()},
                              "students": n, "class": cls, "up_jobs": up_jobs, "verify_jobs": verify_jobs}
    quiet = lambda *_: None  # noqa: E731
    try:
        up = classroom.up(cls, names, up_jobs, say=quiet, room=10_000)  # past the capacity: that is the question
        report["up_seconds"] = up.seconds
        report["up_failed"] = {lab.name: lab.error for lab in up.labs if lab.error}
        report["per_lab_up_seconds"] = {lab.name: lab.seconds for lab in up.labs}
        running = classroom.members(cls)
        status = classroom.status(cls)
        report["status_seconds"] = status.seconds
        checked = {lab.name: lab.detail for lab in status.labs if isinstance(lab.detail, Checked)}
        report["healthy_labs"] = sum(1 for d in checked.values() if d.healthy)
        report["unhealthy"] = {lab.name: lab.error or (checked[lab.name].sick if lab.name in checked else None)
                               for lab in status.labs if lab.name not in checked or not checked[lab.name].healthy}
        idle = cost.idle_cpu(running, idle_seconds)
        containers = [c for name in running for c in engine.project_containers(name, all=False)]
        mem = cost.memory_mib(containers)
        report["idle"] = {k: v for k, v in idle.items() if k != "per_lab_containers_percent"}
        report["idle_cpu_percent_of_one_core_per_lab"] = idle["per_lab_percent"]
        report["memory_mib_per_lab"] = round(sum(mem.values()) / max(1, len(running)), 1)
        report["memory_mib_all_labs"] = round(sum(mem.values()), 1)
        report["load_idle"] = _load()
        verify = classroom.verify(cls, variant, verify_jobs)
        report["verify"] = {"variant": variant, "seconds": verify.seconds, "ok": verify.ok,
                            "labs_ok": sum(1 for lab in verify.labs if lab.ok),
                            "mismatched_or_failed": {lab.name: lab.error or f"{getattr(lab.detail, 'mismatches', '?')} "
                                                     "mismatches" for lab in verify.labs if not lab.ok},
                            "per_lab_seconds": {lab.name: lab.seconds for lab in verify.labs}}
        report["load_after_verify"] = _load()
    finally:
        start = time.monotonic()
        down = classroom.down(cls, up_jobs)
        report["down_seconds"] = round(time.monotonic() - start, 1)
        report["left_after_down"] = classroom.members(cls)
        report["down_failed"] = {lab.name: lab.error for lab in down.labs if lab.error}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m lab.bench_class", description=__doc__.splitlines()[0])
    parser.add_argument("--students", default="10")
    parser.add_argument("--class", dest="cls", default="bench")
    parser.add_argument("--jobs", type=int, default=0, help="labs started at once (default: classroom.UP_JOBS)")
    parser.add_argument("--verify-jobs", type=int, default=0, help="labs verified at once (default: classroom.VERIFY_JOBS)")
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--variant", default="method1")
    args = parser.parse_args(argv)
    try:
        n = len(classroom.student_names(args.students))
        report = measure(classroom.class_name(args.cls), n, args.jobs or classroom.UP_JOBS,
                         args.verify_jobs or classroom.VERIFY_JOBS, args.idle_seconds, args.variant)
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 2
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    print(f"-> {PATH.relative_to(settings.ROOT)}")
    ok = not report.get("up_failed") and report.get("verify", {}).get("ok") and not report["left_after_down"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(exit_status(main, "bench-class"))
