"""The scanner image: scanner.audit.example, where `make audit` runs Debian's nmap.

On one internal testcontainers network: the scanner and a container of the remote image
(an MTA that relays nothing). nmap's smtp-open-relay, run in the scanner the way the lab
runs it (lab.verify.audit.nmap_script), reaches it, runs its 16 tests, and the lab reads
every one of them from nmap's own report and trace (lab.maillogs.nmap)."""

import pytest

from lab.maillogs import nmap
from lab.model.audit import Conclusion
from lab.verify import audit
from support import Sink, internal_network, started

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def scanner_and_target():
    with internal_network() as network:
        with started("remote", network, hostname="mx", domainname="remote.example", kind=Sink) as target, \
                started("scanner", network, hostname="scanner", domainname="audit.example") as scanner:
            target.wait_healthy()
            scanner.wait_healthy()
            # Postfix's tarpit off, as the audit does (lab.servers.postfix: answering_at_once)
            assert target.sh("postconf -e smtpd_error_sleep_time=0s && postfix reload")[0] == 0
            target.log_line("reload -- version")
            yield scanner, target


def test_nmap_runs_its_relay_tests_and_the_lab_reads_every_one(scanner_and_target):
    scanner, target = scanner_and_target
    code, out = scanner.sh(audit.nmap_script(target.ip, "elsewhere.example", "carol"))
    assert code == 0, out[-2000:]
    xml, _, trace = out.partition(f"\n{audit.SPLIT}\n")
    found = nmap.parse(xml, trace)
    assert found.version.startswith("7.") and found.target == target.ip
    assert found.conclusion == Conclusion.CLOSED, found.said
    assert len(found.tests) == 16 and not any(t.claimed for t in found.tests)
    assert all(t.code == 554 and t.rcpt_to for t in found.tests), [t.reply for t in found.tests]
    assert found.tests[0].rcpt_to == "carol@elsewhere.example"


def test_python3_is_there_for_lab_probe(scanner_and_target):
    scanner, _ = scanner_and_target
    assert scanner.exec("python3", "-c", "import smtplib, json")[0] == 0
