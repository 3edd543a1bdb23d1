"""Bringing the lab up and down, and saying what is running. Functions return results;
the CLI renders them."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

import docker
from docker.models.containers import Container

from lab.runtime import agent, compose
from lab.runtime import engine
from lab.runtime import images
from lab.runtime import network_check
from lab.runtime import subnets
from lab.model import topology
from lab import interrupt, waiting
from lab.errors import ComposeFailed, HostGone, LabError, Unhealthy
from lab.model.settings import Settings, load

HEALTH_TIMEOUT = 180.0
GRACE = 20.0  # seconds a container just started may fail its check and still be "starting"


class ContainerState(StrEnum):
    """A container's state as Docker says it."""
    CREATED = "created"
    RESTARTING = "restarting"
    RUNNING = "running"
    REMOVING = "removing"
    PAUSED = "paused"
    EXITED = "exited"
    DEAD = "dead"


class Health(StrEnum):
    """A host's health as the lab measured it (its image's check, run now)."""
    HEALTHY = "healthy"
    STARTING = "starting"  # failing its check, but started less than the grace ago
    UNHEALTHY = "unhealthy"
    NONE = "none"  # not running: nothing to check


@dataclass(frozen=True)
class HostState:
    name: str
    container: str
    state: ContainerState
    health: Health
    said: str = ""  # the health check's last line when it failed
    exit_code: int | None = None  # a container that stopped: its main process's exit status
    stopped_at: datetime | None = None  # ... and when (UTC)


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
        return bool(self.hosts) and all(h.health == Health.HEALTHY for h in self.hosts)


@lru_cache(maxsize=1)
def _compose_command() -> tuple[str, ...]:
    """Found once per process (asking costs a Python start of docker-compose; a class asks per lab)."""
    return tuple(compose.detect())


def compose_for(settings: Settings, topo: topology.Topology) -> compose.Compose:
    extra = {"LAB_DNS_RECORDS": topo.dns_records, "LAB_RELAY_ROUTES": topo.relay_routes}
    return compose.Compose(settings, list(_compose_command()), extra)


def health_test(container: Container) -> list[str]:
    """The container's health check command: its own (Config.Healthcheck), or, where
    compose.yaml tells Docker not to run one (Test NONE), its image's HEALTHCHECK."""
    test = (container.attrs.get("Config", {}).get("Healthcheck") or {}).get("Test") or ["NONE"]
    if test[0] == "NONE" and container.attrs.get("Image"):
        try:
            test = list(_image_test(engine.host(), container.attrs["Image"])) or test
        except (LabError, docker.errors.DockerException):  # the image went meanwhile: nothing to run
            pass
    return list(test)


@lru_cache(maxsize=64)
def _image_test(engine_host: str, image_id: str) -> tuple[str, ...]:
    """An image's HEALTHCHECK command, asked once per image (engine_host: the cache's key)."""
    image = engine.client().images.get(image_id)
    return tuple((image.attrs.get("Config", {}).get("Healthcheck") or {}).get("Test") or ())


def check_now(container: Container) -> tuple[bool, str]:
    """Run the container's health check (its image's HEALTHCHECK) now: Docker never runs it
    (compose.yaml: an idle lab should not pay for checks, see there); the lab asks when it
    needs to know. (passed, last line of its output)."""
    test = health_test(container)
    if test[0] == "NONE":
        return True, ""
    command = test[1:] if test[0] == "CMD" else test[1]
    labels = container.labels
    key = (engine.host(), labels.get(engine.PROJECT_LABEL), labels.get("com.docker.compose.service", container.name))
    try:  # through the host's agent, which later commands of this process reuse
        code, output = agent.run(key, lambda: container, command)
    except HostGone as exc:  # it stopped meanwhile
        return False, str(exc)
    lines = output.strip().splitlines()
    return code == 0, lines[-1] if lines else ""


def _when(container: Container, key: str) -> datetime | None:
    """A time Docker keeps in the container's State (StartedAt, FinishedAt), in UTC."""
    stamp = container.attrs.get("State", {}).get(key, "")[:26].rstrip("Z")
    try:
        when = datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return when if when.year > 1 else None  # "0001-01-01T00:00:00Z": never


def _age(container: Container) -> float:
    started = _when(container, "StartedAt")
    return time.time() - started.timestamp() if started else 0.0


def _state(container: Container, grace: float = GRACE) -> HostState | None:
    """The container's state, its check run now if it runs; None when it was removed meanwhile."""
    host = container.labels.get("com.docker.compose.service", container.name)
    said = ""
    if container.status == ContainerState.RUNNING:
        passed, said = check_now(container)
        if passed:
            return HostState(host, container.name, ContainerState.RUNNING, Health.HEALTHY)
        if not engine.refreshed(container):  # a failed check: is it still there, and how?
            return None
    if container.status != ContainerState.RUNNING:
        return HostState(host, container.name, ContainerState(container.status), Health.NONE,
                         exit_code=container.attrs.get("State", {}).get("ExitCode"),
                         stopped_at=_when(container, "FinishedAt"))
    return HostState(host, container.name, ContainerState.RUNNING,
                     Health.STARTING if _age(container) < grace else Health.UNHEALTHY, said)


def host_states(settings: Settings, grace: float = GRACE, known: dict[str, HostState] | None = None) -> list[HostState]:
    """Every container of the lab, its health measured now (its check run in parallel); one
    started less than `grace` seconds ago and failing its check is still "starting".
    known: container -> a healthy state measured a moment ago, taken as it is while that
    container still runs (a check is an exec: ~90 ms of CPU, and a wait polls)."""
    containers = engine.project_containers(settings.name)

    def state(c: Container) -> HostState | None:
        kept = (known or {}).get(c.name)
        return kept if kept and c.status == ContainerState.RUNNING else _state(c, grace)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return sorted((h for h in pool.map(state, containers) if h), key=lambda h: h.name)


def _health_report(states: list[HostState]) -> str:
    return "; ".join(f"{h.container}: {h.state}/{h.health}" + (f" ({h.said})" if h.said else "")
                     for h in states if h.health != Health.HEALTHY)


def _health_seen(states: list[HostState], expected: int) -> str:
    healthy = sum(h.health == "healthy" for h in states)
    return f"{healthy} of {expected} hosts healthy" + (f" ({_health_report(states)})" if healthy < len(states) else "")


def wait_healthy(settings: Settings, expected: int, timeout: float = HEALTH_TIMEOUT,
                 heal_once: Callable[[list[str]], None] | None = None, grace: float = GRACE) -> list[HostState]:
    """Wait until all `expected` hosts are healthy. A host that turns unhealthy meanwhile is
    handed to heal_once(hosts) the first time (a health check can flip only now, for a
    fault that happened just before); a stopped host, or one unhealthy again, ends the wait
    (Unhealthy); so does the time-out (waiting.TimedOut). Both name the hosts and their health."""
    healed: set[str] = set()
    passed: dict[str, HostState] = {}  # a host healthy once in this wait is not asked again

    def settled() -> tuple[list[HostState], bool] | None:
        states = host_states(settings, grace, passed)
        passed.update({h.container: h for h in states if h.health == Health.HEALTHY})
        if len(states) == expected and all(h.health == Health.HEALTHY for h in states):
            return states, True
        sick = {h.name for h in states if h.health == Health.UNHEALTHY}
        if heal_once and sick - healed:
            heal_once(sorted(sick - healed))
            healed.update(sick)
            return None
        if any(h.state in (ContainerState.EXITED, ContainerState.DEAD) for h in states) or sick:
            return states, False
        return None

    what_to_do = (f"'{settings.command('make lab-up')}' restarts what is unhealthy, "
                  f"'{settings.command('make lab-down')}' removes the lab")
    states, healthy = waiting.until(settled, timeout, what=f"lab {settings.name}'s hosts to be healthy", every=0.5,
                                    last=lambda: _health_seen(host_states(settings), expected), hint=what_to_do)
    if healthy:
        return states
    raise Unhealthy(f"lab {settings.name}: stopped or unhealthy: {_health_report(host_states(settings))}; {what_to_do}")


def heal(settings: Settings, runner: compose.Compose, hosts: list[str], say: Callable[[str], None] = print) -> None:
    """Recreate containers whose health check fails (their service died, stopped answering,
    or was broken from inside): fresh containers from their images. Lab state lives in the
    images and every run applies its variant again, so nothing is lost."""
    why = {h.name: h.said for h in host_states(settings)}
    for host in hosts:
        say(f"lab {settings.name}: {host} is unhealthy ({why.get(host) or 'its check fails'}): recreating it")
    runner.run("up", "-d", "--no-build", "--force-recreate", *hosts, capture=True)


def up(settings: Settings | None = None, say: Callable[[str], None] = print,
       on_build: Callable[[str, images.BuildResult | None], None] | None = None, build: bool = True,
       labels: dict[str, str] | None = None, grace: float = GRACE) -> UpResult:
    """Build what changed, start what is missing or stopped, restart what is unhealthy, and
    wait until every host is healthy. A lab that did not exist before and fails to come up
    is removed again; a running lab that cannot be healed is left as it is, for inspection.
    A new named lab gets a free pair of subnets (subnets.reserve), a lab that exists keeps
    its own. build=False: the images are known to be built (a class brings many labs up);
    labels: put on the lab's networks when they are created (e.g. the class it belongs to);
    grace: how long a just-started host may fail its check (longer where many labs start at
    once: on a busy machine sendmail takes more than 20 s to greet)."""
    start = time.monotonic()
    settings = settings or load()
    engine.client()
    if settings.nets_fixed:  # a collision named before the build, not after it
        topo = topology.load(settings)
        network_check.check(settings.name, {f"LAB_{n.upper()}_NET": s for n, s in topo.networks.items()})
    builds = images.build_all(settings, say, on_build=on_build) if build else []  # on_build: see images.build_all
    existed = bool(engine.project_containers(settings.name))
    starting, again, remove = f"{settings.name}: lab", settings.command("make lab-up"), settings.command("make lab-down")
    interrupt.leaves(starting, f"lab {settings.name} half started", then=f"'{again}' finishes it, '{remove}' removes it")
    try:
        settings = subnets.reserve(settings, labels)
        topo = topology.load(settings)
        runner = compose_for(settings, topo)
    except LabError:
        if not existed:
            down(settings)
        raise
    for attempt in (1, 2):
        try:
            runner.run("up", "-d", "--no-build", "--remove-orphans", capture=True)
            break
        except ComposeFailed as exc:
            if existed:
                raise
            down(settings)  # e.g. a container left by a crash: remove what carries our name, once
            if attempt == 2:
                raise
            say(f"lab {settings.name}: starting failed ({exc}); removed the leftovers, trying once more")
            subnets.create_networks(settings, labels)
    try:
        hosts = wait_healthy(settings, len(topo.hosts), heal_once=lambda sick: heal(settings, runner, sick, say),
                             grace=grace)
    except (Unhealthy, waiting.TimedOut):
        if not existed:
            down(settings)  # never leave a half-started lab behind
        raise
    interrupt.leaves(starting, None)
    return UpResult(settings, topo, builds, hosts, round(time.monotonic() - start, 1))


def down(settings: Settings | None = None) -> DownResult:
    """Remove this lab's containers, networks and volumes, and nothing else; works even
    when compose cannot (a crash, a changed compose file): whatever carries the lab's
    project label is removed."""
    settings = settings or load()
    client = engine.client()
    removed = []
    lab = f"{settings.name}: lab"
    interrupt.leaves(lab, f"lab {settings.name} partly removed",
                     then=f"'{settings.command('make lab-down')}' removes the rest")
    for c in engine.project_containers(settings.name):  # what someone else removed meanwhile is gone too
        interrupt.check()
        if engine.remove(c, force=True, v=True):
            removed.append(c.name)
    for net in engine.project_networks(settings.name):
        if engine.remove(net):
            removed.append(net.name)
    for vol in client.volumes.list(filters={"label": f"{engine.PROJECT_LABEL}={settings.name}"}):
        if engine.remove(vol, force=True):
            removed.append(vol.name)
    interrupt.leaves(lab, None)
    return DownResult(settings.name, removed)


def status(settings: Settings | None = None) -> StatusResult:
    settings = subnets.resolve(settings or load())
    return StatusResult(settings, topology.load(settings), host_states(settings))
