"""Faults the lab notices and survives, each caused for real: a relay whose smtpd is broken
while its master lives, supervised daemons killed on the Postfix host, a container killed.
(These tests break the default lab on purpose and leave it healed.)"""

import subprocess

import pytest

from lab import waiting
from lab.model import topology
from lab.runtime import engine, hostexec, lifecycle
from lab.verify import variant as verify


def quiet(*_):
    pass


def test_relay_with_a_broken_smtpd_turns_unhealthy_and_verify_heals_it(running_lab, lab_settings):
    # master lives, but every smtpd it starts dies at once (a fatal configuration error)
    broken = hostexec.run(lab_settings, "relay", "postconf -e 'smtpd_relay_restrictions = reject_unauth_destinaton' "
                                                 "'smtpd_recipient_restrictions =' && postfix reload")
    assert broken.exit_code == 0, broken.output
    def relay_health() -> str:
        return next(h.health for h in lifecycle.status(lab_settings).hosts if h.name == "relay")

    waiting.until(lambda: relay_health() == "unhealthy", 30, every=0.5,
                  what="the relay's health check to notice that smtpd no longer greets", last=relay_health)
    status = subprocess.run([".venv/bin/python", "-m", "lab", "status"], capture_output=True, text=True,
                            cwd=lab_settings.root)
    assert status.returncode != 0 and "relay" in status.stdout and "unhealthy" in status.stdout
    said = []
    run = verify.run_variant("method1", lab_settings, say=said.append)
    assert any("relay is unhealthy" in line and "recreating" in line for line in said), said
    assert run.ok, [(p.probe, p.expected, p.actual) for p in run.probes if not p.ok]


@pytest.mark.parametrize("daemon", ["dracd", "dovecot", "rpcbind"])
def test_a_killed_daemon_on_the_postfix_host_comes_back(running_lab, lab_settings, daemon):
    before = hostexec.run(lab_settings, "postfix", f"pidof -sx {daemon}").output.split()
    assert before, f"{daemon} is not running on the postfix host"
    hostexec.run(lab_settings, "postfix", f"kill -9 {before[0]}")

    def back():
        now = hostexec.run(lab_settings, "postfix", f"pidof -sx {daemon}").output.split()
        return now and now != before and hostexec.run(lab_settings, "postfix", "dracd --check").exit_code == 0

    waiting.until(back, 30, every=0.5, what=f"{daemon} to come back after kill -9")
    run = verify.run_variant("method2-fixed", lab_settings, say=quiet, only="pop-before-smtp-on")
    assert [(p.probe, p.actual) for p in run.probes] == [("pop-before-smtp-on", "relayed")], run.probes[0].evidence


def test_lab_up_heals_a_killed_container(running_lab, lab_settings):
    topo = topology.load(lab_settings)
    engine.service_container(lab_settings.name, "sendmail").kill()
    assert not lifecycle.status(lab_settings).running
    up = lifecycle.up(lab_settings, say=quiet)
    assert len(up.hosts) == len(topo.hosts) and all(h.health == "healthy" for h in up.hosts)
