"""Lab tests: the whole lab, up and healthy (the running_lab fixture). They need Docker."""

from pathlib import Path

import pytest

HERE = Path(__file__).parent



@pytest.hookimpl(wrapper=True)  # around pytest-xdist's, which reads the groups
def pytest_collection_modifyitems(items):
    """Every test under this folder (this hook sees all items: keep to ours). Under `make
    test` (pytest-xdist, --dist loadgroup) a module's tests run in turn in one worker, against
    that worker's lab (tests/conftest.py): they change what its servers do, and share what its
    fixtures set up; modules run side by side."""
    for item in items:
        if item.path.is_relative_to(HERE):
            group = f"lab-{item.path.stem}"
            for mark in (pytest.mark.docker, pytest.mark.lab, pytest.mark.xdist_group(group)):
                item.add_marker(mark)

    return (yield)