"""`make report`: one self-contained HTML page per lab from results/<lab>/*.json — the
lab's topology, every variant's matrix with its configuration and lesson, and the SMTP
transcripts. It reads that lab's JSON documents and nothing else: what the page shows is
what the runs recorded."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from markupsafe import escape

from lab.model import results
from lab.model import scenario
from lab.model import settings
from lab.model import topology
from lab.errors import LabError
from lab.model.audit import Audit
from lab.views import audit_view, lang, page, teach_report
from lab.views.run_table import lies, said, short_fate
from lab.views.trace_view import groups
from lab.model.results import RunResult, results_dir

# the topology picture, in the SVG's own units: drawn about as wide as a 1024-pixel window
# shows it (the page scales it to its width), so that every text is at least 14 px there
WIDTH, LABELS, GAP, BOX_MAX, LINE = 960, 190, 20, 240, 20


def _rows(topo: topology.Topology) -> list[list[topology.Host]]:
    """Hosts above the first network's bus (on it alone), between the buses (on several) and
    below the last one (on it alone)."""
    nets = list(topo.networks)
    rows: list[list[topology.Host]] = [[], [], []]
    for host in topo.hosts.values():
        on = [n for n in nets if n in host.addresses]
        rows[1 if len(on) > 1 else 0 if on == nets[:1] else 2].append(host)
    return rows


def topology_svg(topo: topology.Topology, language: str = "en") -> str:
    """The networks as two buses, every host in a box on the buses it is attached to: its
    name, its DNS name and its addresses; each network's name and subnet at its left end."""
    nets = list(topo.networks)
    rows = _rows(topo)
    heights = [max((58 + LINE * len(h.addresses) for h in row), default=0) for row in rows]  # the boxes'
    tops, buses, y = [], {}, 10
    for i, row in enumerate(rows):
        tops.append(y)
        y += heights[i] + (44 if row else 0)
        if i < len(nets):
            buses[nets[i] if i == 0 else nets[-1]] = y
            y += 44
    parts = []
    for net, bus in buses.items():
        parts += [f'<line x1="10" y1="{bus}" x2="{WIDTH - 10}" y2="{bus}" class="bus bus-{net}"/>',
                  f'<text x="10" y="{bus - 10}" class="net id">{escape(net)}</text>',
                  f'<text x="10" y="{bus + 22}" class="subnet id">{escape(topo.networks[net])}</text>',
                  f'<text x="10" y="{bus + 42}" class="subnet">{escape(lang.t("internal network", language))}</text>']
    for row, top, height in zip(rows, tops, heights):
        box_w = min(BOX_MAX, (WIDTH - LABELS - 10 - GAP * (len(row) - 1)) / max(len(row), 1))
        for i, host in enumerate(row):
            x = LABELS + i * (box_w + GAP)
            middle = x + box_w / 2
            for net in host.addresses:
                end = top if buses[net] < top else top + height
                parts.append(f'<line x1="{middle}" y1="{buses[net]}" x2="{middle}" y2="{end}" class="link"/>')
            parts += [f'<rect x="{x}" y="{top}" width="{box_w}" height="{height}" rx="6" '
                      f'class="host host-{escape(host.name)}"/>',
                      f'<text x="{x + 10}" y="{top + 24}" class="hostname id">{escape(host.name)}</text>',
                      f'<text x="{x + 10}" y="{top + 44}" class="fqdn id">{escape(host.fqdn)}</text>']
            parts += [f'<text x="{x + 10}" y="{top + 66 + LINE * j}" class="addr id">{escape(address)}</text>'
                      for j, address in enumerate(host.addresses.values())]
    return "\n".join([f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y - 34}" class="topology" '
                       f'role="img" aria-label="{escape(lang.t("topology", language))}">', *parts, "</svg>"])


def load_runs(s: settings.Settings) -> list[RunResult]:
    """The latest run of every variant in this lab (results/<lab>/), in scenario order."""
    order = {v: i for i, v in enumerate(scenario.ids())}
    runs = []
    for path in sorted(results_dir(s).glob("*.json")):
        if path.stem == "bench":
            continue
        run = results.read(path)
        if run.lab.name != s.name:
            raise LabError(f"{path}: a run of lab {run.lab.name!r} in lab {s.name!r}'s results")
        runs.append(run)
    return sorted(runs, key=lambda r: order.get(r.variant, len(order)))


def render(runs: list[RunResult], topo: topology.Topology, language: str | None = None) -> str:
    """The page, in `language` ("en" or "ja"; default LAB_LANG)."""
    language = language or lang.current()
    env = page.environment(short_fate=short_fate, said=said, lies=lies, trace_groups=groups,
                           nmap_cell=lambda audit: ", ".join(audit_view.cell(Audit.from_dict(audit), language)))
    lab = runs[0].lab.name if runs else ""
    return env.get_template("report.html.j2").render(
        runs=runs, topo=topo, svg=topology_svg(topo, language), lab=lab,
        pages=page.pages("report.html", language), generated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **teach_report.context(runs, language),  # the goal's colours, the matrices, the texts in the language
    )


def write(s: settings.Settings) -> tuple[Path, int]:
    """results/<lab>/report.html, and report.ja.html beside it, from that lab's runs, drawn
    with that lab's topology; the path in the reader's language (LAB_LANG)."""
    runs = load_runs(s)
    if not runs:
        where = results_dir(s).relative_to(s.root)
        raise LabError(f"{where}/ has no runs yet: run '{s.command('make verify')}' "
                       f"(or one variant, '{s.command('make verify-method1')}') first")
    english = results_dir(s) / "report.html"
    topo = topology.load(s)
    for language in lang.LANGUAGES:
        page.beside(english, language).write_text(render(runs, topo, language))
    teach_report.write_sheets(s, topo)  # beside it: sheets.html, the prediction sheets to print
    return page.beside(english, lang.current()), len(runs)
