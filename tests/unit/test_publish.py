import pytest

from lab.runtime import publish
from lab.model import settings
from lab.model import topology
from lab.errors import LabError

TOPO = topology.load(settings.load({}))


def test_forwards_go_to_the_hosts_internet_address():
    [f] = publish.parse(["postfix:25=2525"], TOPO)
    assert (f.local_port, f.address, f.port) == (2525, TOPO.hosts["postfix"].address, 25)
    assert str(f).startswith("127.0.0.1:2525 -> postfix")


@pytest.mark.parametrize("spec, message", [("postfix:25", "write HOST:PORT=LOCALPORT"),
                                           ("mars:25=2525", "unknown host 'mars'")])
def test_bad_forward_is_one_line(spec, message):
    with pytest.raises(LabError, match=message):
        publish.parse([spec], TOPO)
