"""The subnet allocator (lab.runtime.subnets): a pure decision from the subnets taken on the
machine to a free pair; and the choice between a lab's own networks and a new pair."""

import ipaddress

import pytest

from lab.errors import LabError
from lab.model import settings
from lab.runtime import subnets


def cidr(octets: str) -> str:
    return f"{octets}.0/24"


def test_an_empty_machine_gives_the_first_pair():
    assert subnets.allocate([]) == ("100.64.1", "10.77.1")


@pytest.mark.parametrize("taken, pair", [
    (["100.64.1.0/24"], ("100.64.2", "10.77.2")),          # the internet half is taken
    (["10.77.1.0/24"], ("100.64.2", "10.77.2")),           # the LAN half is taken
    (["100.64.1.128/25", "10.77.2.0/24"], ("100.64.3", "10.77.3")),  # a part of a /24 is enough
    (["100.64.0.0/16"], ("100.65.1", "10.78.1")),          # a whole /16: the next block
    (["198.51.100.0/24", "10.77.0.0/24", "172.17.0.0/16", "192.0.2.0/24"], ("100.64.1", "10.77.1")),
    (["0.0.0.0/0", "fd00::/64", "not a subnet", ""], ("100.64.1", "10.77.1")),  # default route, IPv6, junk
])
def test_the_first_pair_that_overlaps_nothing_taken(taken, pair):
    assert subnets.allocate(taken) == pair


def test_a_whole_class_gets_pairs_that_never_overlap():
    """Any set of lab names: each `up` allocates from what the others took (student07 and
    student13 collided when names were hashed)."""
    taken = ["198.51.100.0/24", "10.77.0.0/24", "172.17.0.0/16", "100.64.5.0/24"]  # the default lab, docker0, someone's
    given = []
    for _ in range(60):
        internet, lan = subnets.allocate(taken)
        given += [cidr(internet), cidr(lan)]
        taken += [cidr(internet), cidr(lan)]
    nets = [ipaddress.ip_network(n) for n in given]
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
    assert ipaddress.ip_network("100.64.5.0/24") not in nets


def test_the_pool_never_holds_the_default_labs_or_forbidden_ranges():
    forbidden = [ipaddress.ip_network(n) for n in ("198.51.100.0/24", "10.77.0.0/24", "192.0.2.0/24", "172.17.0.0/16")]
    for internet, lan in subnets.pool():
        for net in (ipaddress.ip_network(cidr(internet)), ipaddress.ip_network(cidr(lan))):
            assert not any(net.overlaps(f) for f in forbidden), net
            assert net.is_private or net.subnet_of(ipaddress.ip_network("100.64.0.0/10"))


def test_no_free_pair_is_one_line_saying_what_to_do():
    with pytest.raises(LabError) as err:
        subnets.allocate(["100.64.0.0/10"])
    assert "LAB_INTERNET_NET" in str(err.value) and "\n" not in str(err.value)


STUDENT = settings.load({"LAB_NAME": "student07"})


def test_a_lab_that_exists_keeps_the_subnets_its_networks_have():
    s = subnets.choose(STUDENT, {"internet": "100.64.9", "lan": "10.77.9"}, ["100.64.1.0/24"])
    assert (s.internet_net, s.lan_net, s.nets_from) == ("100.64.9", "10.77.9", "lab")


def test_a_lab_that_does_not_exist_gets_a_free_pair():
    s = subnets.choose(STUDENT, {}, ["100.64.1.0/24"])
    assert (s.internet_net, s.lan_net, s.nets_from) == ("100.64.2", "10.77.2", "free")


def test_half_a_lab_keeps_its_half():
    s = subnets.choose(STUDENT, {"lan": "10.77.1"}, [])
    assert (s.internet_net, s.lan_net) == ("100.64.2", "10.77.1")


def test_a_given_subnet_wins_and_is_not_given_out_twice():
    s = subnets.choose(settings.load({"LAB_NAME": "x1", "LAB_LAN_NET": "10.77.1"}), {}, [])
    assert (s.internet_net, s.lan_net) == ("100.64.2", "10.77.1")
