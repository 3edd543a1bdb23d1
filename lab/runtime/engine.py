"""The Docker engine: one place that connects, and says clearly when it cannot.

Which engine: the one `using()` chose for this thread (a class spread over several engines
works on each lab in a thread of its own), else LAB_DOCKER_HOST (a lab living on another
engine: its printed commands carry it), else DOCKER_HOST, else the local socket."""

from __future__ import annotations

import contextvars
import os
import threading
from contextlib import contextmanager
from functools import lru_cache

import docker
import docker.errors

from lab.errors import LabError
from lab.model import settings

PROJECT_LABEL = "com.docker.compose.project"
LOCAL = "unix:///var/run/docker.sock"
_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("lab_engine", default=None)


def host() -> str:
    """The engine this thread talks to."""
    return _chosen.get() or os.environ.get("LAB_DOCKER_HOST") or os.environ.get("DOCKER_HOST") or LOCAL


@contextmanager
def using(where: str | None):
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


client.cache_clear = _client_for.cache_clear  # tests aim the engine elsewhere and back


def project_containers(project: str, all: bool = True):
    return client().containers.list(all=all, filters={"label": f"{PROJECT_LABEL}={project}"})


def project_networks(project: str):
    return client().networks.list(filters={"label": f"{PROJECT_LABEL}={project}"})


def image_exists(tag: str) -> bool:
    try:
        client().images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


_containers: dict[tuple[str, str, str], object] = {}  # (engine, project, service) -> its running container
_containers_lock = threading.Lock()  # probes look containers up from pool threads


def service_container(project: str, service: str):
    """The running container of a compose service of the project, or None. Cached; a cached
    container that stopped or vanished is looked up again."""
    key = (host(), project, service)
    with _containers_lock:
        known = _containers.get(key)
    if known is not None:
        try:
            known.reload()
            if known.status == "running":
                return known
        except docker.errors.NotFound:
            pass
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
