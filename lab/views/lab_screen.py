"""Turning result objects into text for a terminal. Nothing here decides anything."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

from rich.console import Console, ConsoleOptions, RenderableType
from rich.text import Text

from lab.model.settings import Settings
from lab.model.topology import Topology
from lab.runtime.lifecycle import ContainerState, DownResult, Health, HostState, StatusResult, UpResult
from lab.views import fit
from lab.views.lang import t
from lab.views.words import say

console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
LABEL = 10  # the width of a label such as "get in:" before what follows it


def health_cell(state: HostState | None) -> Text:
    """A host's health as measured, or what stopped it: 'stopped (exited 137, at 14:32)'."""
    if state is None:
        return Text("-", style="red")
    if state.state == ContainerState.EXITED:
        when = f", at {state.stopped_at.astimezone():%H:%M}" if state.stopped_at else ""
        return Text(f"stopped (exited {state.exit_code}{when})", style="red")
    if state.health == Health.NONE:
        return Text(str(state.state), style="red")
    return Text(str(state.health), style="green" if state.health == Health.HEALTHY else "red")


class HostsTable:
    """Every host: name, addresses, health, role - a row a host while the role fits beside the
    rest on at most two lines, else each host on two lines, its role on the second."""

    def __init__(self, topo: Topology, states: Sequence[HostState]) -> None:
        self.topo, self.states = topo, {s.name: s for s in states}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        hosts, nets = list(self.topo.hosts.values()), list(self.topo.networks)
        columns = [fit.Column("host", [Text(h.name) for h in hosts], wrap=False),
                   fit.Column("name", [Text(h.fqdn) for h in hosts], wrap=False),
                   *(fit.Column(n, [Text(h.addresses.get(n, "")) for h in hosts], wrap=False) for n in nets),
                   fit.Column("health", [health_cell(self.states.get(h.name)) for h in hosts]),
                   fit.Column("role", [Text(h.role) for h in hosts])]
        width = options.max_width
        widths = fit.widths(console, columns, width)
        if widths:
            yield fit.table(columns, widths)
            return
        # two lines a host: the role below the rest, or the health below too when a stopped
        # host's "stopped (exited 137, at 14:32)" leaves no room for it on the first line
        layouts = [(fit.band_lines(console, columns[:n], columns[n:], width), n) for n in (-1, -2)]
        most, n = min(layouts)
        yield fit.band(console, columns[:n], columns[n:], width) if most < 1 << 16 else fit.table(columns)


def hosts_table(topo: Topology, states: Sequence[HostState]) -> HostsTable:
    return HostsTable(topo, states)


def networks_line(topo: Topology) -> str:
    return "networks: " + ", ".join(f"{n} {sub} (internal)" for n, sub in topo.networks.items())


def up(result: UpResult) -> None:
    s, topo = result.settings, result.topology
    built = [b for b in result.builds if b.built]
    say(console, f"[bold]Lab {s.name} is up[/] in {result.seconds} s"
        + (f" (built {', '.join(b.image for b in built)})" if built else " (images up to date)"))
    say(console, networks_line(topo), hang=LABEL)
    console.print(hosts_table(topo, result.hosts))
    for line in next_steps(s, topo):
        say(console, line, hang=LABEL)


def next_steps(s: Settings, topo: Topology) -> list[str]:
    """Who may log in, the mail domains, and what to type next, each command whole for this lab
    (with its LAB_* variables), as it runs from the checkout in a fresh shell."""
    from lab.model import scenario

    servers = [h for h in topo.hosts if topo.mta(h)]
    client = next((h.name for h in topo.hosts.values() if len(h.addresses) == 1 and not topo.mta(h.name)), "outside")
    variant = (scenario.ids() or ["method1"])[0]
    return [
        f"{'users:':{LABEL}}" + ", ".join(f"{u.name} / {u.password}" for u in topo.users),
        f"{'domains:':{LABEL}}" + ", ".join(f"{d.name} (MX {topo.hosts[d.mx].fqdn})" for d in topo.mail_domains),
        f"{'get in:':{LABEL}}{s.command(f'make shell-{client}')}    (hosts: {' '.join(topo.hosts)})",
        f"{'logs:':{LABEL}}{s.command(f'make logs-{topo.under_test[0]}')}    (mail servers: {' '.join(servers)})",
        f"{'variants:':{LABEL}}{s.command('make list')}",
        f"{'read one:':{LABEL}}{s.command(f'make show-{variant}')}",
        f"{'run it:':{LABEL}}{s.command(f'make verify-{variant}')}",
        f"{'stop:':{LABEL}}{s.command('make lab-down')}",
    ]


def logs_heading(s: Settings, host: str, files: Sequence[str], raw: bool, follow: bool) -> str:
    """The line above `make logs-<host>`: what it follows, what it hides and how to see all of
    it, and how to stop (LAB_LANG: in Japanese)."""
    what = t("logs:raw" if raw else "logs:shown").format(
        host=host, files=", ".join(files), raw=s.command(f"make logs-{host} RAW=1"))
    return what + (" " + t("logs:stop") if follow else "")


def down(result: DownResult) -> None:
    if result.removed:
        say(console, f"lab {result.project}: removed {', '.join(result.removed)}", hang=4)
    else:
        say(console, f"lab {result.project}: nothing to remove")


def status(result: StatusResult, variant: str | None = None, server: str | None = None) -> None:
    s = result.settings
    if not result.hosts:
        say(console, f"lab {s.name}: not running ({s.command('make lab-up')})")
        return
    word = "[green]up[/]" if result.running else "[red]not healthy[/]"
    say(console, f"lab {s.name}: {word}" + (f", variant {variant} on {server}" if variant else ""))
    say(console, networks_line(result.topology), hang=LABEL)
    console.print(hosts_table(result.topology, result.hosts))
