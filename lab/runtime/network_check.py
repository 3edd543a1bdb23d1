"""Before starting: do the lab's subnets collide with a network this machine already has?"""

from __future__ import annotations

import ipaddress
import subprocess

from lab.errors import LabError


def find_overlap(ours: dict[str, str], others: list[tuple[str, str]]) -> str | None:
    """ours: variable -> subnet; others: (what, subnet). The first collision, as a message."""
    for variable, subnet in ours.items():
        mine = ipaddress.ip_network(subnet)
        for what, other in others:
            try:
                theirs = ipaddress.ip_network(other, strict=False)
            except ValueError:
                continue
            if theirs.version == 4 and mine.overlaps(theirs) and theirs.prefixlen > 0:
                return (
                    f"{variable}: the lab subnet {subnet} overlaps {what} ({other}); "
                    f"set {variable} to the first three octets of a free /24 (or pick another LAB_NAME)"
                )
    return None


def host_routes() -> list[tuple[str, str]]:
    try:
        out = subprocess.run(["ip", "-4", "-o", "route", "show"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    routes = []
    for line in out.splitlines():
        words = line.split()
        if words and words[0] != "default" and "/" in words[0]:
            device = words[words.index("dev") + 1] if "dev" in words else "?"
            routes.append((f"a route of this host via {device}", words[0]))
    return routes


def docker_networks() -> list[tuple[str, str, str]]:
    """(project label or '', name, subnet) for every Docker network with a subnet."""
    from lab.runtime import engine

    found = []
    for net in engine.client().networks.list():
        attrs = net.attrs
        project = (attrs.get("Labels") or {}).get(engine.PROJECT_LABEL, "")
        for cfg in (attrs.get("IPAM") or {}).get("Config") or []:
            if cfg.get("Subnet"):
                found.append((project, net.name, cfg["Subnet"]))
    return found


def check(project: str, ours: dict[str, str]) -> None:
    networks = docker_networks()
    others = [(f"Docker network {name!r}", subnet) for owner, name, subnet in networks if owner != project]
    # every Docker bridge shows up as a host route too: count it once, as the network
    bridges = {subnet for _, _, subnet in networks}
    others += [(what, subnet) for what, subnet in host_routes() if subnet not in bridges]
    problem = find_overlap(ours, others)
    if problem:
        raise LabError(problem)
