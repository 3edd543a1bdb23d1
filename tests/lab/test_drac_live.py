"""drac in the running lab: another host finds and calls dracd through rpcbind, and a
dracd that dies mid-run makes POP-before-SMTP fail closed - reported, not hung."""

import pytest

from lab.runtime import hostexec
from lab.verify import variant as verify
from lab.model.settings import ROOT
from lab.servers.postfix import PostfixServer

PROBE = "pop-before-smtp-on"


@pytest.mark.parametrize("command, expected", [
    ("rpcinfo -u postfix.lab.example 900101 1", "program 900101 version 1 ready and waiting"),
    ("rpcinfo -t postfix.lab.example 900101 1", "program 900101 version 1 ready and waiting"),
    ("rpcinfo -u postfix.lab.example 900101 2", "rpcinfo: RPC: Program/version mismatch; low version = 1, high version = 1"),
])
def test_another_host_calls_dracd_through_rpcbind(running_lab, lab_settings, command, expected):
    listed = hostexec.run(lab_settings, "outside", "rpcinfo -p postfix.lab.example")
    assert {tuple(line.split()[:3]) for line in listed.output.splitlines()} >= {
        ("900101", "1", "udp"), ("900101", "1", "tcp")}, listed.output
    assert expected in hostexec.run(lab_settings, "outside", command).output


def test_dracauth_from_outside_is_denied_by_the_allow_list(running_lab, lab_settings):
    out = hostexec.run(lab_settings, "postfix", "dracd --clear")
    assert out.exit_code == 0
    # the client image has no dracauth: the lab's drac module, fed like the probe
    script = ("import sys, socket; sys.path.insert(0, '/tmp'); import drac; "
              "h = socket.gethostbyname('postfix.lab.example'); "
              "c = drac.Call(1, drac.PROGRAM, drac.VERSION, drac.PROC_ADD, socket.inet_aton('100.64.0.1')); "
              "print(drac.call_udp(h, drac.getport(h), c).result())")
    source = (ROOT / "images" / "postfix" / "drac" / "drac.py").read_text()
    hostexec.put_files(lab_settings, "outside", {"/tmp/drac.py": source})
    out = hostexec.run(lab_settings, "outside", ["python3", "-c", script])
    assert out.output.strip() == "1", out.output  # permission denied
    assert hostexec.run(lab_settings, "postfix", "postmap -q 100.64.0.1 btree:/var/lib/drac/dracd").output == ""


def test_killing_dracd_mid_run_fails_closed_and_is_reported(running_lab, lab_settings, monkeypatch):
    applied = PostfixServer.apply

    def apply_then_kill_dracd(self, chosen, **options):
        config = applied(self, chosen, **options)
        self.run("sv -v down dracd")  # runit would restart a killed dracd at once
        return config

    monkeypatch.setattr(PostfixServer, "apply", apply_then_kill_dracd)
    run = verify.run_variant("method2", lab_settings, only=PROBE)
    monkeypatch.undo()
    try:
        [probe] = run.probes
        assert (probe.expected, probe.actual, probe.code, probe.ok) == ("relayed", "rejected", 554, False)
        assert f"drac: no entry for {probe.client_address} after the POP3 login" in probe.evidence
        assert any("drac-login: dracauth for alice" in line and "failed" in line for line in probe.evidence)
        assert hostexec.run(lab_settings, "postfix", "/usr/local/sbin/healthcheck").exit_code != 0
    finally:
        # the reset starts dracd again; back to the baseline the other lab tests expect
        verify.apply_variant("baseline", lab_settings, say=lambda *_: None)
    assert hostexec.run(lab_settings, "postfix", "/usr/local/sbin/healthcheck").exit_code == 0
