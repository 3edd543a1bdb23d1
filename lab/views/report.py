"""`make report`: one self-contained HTML page per lab from results/<lab>/*.json — the
lab's topology, every variant's matrix with its configuration and lesson, and the SMTP
transcripts. It reads that lab's JSON documents and nothing else: what the page shows is
what the runs recorded."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader

from lab.model import results
from lab.model import scenario
from lab.model import settings
from lab.model import topology
from lab.errors import LabError
from lab.views import teach_report
from lab.views.run_table import lies, said, short_fate
from lab.views.trace_view import groups
from lab.model.results import RunResult, results_dir

BOX_W, BOX_H, GAP = 180, 44, 16


def topology_svg(topo: topology.Topology) -> str:
    """Two network buses with every host hanging off the ones it is attached to."""
    nets = list(topo.networks)
    hosts = list(topo.hosts.values())
    width = len(hosts) * (BOX_W + GAP) + GAP
    bus_y = {net: 40 + i * 150 for i, net in enumerate(nets)}
    height = max(bus_y.values()) + 100
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'class="topology" role="img" aria-label="lab topology">']
    for net, y in bus_y.items():
        parts.append(f'<line x1="10" y1="{y}" x2="{width - 10}" y2="{y}" class="bus bus-{net}"/>')
        parts.append(f'<text x="12" y="{y - 8}" class="net">{net} {topo.networks[net]} (internal)</text>')
    for i, host in enumerate(hosts):
        x = GAP + i * (BOX_W + GAP)
        y = 95 if len(nets) > 1 and len(host.addresses) > 1 else (95 if "internet" in host.addresses else 225)
        for net, address in host.addresses.items():
            parts.append(f'<line x1="{x + BOX_W / 2}" y1="{bus_y[net]}" x2="{x + BOX_W / 2}" '
                         f'y2="{y if bus_y[net] < y else y + BOX_H}" class="link"/>')
        parts.append(f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" class="host host-{host.name}"/>')
        parts.append(f'<text x="{x + 8}" y="{y + 18}" class="hostname">{host.name}</text>')
        parts.append(f'<text x="{x + 8}" y="{y + 35}" class="addr">{" ".join(host.addresses.values())}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def load_runs(s: settings.Settings) -> list[RunResult]:
    """The latest run of every variant in this lab (results/<lab>/), in scenario order."""
    order = {v: i for i, v in enumerate(scenario.ids())}
    runs = []
    for path in sorted(results_dir(s).glob("*.json")):
        if path.stem == "bench":
            continue
        run = results.read(path)
        if run.lab.get("name") != s.name:
            raise LabError(f"{path}: a run of lab {run.lab.get('name')!r} in lab {s.name!r}'s results")
        runs.append(run)
    return sorted(runs, key=lambda r: order.get(r.variant, len(order)))


def render(runs: list[RunResult], topo: topology.Topology, language: str | None = None) -> str:
    """The page, in `language` ("en" or "ja"; default LAB_LANG)."""
    env = Environment(loader=PackageLoader("lab.views", "templates"), autoescape=True)
    env.filters.update(short_fate=short_fate, said=said, lies=lies, trace_groups=groups)
    lab = runs[0].lab.get("name", "") if runs else ""
    return env.get_template("report.html.j2").render(
        runs=runs, topo=topo, svg=topology_svg(topo), lab=lab,
        generated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **teach_report.context(runs, language),  # the goal's colours, the matrix, LAB_LANG
    )


def write(s: settings.Settings) -> tuple[Path, int]:
    """results/<lab>/report.html from that lab's runs, drawn with that lab's topology."""
    runs = load_runs(s)
    if not runs:
        where = results_dir(s).relative_to(s.root)
        raise LabError(f"{where}/ has no runs yet: run '{s.command('make verify')}' "
                       f"(or one variant, '{s.command('make verify-method1')}') first")
    path = results_dir(s) / "report.html"
    topo = topology.load(s)
    path.write_text(render(runs, topo))
    teach_report.write_sheets(s, topo)  # beside it: sheets.html, the prediction sheets to print
    return path, len(runs)
