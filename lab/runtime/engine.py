"""The Docker engine: one place that connects, and says clearly when it cannot.

Which engine: the one `using()` chose for this thread (a class spread over several engines
works on each lab in a thread of its own), else LAB_DOCKER_HOST (a lab living on another
engine: its printed commands carry it), else DOCKER_HOST, else the local socket.

Labs come and go on a shared engine (a classroom host, the test suite's workers): nothing
the lab reads may fail because a container or network was removed while it read. The SDK's
`containers.list` inspects every container it lists, one call each, and one removed in
between raises NotFound: listings here are either sparse (labels and state from the one
list call: `labelled_containers`) or skip what vanished (`project_containers`);
`networks.list` answers from one call (never `greedy`); a container read again
(`refreshed`) or removed (`remove`) may be gone, and that is an answer, not an error."""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import docker
import docker.errors
from docker.models.containers import Container
from docker.models.networks import Network
from docker.models.volumes import Volume

from lab import waiting
from lab.errors import LabError
from lab.model import settings

PROJECT_LABEL = "com.docker.compose.project"
LOCAL = "unix:///var/run/docker.sock"
_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("lab_engine", default=None)


def host() -> str:
    """The engine this thread talks to."""
    return _chosen.get() or os.environ.get("LAB_DOCKER_HOST") or os.environ.get("DOCKER_HOST") or LOCAL


@contextmanager
def using(where: str | None) -> Iterator[None]:
    """Talk to engine `where` (a DOCKER_HOST URL; None or "": the usual one) in this block."""
    token = _chosen.set(where or None)
    try:
        yield
    finally:
        _chosen.reset(token)


def subprocess_env() -> dict[str, str]:
    """The environment for docker and compose commands: this one, aimed at host()."""
    return {**os.environ, "DOCKER_HOST": host()}


def _lab_up() -> str:
    """'make lab-up' for the lab this process was started for (its LAB_* variables)."""
    try:
        return settings.load().command("make lab-up")
    except LabError:  # a bad LAB_* value: that error comes soon enough on its own
        return "make lab-up"


def client() -> docker.DockerClient:
    """A client of host(), one per engine, kept."""
    return _client_for(host())


@lru_cache(maxsize=16)
def _client_for(where: str) -> docker.DockerClient:
    try:
        engine = docker.from_env(timeout=120, environment={**os.environ, "DOCKER_HOST": where})
        engine.ping()
    except docker.errors.DockerException as exc:
        reason = str(exc).splitlines()[0][:160]
        raise LabError(
            f"Docker is not running (cannot reach the engine at {where}: {reason}); "
            f"run '{_lab_up()}', which installs and starts what the lab needs (or 'python3 -m lab.bootstrap' alone)"
        ) from None
    return engine



def project_containers(project: str, all: bool = True) -> list[Container]:
    """The project's containers, inspected (every attribute); one removed meanwhile is left out.
    Not sparse: the callers read state, health checks and start times, which a sparse listing
    lacks; ignore_removed is the SDK's own answer to a container gone between list and inspect
    (tests/unit/test_busy_engine.py). Listings that need only labels use labelled_containers."""
    return client().containers.list(all=all, filters={"label": f"{PROJECT_LABEL}={project}"}, ignore_removed=True)


def labelled_containers(label: str) -> list[dict[str, str]]:
    """The labels of every container, running or not, that carries `label` (a key, or
    key=value): one sparse listing, no container inspected."""
    return [c.attrs.get("Labels") or {} for c in
            client().containers.list(all=True, sparse=True, filters={"label": label})]


def labelled_networks(label: str) -> list[dict[str, str]]:
    """The labels of every network that carries `label` (a key, or key=value)."""
    return [n.attrs.get("Labels") or {} for n in client().networks.list(filters={"label": label})]


def project_networks(project: str) -> list[Network]:
    return client().networks.list(filters={"label": f"{PROJECT_LABEL}={project}"})


def refreshed(container: Container) -> bool:
    """Read the container's attributes again (its state now): False when it is gone."""
    try:
        container.reload()
        return True
    except docker.errors.NotFound:
        return False


REMOVAL_TIMEOUT = 60.0  # how long a removal someone else started may take to finish


def remove(thing: Container | Network | Volume, **options: bool) -> bool:
    """Remove a container, network or volume: False when it was gone already. A container
    whose removal someone else started (a class-down beside the student's own lab-down) is
    waited for: when this returns, it is gone either way."""
    try:
        thing.remove(**options)
        return True
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:  # 409 with force: a removal already in progress
        if not (isinstance(thing, Container) and exc.status_code == 409 and options.get("force")):
            raise
        if not waiting.poll(lambda: not refreshed(thing), REMOVAL_TIMEOUT):
            raise LabError(f"container {thing.name}: another removal of it did not end in "
                           f"{REMOVAL_TIMEOUT:.0f} s ({exc.explanation})") from None
        return False


def image_exists(tag: str) -> bool:
    try:
        client().images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


_containers: dict[tuple[str, str, str], Container] = {}  # (engine, project, service) -> its running container
_containers_lock = threading.Lock()  # probes look containers up from pool threads


def service_container(project: str, service: str) -> Container | None:
    """The running container of a compose service of the project, or None. Cached; a cached
    container that stopped or vanished is looked up again."""
    key = (host(), project, service)
    with _containers_lock:
        known = _containers.get(key)
    if known is not None and refreshed(known) and known.status == "running":
        return known
    found = None
    for c in project_containers(project, all=False):
        if c.labels.get("com.docker.compose.service") == service:
            found = c
            break
    with _containers_lock:
        if found is None:
            _containers.pop(key, None)
        else:
            _containers[key] = found
    return found
