"""Lab tests: the whole lab, up and healthy (the running_lab fixture). They need Docker."""

from pathlib import Path

import pytest

HERE = Path(__file__).parent


# Tests that bring up labs of their own (not the running lab): under `make test` (pytest-xdist,
# --dist loadgroup) they run beside the tests of the running lab, which run in turn in one
# worker (they change what its servers do).
OWN_LABS = {"test_classroom_live.py", "test_engines_live.py", "test_subnets_live.py"}


@pytest.hookimpl(wrapper=True)  # around pytest-xdist's, which reads the groups
def pytest_collection_modifyitems(items):
    """Every test under this folder (this hook sees all items: keep to ours)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            group = "own-labs" if item.path.name in OWN_LABS else "running-lab"
            for mark in (pytest.mark.docker, pytest.mark.lab, pytest.mark.xdist_group(group)):
                item.add_marker(mark)

    return (yield)