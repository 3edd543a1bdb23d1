"""`make bench`: the numbers that matter, measured on this machine, written as JSON.

Warm lab-up (down, then up with every image cached) to all-healthy, one probe, each
variant, all variants, the running lab's memory and the image sizes. With --cold, first
remove the lab's images and the base image, and time the cold build too (minutes)."""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import time
from datetime import datetime, timezone

from lab.runtime import engine
from lab.runtime import images
from lab.runtime import lifecycle
from lab.model import scenario
from lab import servers
from lab.model import settings
from lab.model import topology
from lab.verify import variant as verify
from lab.verify.probe_run import run_probe
from lab.model.results import results_dir

UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "kB": 1000, "MB": 1000**2, "GB": 1000**3}


def _bytes(text: str) -> float:
    m = re.match(r"([\d.]+)\s*([A-Za-z]+)", text.strip())
    return float(m[1]) * UNITS.get(m[2], 1) if m else 0.0


def memory(s) -> dict:
    names = [c.name for c in engine.project_containers(s.name, all=False)]
    out = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", *names],
                         capture_output=True, text=True, check=True).stdout
    per = {line.split()[0]: round(_bytes(line.split(None, 1)[1].split("/")[0]) / 2**20, 1) for line in out.splitlines()}
    return {"total_mib": round(sum(per.values()), 1), "per_container_mib": per}


def image_sizes(s) -> dict:
    sizes = {}
    for name in images.folders(s):
        tag = images.tag(s, name)
        sizes[tag] = round(engine.client().images.get(tag).attrs["Size"] / 2**20, 1)
    sizes[s.base_image] = round(engine.client().images.get(s.base_image).attrs["Size"] / 2**20, 1)
    return sizes


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    value = fn(*args, **kwargs)
    return round(time.monotonic() - start, 2), value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m lab.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="remove the images first and time the cold build")
    parser.add_argument("--probes", type=int, default=5, help="how many times to time one probe")
    args = parser.parse_args(argv)
    s = settings.load()
    topo = topology.load(s)
    report = {"schema": 1, "lab": s.name, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()}}
    quiet = lambda *_: None  # noqa: E731
    lifecycle.down(s)
    if args.cold:
        for tag in [images.tag(s, n) for n in images.folders(s)] + [s.base_image]:
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
        report["cold_build_seconds"], _ = timed(images.build_all, s, quiet)
    report["warm_lab_up_seconds"], _ = timed(lifecycle.up, s, quiet)
    report["memory"] = memory(s)
    report["image_sizes_mib"] = image_sizes(s)
    variants = [v for v in scenario.ids() if scenario.find(v, topo).server in topo.under_test]
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
    directory = results_dir(s)  # per lab, beside its runs: the numbers are this lab's
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bench.json"
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
