import pytest

from lab.model import settings
from lab.errors import LabError


def test_default_lab_uses_the_documentation_range():
    s = settings.load({})
    assert (s.name, s.internet_net, s.lan_net) == ("smtplab", "198.51.100", "10.77.0")
    assert s.compose_env()["COMPOSE_PROJECT_NAME"] == "smtplab"


def test_a_named_lab_takes_the_subnets_the_runtime_resolved():
    s = settings.load({"LAB_NAME": "student07"})
    assert s.nets_from == "unresolved"  # the model never asks Docker
    s = settings.load({"LAB_NAME": "student07"}, nets=("100.64.3", "10.77.3"))
    assert (s.internet_net, s.lan_net, s.nets_from) == ("100.64.3", "10.77.3", "lab")
    assert s.compose_env()["LAB_LAN_NET"] == "10.77.3"
    assert s.command("make status") == "LAB_NAME=student07 make status"  # found again by name, not by subnet


def test_the_default_lab_keeps_its_subnets_whatever_the_runtime_says():
    s = settings.load({}, nets=("100.64.3", "10.77.3"))
    assert (s.internet_net, s.lan_net, s.nets_fixed) == ("198.51.100", "10.77.0", True)


def test_explicit_subnets_win():
    s = settings.load({"LAB_NAME": "x1", "LAB_LAN_NET": "10.99.3"})
    assert s.lan_net == "10.99.3"
    s = settings.load({"LAB_NAME": "x1", "LAB_LAN_NET": "10.99.3"}, nets=("100.64.3", "10.77.3"))
    assert (s.internet_net, s.lan_net) == ("100.64.3", "10.99.3")
    assert s.with_nets("100.64.4", "10.77.4", "lab").lan_net == "10.99.3"
    both = settings.load({"LAB_NAME": "x1", "LAB_INTERNET_NET": "100.70.1", "LAB_LAN_NET": "10.99.3"})
    assert both.nets_fixed and both.nets_from == "given"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"LAB_NAME": "Bad Name"}, "LAB_NAME='Bad Name': use lower-case"),
        ({"LAB_LAN_NET": "10.77"}, "LAB_LAN_NET='10.77': give the first three octets"),
        ({"LAB_LAN_NET": "10.300.0"}, "LAB_LAN_NET='10.300.0': give the first three octets"),
        ({"LAB_INTERNET_NET": "192.0.2"}, "LAB_INTERNET_NET='192.0.2': that range belongs"),
        ({"LAB_LAN_NET": "172.17.5"}, "LAB_LAN_NET='172.17.5': that range belongs"),
        ({"LAB_LAN_NET": "198.51.100"}, "LAB_INTERNET_NET and LAB_LAN_NET are both 198.51.100"),
    ],
)
def test_bad_settings_get_one_line_naming_the_variable(env, message):
    with pytest.raises(LabError) as err:
        settings.load(env)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
