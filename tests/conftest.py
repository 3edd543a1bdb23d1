"""Shared fixtures. Docker-backed tests are marked `docker`; they never skip: without a
Docker engine they fail with the one-line reason (run `make test-unit` for the fast part)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")  # its image cannot be pulled here

from lab.runtime import engine  # noqa: E402
from lab.runtime import lifecycle  # noqa: E402
from lab.runtime import subnets  # noqa: E402
from lab.model import settings  # noqa: E402
from lab.errors import LabError  # noqa: E402


@pytest.fixture(scope="session")
def docker_engine():
    try:
        return engine.client()
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def lab_settings():
    """The lab under test (LAB_NAME), with the subnets its networks have (or will get)."""
    return subnets.resolve(settings.load())


@pytest.fixture(scope="session")
def running_lab(docker_engine, lab_settings):
    """The whole lab, up and healthy (started if needed; left running for the next run)."""
    try:
        return lifecycle.up(lab_settings, say=print)
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
