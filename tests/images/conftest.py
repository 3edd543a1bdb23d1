"""Image tests: each image alone on an internal network (testcontainers). They need Docker."""

from pathlib import Path

import pytest

from support import alone

HERE = Path(__file__).parent


@pytest.hookimpl(wrapper=True)  # around pytest-xdist's, which reads the groups
def pytest_collection_modifyitems(items):
    """Every test under this folder (this hook sees all items: keep to ours). A module's tests
    stay in one pytest-xdist worker: they share the containers its fixtures started."""
    for item in items:
        if item.path.is_relative_to(HERE):
            for mark in (pytest.mark.docker, pytest.mark.xdist_group(f"image-{item.path.stem}")):
                item.add_marker(mark)
    return (yield)


@pytest.fixture(scope="module")
def postfix_alone():
    """The postfix image alone, one container per test module that asks for it.
    support.started sets LAB_DNS=127.0.0.1, which answers no PTR: clients are "unknown[ip]"."""
    with alone("postfix", hostname="postfix", domainname="lab.example",
               env={"LAB_USERS": "alice:wonderland bob:builder"}) as srv:
        yield srv
