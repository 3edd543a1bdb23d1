import dataclasses
import shutil

import pagetext
from factories import probe, run

from lab.views import report
from lab.model import results
from lab.model import settings
from lab.model import topology

TOPO = topology.load(settings.load({}))


def test_report_is_one_page_with_topology_matrix_config_and_transcripts():
    good, bad = run(probe("direct-inbound", "rejected", "rejected")), run(probe("via-relay", "delivered", "rejected"))
    bad.variant = "method1-misconfigured"
    html = report.render([good, bad], TOPO)
    assert html.count("<svg") == 1 and "postfix.lab.example" in html
    assert 'id="method1"' in html and 'id="method1-misconfigured"' in html
    assert 'class="differs"' in html and "MISMATCHES" in html and "all outcomes as expected" in html
    shown = pagetext.text(html)
    assert "mynetworks = 127.0.0.0/8" in shown  # the configuration that produced the table
    assert "> RCPT TO:<x>" in shown and "TO:&lt;x&gt;" in html  # transcripts, escaped
    assert "<script" not in html  # self-contained, nothing to fetch or run


def test_topology_picture_has_every_host_and_network():
    svg = report.topology_svg(TOPO)
    for host in TOPO.hosts.values():
        assert f">{host.name}</text>" in svg
    for net, subnet in TOPO.networks.items():
        assert f'class="net id">{net}</text>' in svg and f'class="subnet id">{subnet}</text>' in svg
    for host in TOPO.hosts.values():  # every address drawn, in its host's box
        assert all(f'class="addr id">{address}</text>' in svg for address in host.addresses.values())


def test_report_shows_the_mail_log_claim_beside_a_quarantined_fate():
    p = probe("direct-inbound", "quarantined", "quarantined")
    p.fate = "sendmail:/var/tmp/filterd-mails"
    p.claim = "Nov 29 sendmail[9]: X: to=<alice@sendmail.lab.example>, mailer=local, dsn=2.0.0, stat=Sent"
    shown = pagetext.text(report.render([run(p)], TOPO))
    assert "log stat=Sent (mailer=local) ← but quarantined" in shown


def test_each_lab_reports_its_own_runs_with_its_own_topology(tmp_path):
    shutil.copy(settings.ROOT / "compose.yaml", tmp_path)  # a checkout in tmp_path
    labs = [dataclasses.replace(settings.load({"LAB_NAME": name}, nets=nets), root=tmp_path)
            for name, nets in (("student07", ("100.64.1", "10.77.1")), ("student08", ("100.64.2", "10.77.2")))]
    outside = {s.name: topology.load(s).hosts["outside"].address for s in labs}
    for s in labs:
        p = probe("direct-inbound", "rejected", "rejected", seen=None)
        p.client_address = outside[s.name]
        results.save(run(p, lab=results.lab_of(s)), s)
    for s, other in zip(labs, reversed(labs)):
        path, count = report.write(s)
        html = path.read_text()
        assert path == tmp_path / "results" / s.name / "report.html" and count == 1
        assert outside[s.name] in html and f"{s.internet_net}.0/24" in html and s.name in html
        assert outside[other.name] not in html and other.internet_net not in html


def test_each_row_shows_its_restriction_trace_on_demand():
    from lab.model.trace import StepResult, TraceStep

    p = probe("direct-inbound", "rejected", "rejected")
    p.trace = [TraceStep("smtpd_recipient_restrictions", "reject", StepResult.REJECT, "554 5.7.1 <a@b>: Access denied"),
               TraceStep("smtpd_recipient_restrictions", "check_relay_domains", StepResult.IGNORED,
                         "warning: restriction `check_relay_domains' after `reject' is ignored")]
    untraced = probe("auth-bad-password", "auth-failed", "auth-failed")
    untraced.trace_note = "Postfix evaluated no restriction list"
    html = report.render([run(p, untraced)], TOPO)
    assert html.count('<details class="trace">') == 2  # collapsed until opened
    assert "trace (2 steps)" in pagetext.text(html) and '<td class="step-ignored"><span class="id">ignored</span></td>' in html
    assert "554 5.7.1 <a@b>: Access denied" in pagetext.text(html) and "&lt;a@b&gt;:" in html  # escaped
    assert "Postfix evaluated no restriction list" in html
