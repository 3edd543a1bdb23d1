"""The topology comes from compose.yaml alone; these check what the lab derives from it."""

import ipaddress
from dataclasses import replace

import pytest

from lab.model import settings
from lab.model import topology
from lab.errors import LabError


@pytest.fixture
def topo():
    return topology.load(settings.load({}))


def test_every_service_is_a_host_with_a_fixed_address_in_its_networks(topo):
    assert set(topo.hosts) == {"dns", "postfix", "sendmail", "relay", "remote", "outside", "inside", "scanner"}
    for host in topo.hosts.values():
        assert host.addresses, host.name
        for net, address in host.addresses.items():
            assert ipaddress.ip_address(address) in ipaddress.ip_network(topo.networks[net]), (host.name, net)


def test_addresses_are_unique(topo):
    addresses = [a for h in topo.hosts.values() for a in h.addresses.values()]
    assert len(addresses) == len(set(addresses))


def test_dns_records_give_every_address_a_name_and_every_domain_an_mx(topo):
    lines = topo.dns_records.split(";")
    for host in topo.hosts.values():
        for address in host.addresses.values():
            assert f"{address} {host.fqdn}" in lines
    assert "mx-host=postfix.lab.example,relay.lab.example,10" in lines
    assert "mx-host=remote.example,mx.remote.example,10" in lines


def test_relay_routes_send_each_lab_domain_to_its_server(topo):
    assert topo.relay_routes.split() == [
        "postfix.lab.example=postfix.lab.example",
        "sendmail.lab.example=sendmail.lab.example",
    ]


def test_shifted_lab_moves_every_address():
    topo = topology.load(settings.load({"LAB_NAME": "student07", "LAB_INTERNET_NET": "100.64.9"},
                                       nets=("100.64.3", "10.77.3")))
    assert topo.hosts["outside"].address.startswith("100.64.9.")
    assert topo.networks["internet"] == "100.64.9.0/24"


def test_users_come_from_compose(topo):
    assert [u.name for u in topo.users] == ["alice", "bob"]
    assert topo.user("alice").password


def test_unknown_host_names_the_known_ones(topo):
    with pytest.raises(LabError, match=r"unknown host 'mars': the lab's hosts are dns, postfix"):
        topo.host("mars")


def test_interpolation_follows_compose():
    env = {"SET": "x", "EMPTY": ""}
    assert topology.interpolate("${SET:-d}/${EMPTY:-d}/${UNSET:-d}/${UNSET}", env) == "x/d/d/"


def test_a_network_without_a_fixed_address_names_the_host_and_network(tmp_path):
    text = (settings.ROOT / "compose.yaml").read_text()
    (tmp_path / "compose.yaml").write_text(text.replace('lan: {ipv4_address: "${LAB_LAN_NET:-10.77.0}.100"}', "lan: {}"))
    with pytest.raises(LabError, match=r"compose.yaml: services.inside.networks.lan: give its ipv4_address"):
        topology.load(replace(settings.load({}), root=tmp_path))


def test_every_host_has_its_role_in_english_and_japanese(topo):
    assert all(h.role and h.text("role", "ja") for h in topo.hosts.values())
