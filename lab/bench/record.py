"""docs/bench.json: the times the documentation states, as `make bench` measured them.

`make bench RECORD=1` (`python -m lab.bench.one_lab --record`) writes the figures of its run here,
rounded as the docs print them, each with when and on what it was measured; a figure the
run did not measure (e.g. `--commands-only`) keeps its earlier value. README.md and
docs/*.md print these figures and no others (tests/unit/test_stated_times.py), so after a
new record the test names each sentence to change."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lab.model import settings

PATH = settings.ROOT / "docs" / "bench.json"


def machine() -> str:
    """This machine as the docs name it: '2 cores, 24 GiB, Debian 12, Docker 20.10'."""
    release: dict[str, str] = {}
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            key, _, value = line.partition("=")
            release[key] = value.strip('"')
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
    docker = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                            capture_output=True, text=True).stdout.strip()
    os_name = f"{release.get('ID', 'linux').capitalize()} {release.get('VERSION_ID', '')}".strip()
    return (f"{os.cpu_count()} cores, {round(kib / 2**20)} GiB, {os_name}, "
            f"Docker {'.'.join(docker.split('.')[:2]) or 'unknown'}")


def span(values: list[float], digits: int) -> list[float]:
    """[low, high] as the docs print a range: whole seconds, or `digits` decimals."""
    low, high = round(min(values), digits), round(max(values), digits)
    return [int(low), int(high)] if digits == 0 else [low, high]


def figures(report: dict[str, Any], pop_variants: set[str]) -> dict[str, dict[str, Any]]:
    """The figures a bench report (lab/bench/one_lab.py) measured, each {value, what}."""
    found: dict[str, dict[str, Any]] = {}
    commands = report.get("commands")
    if commands:
        found["verify_seconds"] = {
            "value": span(commands["verify_seconds"], 0),
            "what": "`make verify` (every variant) as a person runs it: lowest and highest of the rounds"}
        for way, key in (("agent", "command_ms_agent"), ("docker-exec", "command_ms_docker_exec")):
            found[key] = {"value": round(commands["command_ms"][way]),
                          "what": f"one command in a lab host, LAB_EXEC={way}: the median, in ms"}
    check = report.get("idle_cpu", {}).get("health_check_cpu_ms")
    if check:
        found["health_check_cpu_ms"] = {
            "value": int(round(check, -1)),
            "what": "the CPU one Docker health check costs (runc, the shim, the engine, the check), in ms "
                    "(idle_cpu.health_check_cpu_ms, to 10 ms)"}
    runs = report.get("variant_seconds")
    if runs:
        for pop, key in ((False, "variant_run_seconds"), (True, "pop_variant_run_seconds")):
            seconds = [r["seconds"] for v, r in runs.items() if (v in pop_variants) == pop]
            found[key] = {"value": span(seconds, 0 if pop else 1),
                          "what": "one variant's run (lab.verify run_variant), lowest and highest over the variants"
                                  + (" that run the POP-before-SMTP probes" if pop else " without POP-before-SMTP probes")}
    return found


def commit() -> str:
    out = subprocess.run(["git", "-C", str(settings.ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown commit"


def record(report: dict[str, Any], pop_variants: set[str], path: Path = PATH, here: str | None = None) -> list[str]:
    """Write the report's figures into the record (measured on `here`, default this machine);
    returns the names of those it changed."""
    saved = json.loads(path.read_text()) if path.exists() else {}
    new = figures(report, pop_variants)
    load = (report.get("commands") or report.get("machine") or {}).get("load_before")
    busy = f"load average {load[0]:.1f} when it started" if load else "load average not recorded"
    when = f"{datetime.now(timezone.utc).date()}, commit {commit()}, {busy}"
    here = here or machine()
    kept = saved.get("figures", {})
    changed = [k for k, v in new.items() if kept.get(k, {}).get("value") != v["value"]]
    if saved.get("machine", here) != here and set(kept) - set(new):
        changed.append(f"machine (was {saved['machine']}: run a full `make bench RECORD=1`, "
                       f"{', '.join(sorted(set(kept) - set(new)))} are still from there)")
    saved["machine"] = here
    saved["figures"] = {**kept, **{k: {**v, "measured": f"{when}, {here}"} for k, v in new.items()}}
    path.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n")
    return changed
