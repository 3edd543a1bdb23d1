"""Every file in scenarios/ is a variant the lab can run: it loads (scenario.load checks the
fields, hosts, probes and outcomes), its server has an adapter, and it teaches."""

from pathlib import Path

import pytest

from lab.model import scenario, workshop
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


NOTE = Path(__file__).with_name("recorded") / "note-config.txt"
# the note's placeholders -> the lab's (the note names no host; the lab's topology does)
PLACEHOLDERS = {"<the servers you want to allow to connect, comma separated>": "{{relay}}",
                "antivirus鯖": "{{relay.fqdn}}"}


def note_blocks() -> dict[str, str]:
    """The note's configuration blocks (recorded/note-config.txt, the repository's verbatim
    copy), placeholders filled as the lab fills them: which block -> its text."""
    text = NOTE.read_text()
    for theirs, ours in PLACEHOLDERS.items():
        text = text.replace(theirs, ours)
    blocks = {}
    for part in text.split("\n## ")[1:]:
        which, _, block = part.partition("\n")
        blocks[which] = block
    return blocks


def test_verbatim_blocks_are_the_notes():
    """The note's own lines appear unchanged (only the placeholders filled)."""
    note = note_blocks()
    assert scenario.find("method1", TOPO).postconf.strip() == note["method 1"].strip()
    assert scenario.find("method1-addendum", TOPO).postconf.strip() == note["the addendum (2008-09-24)"].strip()
    method2 = scenario.find("method2", TOPO)
    assert method2.postconf.strip() == note["method 2"].strip()
    assert method2.files["/etc/postfix/access"].strip() == note["method 2's /etc/postfix/access"].strip()


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
    assert list(workshop.ORDER) == in_guide
    assert sorted(in_guide) == sorted(p.stem for p in scenario.SCENARIO_DIR.glob("*.yaml"))
    assert IDS == in_guide


def test_a_misspelt_variant_is_answered_with_the_closest_one():
    with pytest.raises(Exception, match=r"^unknown variant 'metod1': did you mean method1\? scenarios/ has baseline, "):
        scenario.find("metod1", TOPO)


def test_a_variant_the_workshop_does_not_name_comes_after_its_own_by_id():
    assert workshop.ordered(["zzz", "modern", "baseline", "aaa"]) == ["baseline", "modern", "aaa", "zzz"]
