"""Shared fixtures. Docker-backed tests are marked `docker`; they never skip: without a
Docker engine they fail with the one-line reason (run `make test-unit` for the fast part)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")  # its image cannot be pulled here

# Under pytest-xdist (make test) every worker tests a lab of its own, so that the lab tests of
# different modules run side by side: the first worker the lab LAB_NAME names (the user's),
# the others "<LAB_NAME>-gw1", ... with subnets of their own (allocated: a LAB_*_NET given is
# the first worker's alone), removed again when the worker ends. Set before anything reads it.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
if WORKER != "gw0":
    os.environ["LAB_NAME"] = f"{os.environ.get('LAB_NAME') or 'smtplab'}-{WORKER}"
    for given in ("LAB_INTERNET_NET", "LAB_LAN_NET"):
        os.environ.pop(given, None)

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
    """The lab under test (LAB_NAME), with the subnets its networks have (or will get). A
    second worker's lab takes its subnets now (its networks created), so that workers whose
    labs come up at the same moment never both count on the same free pair; it is removed
    when the worker ends."""
    if WORKER == "gw0":
        yield subnets.resolve(settings.load())
        return
    try:
        engine.client()
        reserved = subnets.reserve(settings.load())
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield reserved
    lifecycle.down(reserved)


@pytest.fixture(scope="session")
def running_lab(docker_engine, lab_settings):
    """The whole lab, up and healthy (started if needed; the user's lab is left running for
    the next run, a second worker's is removed at the end: lab_settings)."""
    try:
        up = lifecycle.up(lab_settings, say=print)
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
    return up
