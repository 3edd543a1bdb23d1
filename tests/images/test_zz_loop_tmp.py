import sys
sys.path.insert(0, "tests/images")
import pytest
from test_relay_image import *  # noqa

@pytest.mark.parametrize("n", range(15))
def test_switch_many(lab, n):
    test_relay_routes_switches_the_target_at_run_time(lab)
