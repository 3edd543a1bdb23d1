"""The Docker engine: one place that connects, and says clearly when it cannot."""

from __future__ import annotations

import os
from functools import lru_cache

import docker
import docker.errors

from lab.errors import LabError

PROJECT_LABEL = "com.docker.compose.project"


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
            "start it with 'sudo systemctl start docker' (or 'sudo dockerd &')"
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
