"""Bringing the lab up and down, and saying what is running. Functions return results;
the CLI renders them."""

from __future__ import annotations

import time

import docker.errors
from dataclasses import dataclass, field

from lab.runtime import compose
from lab.runtime import engine
from lab.runtime import images
from lab.runtime import network_check
from lab.model import topology
from lab import waiting
from lab.errors import LabError
from lab.model.settings import Settings, load

HEALTH_TIMEOUT = 180.0


@dataclass(frozen=True)
class HostState:
    name: str
    container: str
    state: str  # running, exited, ...
    health: str  # healthy, starting, unhealthy, none


@dataclass(frozen=True)
class UpResult:
    settings: Settings
    topology: topology.Topology
    builds: list[images.BuildResult]
    hosts: list[HostState]
    seconds: float


@dataclass(frozen=True)
class DownResult:
    project: str
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StatusResult:
    settings: Settings
    topology: topology.Topology
    hosts: list[HostState]
    active_variant: str | None = None
    active_server: str | None = None

    @property
    def running(self) -> bool:
        return bool(self.hosts) and all(h.health == "healthy" for h in self.hosts)


def compose_for(settings: Settings, topo: topology.Topology) -> compose.Compose:
    extra = {"LAB_DNS_RECORDS": topo.dns_records, "LAB_RELAY_ROUTES": topo.relay_routes}
    return compose.Compose(settings, compose.detect(), extra)


def host_states(settings: Settings) -> list[HostState]:
    states = []
    for c in engine.project_containers(settings.name):
        health = (c.attrs.get("State", {}).get("Health") or {}).get("Status", "none")
        states.append(HostState(c.labels.get("com.docker.compose.service", c.name), c.name, c.status, health))
    return sorted(states, key=lambda h: h.name)


_containers: dict[tuple[str, str], object] = {}  # (lab, host) -> container, while it runs


def container(settings: Settings, host: str):
    """The running container of a lab host (raises LabError if it is not running)."""
    topology.load(settings).host(host)  # unknown names get the list of known ones
    known = _containers.get((settings.name, host))
    if known is not None:
        try:
            known.reload()
            if known.status == "running":
                return known
        except docker.errors.NotFound:
            pass
        del _containers[(settings.name, host)]
    for c in engine.project_containers(settings.name, all=False):
        if c.labels.get("com.docker.compose.service") == host:
            _containers[(settings.name, host)] = c
            return c
    raise LabError(f"host {host!r} of lab {settings.name!r} is not running: start the lab with 'make lab-up'")


def _health_report(settings: Settings) -> str:
    lines = []
    for c in engine.project_containers(settings.name):
        state = c.attrs.get("State", {})
        health = state.get("Health") or {}
        if health.get("Status") == "healthy":
            continue
        last = (health.get("Log") or [{}])[-1].get("Output", "").strip().splitlines()[-1:] or [""]
        logs = c.logs(tail=3).decode(errors="replace").strip().replace("\n", " | ")
        lines.append(f"{c.name}: {state.get('Status')}/{health.get('Status', 'none')} check={last[0]!r} logs={logs!r}")
    return "; ".join(lines)


def wait_healthy(settings: Settings, expected: int, timeout: float = HEALTH_TIMEOUT) -> list[HostState]:
    def settled():  # all healthy, or one of them dead: either way, stop waiting
        states = host_states(settings)
        healthy = len(states) == expected and all(h.health == "healthy" for h in states)
        dead = any(h.state in ("exited", "dead") or h.health == "unhealthy" for h in states)
        return (states, healthy) if healthy or dead else None

    done = waiting.until(settled, timeout, every=0.5)
    if done and done[1]:
        return done[0]
    why = "stopped or unhealthy" if done else f"not healthy after {timeout:.0f} s"
    raise LabError(f"lab {settings.name}: {why}: {_health_report(settings)}")


def up(settings: Settings | None = None, say=print) -> UpResult:
    start = time.monotonic()
    settings = settings or load()
    topo = topology.load(settings)
    engine.client()
    runner = compose_for(settings, topo)
    network_check.check(settings.name, {f"LAB_{n.upper()}_NET": s for n, s in topo.networks.items()})
    builds = images.build_all(settings, say)
    for attempt in (1, 2):
        try:
            runner.run("up", "-d", "--no-build", "--remove-orphans", capture=True)
            hosts = wait_healthy(settings, expected=len(topo.hosts))
            return UpResult(settings, topo, builds, hosts, round(time.monotonic() - start, 1))
        except LabError as exc:
            down(settings)  # never leave a half-started lab behind
            if attempt == 2 or "unhealthy" in str(exc) or "not healthy" in str(exc):
                raise
            say(f"lab {settings.name}: starting failed ({exc}); removed the leftovers, trying once more")
    raise AssertionError("unreachable")


def down(settings: Settings | None = None) -> DownResult:
    """Remove this lab's containers, networks and volumes, and nothing else; works even
    when compose cannot (a crash, a changed compose file): whatever carries the lab's
    project label is removed."""
    settings = settings or load()
    client = engine.client()
    removed = []
    for c in engine.project_containers(settings.name):
        c.remove(force=True, v=True)
        removed.append(c.name)
    for net in engine.project_networks(settings.name):
        net.remove()
        removed.append(net.name)
    for vol in client.volumes.list(filters={"label": f"{engine.PROJECT_LABEL}={settings.name}"}):
        vol.remove(force=True)
        removed.append(vol.name)
    return DownResult(settings.name, removed)


VARIANT_FILE = "/etc/lab-variant"  # written by a server adapter when it applies a variant


def active_variant(settings: Settings, states: list[HostState]) -> tuple[str | None, str | None]:
    """(variant, server) most recently applied, read from the servers under test."""
    newest = (0, None, None)
    for state in states:
        if state.name in ("postfix", "sendmail") and state.state == "running":
            out = engine.client().containers.get(state.container).exec_run(
                ["sh", "-c", f"stat -c %Y {VARIANT_FILE} && cat {VARIANT_FILE}"])
            if out.exit_code == 0:
                stamp, variant = out.output.decode().split(None, 1)
                newest = max(newest, (int(stamp), variant.strip(), state.name))
    return newest[1], newest[2]


def status(settings: Settings | None = None) -> StatusResult:
    settings = settings or load()
    states = host_states(settings)
    variant, server = active_variant(settings, states)
    return StatusResult(settings, topology.load(settings), states, variant, server)
