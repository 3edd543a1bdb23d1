"""The Sendmail variants against the real lab: what a client refused by TCP wrappers sees,
a quarantined message is never also delivered (and the log calls it Sent), real procmail
agrees with the lab's reading of the recipe, switching servers leaks nothing, reset is clean.
(Every variant's whole table is checked in test_variants.py.)"""

import shlex
import pytest

from lab.runtime import hostexec
import procmail_model as procmail
from lab.model import scenario
from lab import servers
from lab.model import topology
from lab.verify import variant as verify
from lab.model.settings import ROOT

RECORDED = ROOT / "tests" / "unit" / "recorded" / "sendmail"


def outcomes(run):
    return [(p.probe, p.actual, p.code, p.stage, p.rule) for p in run.probes]


@pytest.fixture(scope="module")
def sendmail(running_lab, lab_settings):
    return servers.adapter("sendmail", lab_settings, topology.load(lab_settings))


@pytest.fixture(scope="module")
def procmail_run(running_lab, lab_settings, sendmail):
    run = verify.run_variant("sendmail-procmail", lab_settings)
    quarantine = mbox_tokens(sendmail, "/var/tmp/filterd-mails")
    mailbox = mbox_tokens(sendmail, "/var/mail/alice")
    return run, quarantine, mailbox


def test_a_client_refused_by_tcp_wrappers_is_greeted_then_denied(running_lab, lab_settings):
    run = verify.run_variant("hostsallow-sendmail", lab_settings)
    probe = {p.probe: p for p in run.probes}
    steps = probe["auth-internet"].transcript
    assert [(s["stage"], s["code"]) for s in steps] == [("connect", 220), ("ehlo", 250), ("auth", 550)]
    assert "AUTH" not in steps[1]["reply"] and steps[2]["reply"] == "5.0.0 Access denied"
    assert any("tcpwrappers (outside.isp.example" in e for e in probe["auth-internet"].evidence)
    assert probe["direct-inbound"].stage == "mail" and probe["via-relay"].actual == "delivered"


def test_a_quarantined_message_is_never_also_delivered(procmail_run):
    run, quarantine, mailbox = procmail_run
    assert not set(quarantine) & set(mailbox)
    by_outcome = {}
    for p in run.probes:
        by_outcome.setdefault(p.actual, []).append(p)
    assert [p.probe for p in by_outcome["quarantined"]] == ["direct-inbound"]
    for p in by_outcome["quarantined"]:
        assert p.token in quarantine and p.token not in mailbox
        assert p.fate == "sendmail:/var/tmp/filterd-mails"
        assert "mailer=local" in p.claim and p.claim.endswith("stat=Sent")  # the maillog "lies"
    for p in by_outcome["delivered"]:
        assert p.token in mailbox and p.token not in quarantine
    assert sorted(mailbox) == sorted(p.token for p in by_outcome["delivered"])


def test_real_procmail_files_the_recorded_messages_as_the_lab_reads_the_recipe(sendmail):
    """procmail 3.22 itself, on the recorded messages, with the variant's recipe: it must
    choose what lab.procmail (the unit tests' reading) chooses."""
    rc = scenario.find("sendmail-procmail", topology.load(sendmail.settings)).files["/etc/procmailrc"]
    rc = scenario.PLACEHOLDER.sub("100.64.8.10", rc).replace("/var/tmp/filterd-mails", "/tmp/lab-check/quarantine")
    files = {"/tmp/lab-check/rc": rc + ":0\n/tmp/lab-check/mailbox\n"}
    messages = []
    for name in ("alice", "filterd-mails"):
        for i, m in enumerate(procmail.messages((RECORDED / name).read_text())):
            path = f"/tmp/lab-check/{name}-{i}"
            files[path] = m.as_string(unixfrom=True) + "\n"  # as Sendmail hands it over
            messages.append((path, m))
    sendmail.run("rm -rf /tmp/lab-check")
    hostexec.put_files(sendmail.settings, "sendmail", files)  # scratch files: nothing to restore
    try:
        for path, _ in messages:
            sendmail.run(f"procmail -m /tmp/lab-check/rc < {path}")
        for place in ("quarantine", "mailbox"):
            real = mbox_tokens(sendmail, f"/tmp/lab-check/{place}")
            ours = [m["X-Lab-Token"] for _, m in messages
                    if procmail.folder(rc, "".join(f"{k}: {v}\n" for k, v in m.items()), "/tmp/lab-check/mailbox")
                    == f"/tmp/lab-check/{place}"]
            assert real == ours, place
    finally:
        sendmail.run("rm -rf /tmp/lab-check")


def test_switching_postfix_sendmail_postfix_gives_each_its_own_table(procmail_run, lab_settings):
    alone, _, _ = procmail_run
    postfix_before = verify.run_variant("method1", lab_settings)
    after_postfix = verify.run_variant("sendmail-procmail", lab_settings)
    postfix_after = verify.run_variant("method1", lab_settings)
    assert outcomes(after_postfix) == outcomes(alone)
    assert outcomes(postfix_after) == outcomes(postfix_before)
    assert all(p.ok for p in after_postfix.probes + postfix_after.probes)


def test_reset_leaves_no_trace_of_a_variant(sendmail, lab_settings):
    verify.apply_variant("sendmail-procmail-logged", lab_settings)
    sendmail.run("echo 'From x  Thu Jan  1 00:00:00 1970' > /var/tmp/filterd-mails; touch /var/log/procmail.log /var/mail/alice")
    sendmail.reset()
    left = sendmail.run("find /var/mail /var/spool/mqueue -mindepth 1; ls /var/tmp/filterd-mails /var/log/procmail.log "
                        "/etc/mail/variant.m4 2>/dev/null; cmp /etc/procmailrc /etc/mail/baseline/procmailrc && "
                        "cmp /etc/hosts.allow /etc/mail/baseline/hosts.allow && echo baseline")
    assert left.split() == ["baseline"]


def mbox_tokens(server, path: str) -> list[str]:
    """The probe tokens of the messages in an mbox on the server's host (a mailbox, the quarantine)."""
    return procmail.tokens(server.run(f"cat {shlex.quote(path)} 2>/dev/null || true"))
