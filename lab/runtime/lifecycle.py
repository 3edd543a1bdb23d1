"""Bringing the lab up and down, and saying what is running. Functions return results;
the CLI renders them."""

from __future__ import annotations

import time

from dataclasses import dataclass, field

from lab.runtime import compose
from lab.runtime import engine
from lab.runtime import images
from lab.runtime import network_check
from lab.model import topology
from lab import waiting
from lab.errors import ComposeFailed, LabError, Unhealthy
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


def wait_healthy(settings: Settings, expected: int, timeout: float = HEALTH_TIMEOUT,
                 heal_once=None) -> list[HostState]:
    """Wait until all `expected` hosts are healthy. A host that turns unhealthy meanwhile is
    handed to heal_once(hosts) the first time (a health check can flip only now, for a
    fault that happened just before); a stopped host, or one unhealthy again, ends the wait."""
    healed: set[str] = set()

    def settled():
        states = host_states(settings)
        if len(states) == expected and all(h.health == "healthy" for h in states):
            return states, True
        sick = {h.name for h in states if h.health == "unhealthy"}
        if heal_once and sick - healed:
            heal_once(sorted(sick - healed))
            healed.update(sick)
            return None
        if any(h.state in ("exited", "dead") for h in states) or sick:
            return states, False
        return None

    done = waiting.until(settled, timeout, every=0.5)
    if done and done[1]:
        return done[0]
    why = "stopped or unhealthy" if done else f"not healthy after {timeout:.0f} s"
    raise Unhealthy(f"lab {settings.name}: {why}: {_health_report(settings)}; "
                    f"'{settings.command('make lab-up')}' restarts what is unhealthy, "
                    f"'{settings.command('make lab-down')}' removes the lab")


def unhealthy(settings: Settings) -> dict[str, str]:
    """The lab's running containers whose health check fails: host -> the check's last words."""
    sick = {}
    for c in engine.project_containers(settings.name, all=False):
        health = c.attrs.get("State", {}).get("Health") or {}
        if health.get("Status") == "unhealthy":
            last = (health.get("Log") or [{}])[-1].get("Output", "").strip().splitlines()[-1:] or ["no output"]
            sick[c.labels.get("com.docker.compose.service", c.name)] = last[0]
    return sick


def heal(settings: Settings, runner: compose.Compose, hosts: list[str], say=print) -> None:
    """Recreate containers whose health check fails (their service died, stopped answering,
    or was broken from inside): fresh containers from their images. Lab state lives in the
    images and every run applies its variant again, so nothing is lost."""
    why = unhealthy(settings)
    for host in hosts:
        say(f"lab {settings.name}: {host} is unhealthy ({why.get(host, 'its check fails')}): recreating it")
    runner.run("up", "-d", "--no-build", "--force-recreate", *hosts, capture=True)


def up(settings: Settings | None = None, say=print, on_build=None) -> UpResult:
    """Build what changed, start what is missing or stopped, restart what is unhealthy, and
    wait until every host is healthy. A lab that did not exist before and fails to come up
    is removed again; a running lab that cannot be healed is left as it is, for inspection."""
    start = time.monotonic()
    settings = settings or load()
    topo = topology.load(settings)
    engine.client()
    runner = compose_for(settings, topo)
    network_check.check(settings.name, {f"LAB_{n.upper()}_NET": s for n, s in topo.networks.items()})
    builds = images.build_all(settings, say, on_build=on_build)  # on_build: see images.build_all
    existed = bool(engine.project_containers(settings.name))
    for attempt in (1, 2):
        try:
            runner.run("up", "-d", "--no-build", "--remove-orphans", capture=True)
            break
        except ComposeFailed as exc:
            if existed or attempt == 2:
                raise
            down(settings)  # e.g. a network left by a crash: remove what carries our name, once
            say(f"lab {settings.name}: starting failed ({exc}); removed the leftovers, trying once more")
    try:
        hosts = wait_healthy(settings, len(topo.hosts), heal_once=lambda sick: heal(settings, runner, sick, say))
    except Unhealthy:
        if not existed:
            down(settings)  # never leave a half-started lab behind
        raise
    return UpResult(settings, topo, builds, hosts, round(time.monotonic() - start, 1))


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


def status(settings: Settings | None = None) -> StatusResult:
    settings = settings or load()
    return StatusResult(settings, topology.load(settings), host_states(settings))
