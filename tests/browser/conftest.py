"""Browser tests: pages rendered in Debian's chromium (headless), measured from the rendered
DOM. They need chromium (`apt-get install -y chromium fonts-ipafont-gothic`, as .ci/run
does) and never skip: without it they fail saying so."""

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
