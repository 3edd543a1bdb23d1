"""Image tests: each image alone on an internal network (testcontainers). They need Docker."""

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Every test under this folder (this hook sees all items: keep to ours)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            for mark in (pytest.mark.docker,):
                item.add_marker(mark)
