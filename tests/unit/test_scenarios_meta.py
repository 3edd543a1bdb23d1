"""Every file in scenarios/ is a variant the lab can run: it loads (scenario.load checks the
fields, hosts, probes and outcomes), its server has an adapter, and it teaches."""

import pytest

from lab.model import scenario
from lab.model import settings
from lab.model import topology
from lab import servers

TOPO = topology.load(settings.load({}))
IDS = scenario.ids()


def test_there_are_variants():
    assert {"method1", "method1-addendum", "method1-misconfigured", "hostsdeny-postfix"} <= set(IDS)


@pytest.mark.parametrize("variant", IDS)
def test_variant_is_complete(variant):
    s = scenario.find(variant, TOPO)
    assert servers.adapter(s.server, settings.load({}), TOPO).mta == TOPO.mta(s.server)
    assert s.probes
    assert len(s.lesson) > 80, "a lesson says what the note claims, what happens, and why"
    assert s.title and s.source


def test_verbatim_blocks_are_the_notes():
    """The note's own lines appear unchanged (only the placeholder filled)."""
    seed = (settings.ROOT.parent / "shared" / "seed" / "ENGLISH.md")
    if not seed.exists():
        pytest.fail(f"{seed} not found: the seed note is part of the project's shared folder")
    note = seed.read_text()
    addendum = scenario.find("method1-addendum", TOPO).postconf
    assert addendum.strip() in note
    method1 = scenario.find("method1", TOPO).postconf
    for line in method1.splitlines():
        if line.strip() and "{{relay}}" not in line:
            assert line in note, line
    assert scenario.find("method2", TOPO).postconf.strip() in note
    access = scenario.find("method2", TOPO).files["/etc/postfix/access"].splitlines()
    assert access[:2] == ["localhost       RELAY", "127.0.0.1       RELAY"] and access[2].split() == ["{{relay.fqdn}}", "OK"]


def test_the_baseline_shows_the_lines_of_the_image_that_decide():
    """baseline.yaml changes nothing: the main.cf lines it shows are the image's own, so that
    a quiz of the baseline has a configuration to read."""
    image = {}
    for line in (settings.ROOT / "images" / "postfix" / "main.cf").read_text().splitlines():
        if "=" in line and not line.startswith(("#", " ")):
            name, _, value = line.partition("=")
            image[name.strip()] = value.strip()
    shown = [line for line in scenario.find("baseline", TOPO).postconf_lab.splitlines() if line and not line.startswith("#")]
    assert {line.partition("=")[0].strip() for line in shown} >= {"mynetworks", "smtpd_relay_restrictions",
                                                                   "smtpd_recipient_restrictions"}
    for line in shown:
        name, _, value = line.partition("=")
        assert image[name.strip()] == value.strip(), line


def test_variants_come_in_the_workshops_order():
    """lab/model/workshop.yaml names every variant once, in the order of the guide's exercise
    table (docs/workshop.md), and every list of variants follows it."""
    import re
    guide = (settings.ROOT / "docs" / "workshop.md").read_text()
    table = guide.split("## The exercises, in order", 1)[1].split("\n## ", 1)[0]
    in_guide = [v for row in table.splitlines() if re.match(r"^\| \d+ \|", row)
                for v in re.findall(r"`([a-z0-9-]+)`", row.split("|")[2])]
    assert scenario.workshop_order() == in_guide
    assert sorted(in_guide) == sorted(p.stem for p in scenario.SCENARIO_DIR.glob("*.yaml"))
    assert IDS == in_guide


def test_a_misspelt_variant_is_answered_with_the_closest_one():
    with pytest.raises(Exception, match=r"^unknown variant 'metod1': did you mean method1\? scenarios/ has baseline, "):
        scenario.find("metod1", TOPO)
