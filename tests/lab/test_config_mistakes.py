"""A configuration mistake stops at apply time, in the server's own words, and the next
variant works at once (Postfix's master throttles a service whose start failed for 60 s
and a reload keeps the throttle: the lab restarts Postfix after a broken variant)."""

from pathlib import Path

import pytest

from lab import servers
from lab.errors import ConfigRefused
from lab.model import topology
from lab.verify import variant as verify

TYPO = Path(__file__).with_name("scenarios") / "typo-restriction.yaml"


@pytest.fixture(scope="module")
def topo(running_lab, lab_settings):
    return topology.load(lab_settings)


def test_misspelled_restriction_stops_quoting_postfix(topo, lab_settings):
    with pytest.raises(ConfigRefused) as refused:
        verify.run_variant(str(TYPO), lab_settings, say=lambda *_: None)
    message = str(refused.value)
    assert "typo-restriction.yaml" in message  # the file the user must fix
    assert "fatal: in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions" in message
    assert "\n" not in message and "None" not in message
    assert "no SMTP greeting" not in message  # Postfix's own fatal line, not a greeting waited out
    # status knows: the server does not serve
    assert "no SMTP greeting" in servers.adapter("postfix", lab_settings, topo).serving()


def test_the_next_variant_works_at_once(topo, lab_settings):
    with pytest.raises(ConfigRefused):
        verify.apply_variant(str(TYPO), lab_settings, say=lambda *_: None)
    run = verify.run_variant("method1", lab_settings, say=lambda *_: None)
    assert run.ok, [(p.probe, p.expected, p.actual, p.code, p.stage) for p in run.probes if not p.ok]
    assert all(p.code is not None for p in run.probes)
    assert servers.adapter("postfix", lab_settings, topo).serving() is None
