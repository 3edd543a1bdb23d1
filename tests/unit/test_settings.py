import pytest

from lab.model import settings
from lab.errors import LabError


def test_default_lab_uses_the_documentation_range():
    s = settings.load({})
    assert (s.name, s.internet_net, s.lan_net) == ("smtplab", "198.51.100", "10.77.0")
    assert s.compose_env()["COMPOSE_PROJECT_NAME"] == "smtplab"


def test_another_lab_name_shifts_both_subnets_stably():
    a, b = settings.load({"LAB_NAME": "student07"}), settings.load({"LAB_NAME": "student08"})
    assert a.internet_net != "198.51.100" and a.lan_net != "10.77.0"
    assert (a.internet_net, a.lan_net) != (b.internet_net, b.lan_net)
    assert settings.load({"LAB_NAME": "student07"}) == a


def test_explicit_subnets_win():
    s = settings.load({"LAB_NAME": "x1", "LAB_LAN_NET": "10.99.3"})
    assert s.lan_net == "10.99.3"


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
