"""The Docker engine: one place that connects, and says clearly when it cannot."""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import docker
import docker.errors

from lab.errors import LabError
from lab.model import settings

PROJECT_LABEL = "com.docker.compose.project"


def _lab_up() -> str:
    """'make lab-up' for the lab this process was started for (its LAB_* variables)."""
    try:
        return settings.load().command("make lab-up")
    except LabError:  # a bad LAB_* value: that error comes soon enough on its own
        return "make lab-up"


@lru_cache(maxsize=1)
def client() -> docker.DockerClient:
    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        engine = docker.from_env(timeout=120)
        engine.ping()
    except docker.errors.DockerException as exc:
        reason = str(exc).splitlines()[0][:160]
        raise LabError(
            f"Docker is not running (cannot reach the engine at {where}: {reason}); "
            f"run '{_lab_up()}', which installs and starts what the lab needs (or 'python3 -m lab.bootstrap' alone)"
        ) from None
    return engine


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


_containers: dict[tuple[str, str], object] = {}  # (project, service) -> its running container
_containers_lock = threading.Lock()  # probes look containers up from pool threads


def service_container(project: str, service: str):
    """The running container of a compose service of the project, or None. Cached; a cached
    container that stopped or vanished is looked up again."""
    key = (project, service)
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
