"""The running lab's DNS and isolation, checked from inside the real containers."""

import pytest

from lab.runtime import engine
from lab.runtime import hostexec

pytestmark = pytest.mark.usefixtures("running_lab")


def shared_addresses(topo, asker, target):
    """`target`'s addresses on the networks `asker` is on: what the lab DNS may answer (it
    answers each network with the address on that network; the dns host itself asks over
    loopback and may get either)."""
    return {a for net, a in topo.hosts[target].addresses.items() if net in topo.hosts[asker].addresses}


@pytest.mark.parametrize("asker", ["dns", "postfix", "sendmail", "relay", "remote", "outside", "inside"])
def test_forward_and_reverse_lookups_from_every_host(running_lab, lab_settings, asker):
    topo = running_lab.topology
    for target in topo.hosts.values():
        expected = shared_addresses(topo, asker, target.name)
        if not expected or target.name == asker:
            continue
        forward = hostexec.run(lab_settings, asker, ["getent", "ahostsv4", target.fqdn]).output.split()
        assert forward[:1] and forward[0] in expected, f"{asker}: {target.fqdn} -> {forward[:1]}"
        for address in expected:
            reverse = hostexec.run(lab_settings, asker, ["getent", "hosts", address]).output.split()
            assert reverse[1:2] == [target.fqdn], f"{asker}: PTR {address} -> {reverse}"


@pytest.mark.parametrize("server", ["postfix", "sendmail"])
def test_mail_servers_see_the_lab_name_of_a_client_not_dockers(running_lab, lab_settings, server):
    """Docker's embedded DNS would answer outside.<project>_internet; the lab DNS must answer."""
    outside = running_lab.topology.hosts["outside"]
    resolv = hostexec.run(lab_settings, server, ["cat", "/etc/resolv.conf"]).output
    assert "127.0.0.11" not in resolv
    reverse = hostexec.run(lab_settings, server, ["getent", "hosts", outside.address]).output.split()
    assert reverse == [outside.address, "outside.isp.example"]


@pytest.mark.parametrize("asker", ["outside", "inside", "relay", "postfix"])
def test_mx_records(running_lab, lab_settings, asker):
    for domain in running_lab.topology.mail_domains:
        answer = hostexec.run(lab_settings, asker, ["host", "-t", "MX", domain.name]).output
        assert f"{domain.name} mail is handled by 10 {running_lab.topology.hosts[domain.mx].fqdn}." in answer


def test_every_lab_network_is_internal_and_carries_the_lab_name(running_lab, lab_settings):
    networks = engine.project_networks(lab_settings.name)
    assert {n.attrs["Labels"]["com.docker.compose.network"] for n in networks} == set(running_lab.topology.networks)
    for net in networks:
        assert net.attrs["Internal"] is True, net.name
        assert net.name.startswith(lab_settings.name), net.name
        subnets = [c["Subnet"] for c in net.attrs["IPAM"]["Config"]]
        assert subnets == [running_lab.topology.networks[net.attrs["Labels"]["com.docker.compose.network"]]]


def test_no_container_has_a_way_out(running_lab, lab_settings):
    """Only internal networks, no host networking, no published ports. (Docker still gives
    containers on internal networks a default route to the bridge; the engine drops what
    goes that way, so the proof is in the configuration, not in sending packets out.)"""
    internal = {n.name for n in engine.project_networks(lab_settings.name) if n.attrs["Internal"]}
    containers = engine.project_containers(lab_settings.name)
    assert len(containers) == len(running_lab.topology.hosts)
    for c in containers:
        attached = set(c.attrs["NetworkSettings"]["Networks"])
        assert attached and attached <= internal, (c.name, attached)
        assert c.attrs["HostConfig"]["NetworkMode"] not in ("host", "bridge", "default"), c.name
        assert not c.attrs["HostConfig"].get("PortBindings"), c.name
        assert not any(c.attrs["NetworkSettings"]["Ports"].values() or []), c.name
        assert c.name.startswith(lab_settings.name), c.name
