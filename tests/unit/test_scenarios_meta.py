"""Every file in scenarios/ is a variant the lab can run: it loads (scenario.load checks the
fields, hosts, probes and outcomes), its server has an adapter, and it teaches."""

from pathlib import Path

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
