"""`make audit` without a lab: nmap's output as recorded from the lab's scanner (Debian's
nmap 7.93 against the lab's Postfix and Sendmail, tests/unit/recorded/nmap/), the verdict
over nmap, the sink and the lab's rows, and the rows that stand for the scanner."""

from dataclasses import replace
from pathlib import Path

import pytest

from lab.errors import LabError
from lab.maillogs import nmap
from lab.model import scenario, settings, topology
from lab.model.audit import Audit, AuditSweep, Conclusion, NmapScan, NmapTest, Verdict, judge, stands_for_scanner
from lab.model.outcomes import Outcome

RECORDED = Path(__file__).parent / "recorded" / "nmap"


def recorded(name: str) -> NmapScan:
    return nmap.parse((RECORDED / f"{name}.xml").read_text(), (RECORDED / f"{name}.trace").read_text())


def test_a_closed_postfix_every_test_refused_at_rcpt_with_its_reply():
    scan = recorded("postfix-method1")
    assert (scan.version, scan.target, scan.conclusion) == ("7.93", "100.64.2.25", Conclusion.CLOSED)
    assert scan.said == "Server doesn't seem to be an open relay, all tests failed"
    assert len(scan.tests) == 16 and not any(t.claimed for t in scan.tests)
    assert [t.number for t in scan.tests] == list(range(1, 17))
    first, last = scan.tests[0], scan.tests[-1]
    assert (first.mail_from, first.rcpt_to, first.code) == ("", "carol@remote.example", 554)
    assert first.reply == "554 5.7.1 <carol@remote.example>: Recipient address rejected: Access denied"
    assert (last.mail_from, last.rcpt_to) == ("nmap@[100.64.2.25]", "remote.example!carol@postfix.lab.example")


def test_the_tricks_are_read_whether_nmap_printed_them_as_text_or_as_a_hex_dump():
    scan = recorded("postfix-method1")
    recipients = [t.rcpt_to for t in scan.tests]
    # test 2's RCPT TO is a hex dump over two lines, test 5's plain text, test 7's a dump again
    assert recipients[1] == "carol@remote.example"
    assert recipients[4] == "carol%remote.example@[100.64.2.25]"
    assert recipients[6] == '"carol@remote.example"'
    assert recipients[11] == "@[100.64.2.25]:carol@remote.example"
    assert scan.tests[2].mail_from == "nmap@postfix.lab.example"


def test_an_open_postfix_every_test_claimed_in_order():
    scan = recorded("postfix-open-mynetworks")
    assert scan.conclusion == Conclusion.RELAY and scan.said == "Server is an open relay (16/16 tests)"
    assert all(t.claimed and t.code == 250 for t in scan.tests)
    assert scan.tests[13].envelope == "MAIL FROM:<nmap@[100.64.2.25]> -> RCPT TO:<remote.example!carol>"


def test_sendmail_refusing_relay_and_route_addresses():
    scan = recorded("sendmail-procmail")
    assert scan.conclusion == Conclusion.CLOSED and not any(t.claimed for t in scan.tests)
    codes = {t.number: t.code for t in scan.tests}
    assert codes[9] == codes[11] == 553 and codes[1] == 550  # "Invalid route address" / "Relaying denied"
    assert scan.tests[8].reply.endswith("Invalid route address")


def test_sendmail_under_tcp_wrappers_refuses_mail_from_so_nmap_never_sends_rcpt_to():
    scan = recorded("hostsallow-sendmail")
    assert scan.conclusion == Conclusion.CLOSED and len(scan.tests) == 16
    assert all(t.rcpt_to is None and t.code == 550 and t.reply == "550 5.0.0 Access denied" for t in scan.tests)
    assert scan.tests[0].envelope == "MAIL FROM:<> (refused: no RCPT TO)"


def test_a_closed_port_is_no_test_at_all():
    scan = recorded("postfix-port-closed")
    assert scan.conclusion == Conclusion.UNTESTED and scan.tests == ()
    assert scan.said == "port closed: smtp-open-relay did not run"


def test_unreadable_xml_and_a_claim_the_trace_never_shows_are_one_line_errors():
    with pytest.raises(LabError, match="no readable XML"):
        nmap.parse("", "")
    xml = (RECORDED / "postfix-open-mynetworks.xml").read_text()
    with pytest.raises(LabError, match="never shows"):
        nmap.parse(xml, (RECORDED / "hostsallow-sendmail.trace").read_text())  # a trace without RCPT TO


# --- the verdict ------------------------------------------------------------------------

def _scan(conclusion: Conclusion, claimed: int) -> NmapScan:
    tests = tuple(NmapTest(n, "nmap@x", f"carol{n}@remote.example", 250 if n <= claimed else 554, "r",
                           claimed=n <= claimed) for n in range(1, 17))
    return NmapScan("7.93", "198.51.100.25", conclusion, "nmap said so", tests)


def _judged(conclusion, claimed, sinks, rows) -> Audit:
    scan = _scan(conclusion, claimed)
    tests = [replace(t, sink=sinks.get(t.number)) if t.claimed else t for t in scan.tests]
    return judge(scan, tests, rows, "this run", "postfix.lab.example [198.51.100.25]:25")


CLOSED_ROW = {"relay-unauth-internet": Outcome.REJECTED}
OPEN_ROW = {"relay-unauth-internet": Outcome.RELAYED}


@pytest.mark.parametrize("conclusion, claimed, sinks, rows, verdict, status, words", [
    (Conclusion.CLOSED, 0, {}, CLOSED_ROW, Verdict.CLOSED, 0, "agree: nothing relays"),
    (Conclusion.RELAY, 2, {1: Outcome.RELAYED, 2: Outcome.REJECTED}, OPEN_ROW, Verdict.RELAY, 1, "both say so"),
    (Conclusion.RELAY, 1, {1: Outcome.RELAYED}, CLOSED_ROW, Verdict.DISAGREE, 2, "the lab's probes miss a way"),
    (Conclusion.CLOSED, 0, {}, OPEN_ROW, Verdict.DISAGREE, 2, "none of nmap's 16 tests got a message"),
    # Sendmail: a claimed trick that ends in procmail's quarantine (or its own domain) is not relayed
    (Conclusion.RELAY, 1, {1: Outcome.QUARANTINED}, CLOSED_ROW, Verdict.DISAGREE, 2, "fate check: quarantined"),
    (Conclusion.UNTESTED, 0, {}, CLOSED_ROW, Verdict.UNTESTED, 2, "no second opinion"),
])
def test_the_verdict_and_its_exit_status(conclusion, claimed, sinks, rows, verdict, status, words):
    audit = _judged(conclusion, claimed, sinks, rows)
    assert audit.verdict == verdict and audit.exit_status == status and words in audit.line
    assert audit.agrees == (verdict in (Verdict.CLOSED, Verdict.RELAY))
    assert audit.relayed == [n for n, o in sinks.items() if o == Outcome.RELAYED]


def test_the_audit_round_trips_through_the_run_json_keys():
    audit = _judged(Conclusion.RELAY, 2, {1: Outcome.RELAYED, 2: Outcome.QUARANTINED}, OPEN_ROW)
    data = audit.to_dict()
    assert {"tool", "version", "tests", "relayed", "agrees"} <= set(data)
    assert data["tool"] == "nmap smtp-open-relay" and data["relayed"] == [1] and data["claimed"] == [1, 2]
    assert Audit.from_dict(data) == audit


def test_a_sweep_ends_with_one_line_and_the_worst_status():
    sweep = AuditSweep({"method1": _judged(Conclusion.CLOSED, 0, {}, CLOSED_ROW),
                        "open": _judged(Conclusion.RELAY, 1, {1: Outcome.RELAYED}, OPEN_ROW)})
    assert sweep.exit_status == 1
    assert sweep.line == "2 variants audited with nmap smtp-open-relay: 1 agree nothing relays; 1 relay (open)"


def test_the_rows_that_stand_for_the_scanner_are_the_untrusted_internet_hosts_unauthenticated_relays():
    topo = topology.load(settings.load({}))
    plan = scenario.load_probes(hosts=set(topo.hosts))
    assert topo.scanner == "scanner" and set(topo.host("scanner").addresses) == {"internet"}
    assert sorted(p for p, probe in plan.items() if stands_for_scanner(probe, topo)) == [
        "pop-before-smtp-off", "relay-unauth-internet"]


def test_the_markdown_and_the_report_cell_of_an_audited_run():
    from lab.views import audit_view
    from lab.views.run_table import markdown
    import factories

    audit = _judged(Conclusion.RELAY, 2, {1: Outcome.RELAYED, 2: Outcome.QUARANTINED}, OPEN_ROW)
    run = factories.run(factories.probe("relay-unauth-internet", Outcome.RELAYED, Outcome.RELAYED))
    run.audit = audit.to_dict()
    text = markdown(run)
    assert "## nmap's second opinion (smtp-open-relay)" in text and f"**{audit.line}**" in text
    assert "| 1 | `<nmap@x>` | `<carol1@remote.example>` | r | relay | relayed |" in text
    assert "| 2 | `<nmap@x>` | `<carol2@remote.example>` | r | relay | not relayed: quarantined |" in text
    assert audit_view.cell(audit, "en") == ("✓ agrees", "1/16 relayed")
    assert audit_view.cell(audit, "ja") == ("✓ 一致", "1/16 中継")
    assert audit_view.short_reply("550 5.7.1 <carol@remote.example>... Relaying denied. Proper authentication "
                                  "required.") == "550 Relaying denied. Proper authentication required."
