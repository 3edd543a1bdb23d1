"""Turning result objects into text for a terminal. Nothing here decides anything."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from lab.model.settings import Settings
from lab.runtime.lifecycle import DownResult, Health, StatusResult, UpResult
from lab.views.lang import t

console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def hosts_table(topo, states) -> Table:
    health = {s.name: s.health for s in states}
    nets = list(topo.networks)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("host", "name", *(f"{n} address" for n in nets), "health", "role"):
        table.add_column(column, no_wrap=column != "role")
    for host in topo.hosts.values():
        state = health.get(host.name, "-")
        colour = "green" if state == Health.HEALTHY else "red"
        table.add_row(host.name, host.fqdn, *(host.addresses.get(n, "") for n in nets),
                      f"[{colour}]{state}[/]", host.role)
    return table


def networks_line(topo) -> str:
    return "networks: " + ", ".join(f"{n} {sub} (internal)" for n, sub in topo.networks.items())


def up(result: UpResult) -> None:
    s, topo = result.settings, result.topology
    built = [b for b in result.builds if b.built]
    console.print(f"[bold]Lab {s.name} is up[/] in {result.seconds} s"
                  + (f" (built {', '.join(b.image for b in built)})" if built else " (images up to date)"))
    console.print(networks_line(topo))
    console.print(hosts_table(topo, result.hosts))
    console.print("users: " + ", ".join(f"{u.name} / {u.password}" for u in topo.users)
                  + "   mail domains: " + ", ".join(f"{d.name} (MX {topo.hosts[d.mx].fqdn})" for d in topo.mail_domains))
    for line in next_steps(s, topo):
        console.print(line)


def next_steps(s, topo) -> list[str]:
    """What to type next, each a whole command for this lab (with its LAB_* variables), as it
    runs from the checkout in a fresh shell."""
    from lab.model import scenario

    servers = [h for h in topo.hosts if topo.mta(h)]
    client = next((h.name for h in topo.hosts.values() if len(h.addresses) == 1 and not topo.mta(h.name)), "outside")
    variant = (scenario.ids() or ["method1"])[0]
    return [
        f"get in:   {s.command(f'make shell-{client}')}    (hosts: {' '.join(topo.hosts)})",
        f"logs:     {s.command(f'make logs-{topo.under_test[0]}')}    (mail servers: {' '.join(servers)})",
        f"variants: {s.command('make list')}    read one: {s.command(f'make show-{variant}')}    "
        f"run it: {s.command(f'make verify-{variant}')}",
        f"stop:     {s.command('make lab-down')}",
    ]


def logs_heading(s: Settings, host: str, files: Sequence[str], raw: bool, follow: bool) -> str:
    """The line above `make logs-<host>`: what it follows, what it hides and how to see all of
    it, and how to stop (LAB_LANG: in Japanese)."""
    what = t("logs:raw" if raw else "logs:shown").format(
        host=host, files=", ".join(files), raw=s.command(f"make logs-{host} RAW=1"))
    return what + (" " + t("logs:stop") if follow else "")


def down(result: DownResult) -> None:
    if result.removed:
        console.print(f"lab {result.project}: removed {', '.join(result.removed)}")
    else:
        console.print(f"lab {result.project}: nothing to remove")


def status(result: StatusResult, variant: str | None = None, server: str | None = None) -> None:
    s = result.settings
    if not result.hosts:
        console.print(f"lab {s.name}: not running ({s.command('make lab-up')})")
        return
    word = "[green]up[/]" if result.running else "[red]not healthy[/]"
    console.print(f"lab {s.name}: {word}" + (f", variant {variant} on {server}" if variant else ""))
    console.print(networks_line(result.topology))
    console.print(hosts_table(result.topology, result.hosts))
