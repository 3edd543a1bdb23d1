"""`make bench`: the numbers that matter, measured on this machine, written as JSON.

Warm lab-up (down, then up with every image cached) to all-healthy, the bootstrap check on
this ready machine (`bootstrap_ready_seconds`), one probe, each variant, all variants, the
running lab's memory, its CPU while idle (a minute: containers, their shims, the engine's
share; `idle_cpu_percent_of_one_core`) and the image sizes, and what the restriction trace costs (each Postfix variant run traced and untraced, in turns). With
--cold, first remove the lab's images and the base image, and time the cold build too
(minutes). The whole matrix as `make verify` runs it, through the command agent and with
one docker exec per command, beside the figures from before (lab/bench/before.json). The
commands as a person runs them: `make verify` (a few rounds) and one command in a lab host,
through the agent and as a docker exec. The audit: one `make audit` (closed and open) and
`make audit-all`. With --trace-only, --idle-only, --matrix-only, --commands-only or
--audit-only, only that, on the lab as it runs (no down, no up). With --record, the figures
the docs state go to docs/bench.json as well (lab/bench/record.py)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from lab.bench import record as bench_record
from lab.runtime import agent, cost
from lab.runtime import hostexec
from lab.runtime import engine
from lab.runtime import images
from lab.runtime import lifecycle
from lab.runtime import subnets
from lab.model import scenario
from lab import interrupt, servers
from lab.errors import exit_status
from lab.model import settings
from lab.model import topology
from lab.teach import tryout
from lab.verify import audit as audits
from lab.verify import variant as verify
from lab.verify.probe_run import run_probe
from lab.model.results import results_dir

# the full matrix as measured before the agent and the 3 s drac expiry (lab/bench/before.json)
BEFORE = Path(__file__).with_name("before.json")
P = ParamSpec("P")
T = TypeVar("T")
UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "kB": 1000, "MB": 1000**2, "GB": 1000**3}


def _bytes(text: str) -> float:
    m = re.match(r"([\d.]+)\s*([A-Za-z]+)", text.strip())
    return float(m[1]) * UNITS.get(m[2], 1) if m else 0.0


def memory(s: settings.Settings) -> dict[str, Any]:
    names = [c.name for c in engine.project_containers(s.name, all=False)]
    out = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", *names],
                         capture_output=True, text=True, check=True).stdout
    per = {line.split()[0]: round(_bytes(line.split(None, 1)[1].split("/")[0]) / 2**20, 1) for line in out.splitlines()}
    return {"total_mib": round(sum(per.values()), 1), "per_container_mib": per}


def image_sizes(s: settings.Settings) -> dict[str, float]:
    sizes = {}
    for name in images.folders(s):
        tag = images.tag(s, name)
        sizes[tag] = round(engine.client().images.get(tag).attrs["Size"] / 2**20, 1)
    sizes[s.base_image] = round(engine.client().images.get(s.base_image).attrs["Size"] / 2**20, 1)
    return sizes


def idle(s: settings.Settings, seconds: float) -> dict[str, Any]:
    """The lab's CPU while nobody uses it (lab.runtime.cost), in percent of one core."""
    found = cost.idle_cpu(s.name, seconds)
    return {"idle_cpu_percent_of_one_core": found["idle_cpu_percent_of_one_core"], "idle_cpu": found}


def timed(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[float, T]:
    start = time.monotonic()
    value = fn(*args, **kwargs)
    return round(time.monotonic() - start, 2), value


def bootstrap_ready(s: settings.Settings, rounds: int = 5) -> dict[str, Any]:
    """`python3 -m lab.bootstrap` on this machine, ready: what every make target that needs
    the engine pays first (observing the machine and asking the engine's socket)."""
    times = [timed(subprocess.run, ["python3", "-m", "lab.bootstrap"], cwd=s.root, capture_output=True, check=True)[0]
             for _ in range(rounds)]
    return {"median": statistics.median(times), "all": times}


def trace_cost(s: settings.Settings, topo: topology.Topology, variants: list[str], rounds: int) -> dict[str, Any]:
    """Each Postfix variant run traced and untraced, alternately (the order flips every round,
    so neither always runs on a warmer server): median seconds of each, and the difference per
    variant and per probe. Each probe's own seconds include reading its trace."""
    quiet = lambda *_: None  # noqa: E731
    postfix = [v for v in variants if topo.mta(scenario.find(v, topo).server) == "postfix"]
    per: dict[str, dict[str, Any]] = {}
    for variant in postfix:
        seen: dict[str, list[tuple[float, float]]] = {"traced": [], "untraced": []}
        for n in range(rounds):
            for traced in ((True, False) if n % 2 == 0 else (False, True)):
                seconds, run = timed(verify.run_variant, variant, s, quiet, trace=traced)
                seen["traced" if traced else "untraced"].append((seconds, sum(p.seconds for p in run.probes)))
        probes = len(run.probes)
        median = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in seen.items()}
        per[variant] = {"probes": probes, "traced_seconds": median["traced"][0], "untraced_seconds": median["untraced"][0],
                        "per_probe_ms": round(1000 * (median["traced"][1] - median["untraced"][1]) / probes, 1),
                        "all": seen}
    all_traced = sum(v["traced_seconds"] for v in per.values())
    all_untraced = sum(v["untraced_seconds"] for v in per.values())
    return {"rounds": rounds, "variants": per, "traced_seconds": round(all_traced, 2),
            "untraced_seconds": round(all_untraced, 2),
            "percent": round(100 * (all_traced - all_untraced) / all_untraced, 1) if all_untraced else None,
            "per_probe_ms_median": statistics.median(v["per_probe_ms"] for v in per.values()) if per else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m lab.bench.one_lab", description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="remove the images first and time the cold build")
    parser.add_argument("--probes", type=int, default=5, help="how many times to time one probe")
    parser.add_argument("--trace-rounds", type=int, default=2, help="runs of each Postfix variant traced and untraced")
    parser.add_argument("--trace-only", action="store_true", help="only the restriction trace's cost, on the "
                        "running lab (kept in bench.json beside the numbers of the last full run)")
    parser.add_argument("--idle-only", action="store_true", help="only the idle lab's CPU, on the running lab "
                        "(kept in bench.json beside the numbers of the last full run)")
    parser.add_argument("--matrix-only", action="store_true", help="only the whole matrix, on the running lab "
                        "(kept in bench.json beside the numbers of the last full run)")
    parser.add_argument("--commands-only", action="store_true", help="only the commands as a person runs them, "
                        "on the running lab (kept in bench.json beside the numbers of the last full run)")
    parser.add_argument("--verify-rounds", type=int, default=3, help="how many times to time `make verify`")
    parser.add_argument("--record", action="store_true", help="also write the figures the docs state to "
                        "docs/bench.json (make bench RECORD=1)")
    parser.add_argument("--audit-only", action="store_true", help="only the audit's times (one audit, audit-all), "
                        "on the running lab (kept in bench.json beside the numbers of the last full run)")
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="the idle CPU's window")
    args = parser.parse_args(argv)
    s = subnets.current()
    topo = topology.load(s)
    report: dict[str, Any] = {"schema": 1, "lab": s.name, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_before": list(os.getloadavg())}}
    quiet = lambda *_: None  # noqa: E731
    variants = [v for v in scenario.ids() if scenario.find(v, topo).server in topo.under_test]
    path = results_dir(s) / "bench.json"
    # the variants that wait for a drac entry to expire: the docs state their time apart
    pop_variants = {v for v in variants if any(p.pop is not None for p in scenario.find(v, topo).probes)}
    save = lambda report: write(path, report, pop_variants if args.record else None)  # noqa: E731
    interrupt.leaves("bench", f"nothing written to {path.relative_to(s.root)}")
    only = {"trace_only": lambda: {"trace_cost": trace_cost(s, topo, variants, args.trace_rounds)},
            "matrix_only": lambda: {"matrix": matrix(s, variants)},
            "commands_only": lambda: {"commands": commands(s, args.verify_rounds)},
            "audit_only": lambda: {"audit": audit_times(s, topo, variants)},
            "idle_only": lambda: idle(s, args.idle_seconds)}
    for flag, measure in only.items():
        if getattr(args, flag):  # only that, on the lab as it runs, kept beside the last full run's numbers
            verify.ensure_running(s, quiet)
            previous = json.loads(path.read_text()) if path.exists() else {}
            return save({**previous, **measure()})
    lifecycle.down(s)
    if args.cold:
        for tag in [images.tag(s, n) for n in images.folders(s)] + [s.base_image]:
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
        report["cold_build_seconds"], _ = timed(images.build_all, s, quiet)
    report["warm_lab_up_seconds"], up = timed(lifecycle.up, s, quiet)
    s = up.settings  # a named lab's subnets are allocated anew after the down
    topo = topology.load(s)
    report["bootstrap_ready_seconds"] = bootstrap_ready(s)
    report["memory"] = memory(s)
    report.update(idle(s, args.idle_seconds))
    report["image_sizes_mib"] = image_sizes(s)
    verify.apply_variant("baseline", s, quiet)
    server = servers.adapter("postfix", s, topo)
    probe = scenario.load_probes()["direct-inbound"]
    times = [timed(run_probe, s, server, probe, None)[0] for _ in range(args.probes)]
    report["one_probe_seconds"] = {"median": statistics.median(times), "all": times}
    report["variant_seconds"] = {}
    total_start = time.monotonic()
    for variant in variants:
        seconds, run = timed(verify.run_variant, variant, s, quiet)
        report["variant_seconds"][variant] = {"seconds": seconds, "probes": len(run.probes), "ok": run.ok}
    report["all_variants_seconds"] = round(time.monotonic() - total_start, 1)
    report["matrix"] = matrix(s, variants)
    report["trace_cost"] = trace_cost(s, topo, variants, args.trace_rounds)
    report["commands"] = commands(s, args.verify_rounds)
    report["audit"] = audit_times(s, topo, variants)
    return save(report)


@contextmanager
def exec_mode(way: str) -> Iterator[None]:
    """Every lab command of this process through LAB_EXEC=way (agent.MODES) for a while."""
    saved = os.environ.get("LAB_EXEC")
    os.environ["LAB_EXEC"] = way
    try:
        yield
    finally:
        if saved is None:
            del os.environ["LAB_EXEC"]
        else:
            os.environ["LAB_EXEC"] = saved


def commands(s: settings.Settings, rounds: int, samples: int = 20) -> dict[str, Any]:
    """What a person waits for: `make verify` (the lab's verify command, every variant, as its
    own process, the lab already up) `rounds` times, and one command in a lab host through the
    agent and as a docker exec (the median of `samples`, in ms)."""
    verify_seconds, ok, load = [], True, list(os.getloadavg())
    for _ in range(rounds):
        seconds, done = timed(subprocess.run, [sys.executable, "-m", "lab", "verify"], cwd=settings.ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        verify_seconds.append(seconds)
        ok = ok and done.returncode == 0
    per_command = {}
    for way in agent.MODES:
        with exec_mode(way):
            hostexec.run(s, "postfix", ["true"])  # the agent's own start is not a command's cost
            each = []
            for _ in range(samples):
                start = time.perf_counter()
                hostexec.run(s, "postfix", ["true"])
                each.append(1000 * (time.perf_counter() - start))
            per_command[way] = round(statistics.median(each), 1)
    return {"verify_seconds": verify_seconds, "verify_ok": ok, "command_ms": per_command, "load_before": load}


def audit_times(s: settings.Settings, topo: topology.Topology, variants: list[str]) -> dict[str, Any]:
    """`make audit` on what is applied: a closed Postfix and Sendmail variant, and one's own
    open configuration (every trick nmap claims sent again and looked for in the sink); then
    `make audit-all` (every variant applied, probed and audited, two streams as make verify)."""
    quiet = lambda *_: None  # noqa: E731
    one = {}
    for variant in ("method1", "sendmail-procmail"):
        verify.apply_variant(variant, s, quiet)
        seconds, (_, found) = timed(audits.audit_applied, s)
        one[variant] = {"seconds": seconds, "verdict": str(found.verdict)}
    with tempfile.TemporaryDirectory() as folder:
        open_cf = Path(folder) / "open.cf"
        open_cf.write_text("mynetworks = 0.0.0.0/0\n")
        tried = verify.run_variant(tryout.scenario(open_cf, "postfix", topo), s, quiet, audit=True).audit or {}
        one["open-mynetworks"] = {"seconds": tried.get("seconds"), "verdict": tried.get("verdict"),
                                  "relayed": len(tried.get("relayed", []))}
    seconds, runs = timed(verify.run_all, variants, s, quiet, audit=True)
    return {"one_audit_seconds": one, "audit_all_seconds": seconds,
            "audit_all_agree": all(r.audit and r.audit["agrees"] for r in runs),
            "audit_per_variant_seconds": {r.variant: (r.audit or {}).get("seconds") for r in runs}}


def matrix(s: settings.Settings, variants: list[str]) -> dict[str, Any]:
    """The whole matrix as `make verify` runs it (run_all: a stream per server under test,
    probes in lanes), per variant and in all, through the agent and with one docker exec per
    command (LAB_EXEC=docker-exec: how every command ran before the agent), beside the
    figures measured before this work (BEFORE)."""
    measured = {}
    for way in agent.MODES:
        with exec_mode(way):
            seconds, runs = timed(verify.run_all, variants, s, lambda *_: None)
        measured[way] = {"seconds": seconds, "ok": all(r.ok for r in runs),
                         "variants": {r.variant: r.seconds for r in runs}}
    before = json.loads(BEFORE.read_text())
    return {"after": measured["agent"], "docker_exec": measured["docker-exec"], "before": before}


def write(path: Path, report: dict[str, Any], pop_variants: set[str] | None = None) -> int:
    """bench.json per lab, beside its runs: the numbers are this lab's. With pop_variants (--record),
    the figures the docs state into docs/bench.json too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    print(f"-> {path}")
    if pop_variants is not None:
        changed = bench_record.record(report, pop_variants)
        print(f"-> {bench_record.PATH.relative_to(settings.ROOT)}: "
              + (f"changed {', '.join(changed)}; `make test-unit` names the sentences to change in the docs"
                 if changed else "no figure changed"))
    return 0


if __name__ == "__main__":
    raise SystemExit(exit_status(main, "bench"))
