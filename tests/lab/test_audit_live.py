"""`make audit` for real (on the lab named by LAB_NAME): nmap's smtp-open-relay from the
scanner host catches an open configuration applied through `make try` - relays claimed, the
message of a trick found in the remote sink, exit 1 - and audits a shipped Postfix and a
Sendmail variant clean, in agreement with the run's own rows (`make verify AUDIT=1`). The
sweep over every variant is `make audit-all`, measured in `make bench`."""

import json
import os
import subprocess

import pytest

from lab.model import results, settings, topology
from lab.runtime import hostexec


def make(command: str) -> subprocess.CompletedProcess:
    """As typed in the checkout, outside any outer make (LAB_NAME from this environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(command, shell=True, cwd=settings.ROOT, capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=600)


@pytest.mark.parametrize("server, name, lines", [
    ("postfix", "open.cf", "mynetworks = 0.0.0.0/0\n"),  # main.cf
    ("sendmail", "open.m4", "FEATURE(`promiscuous_relay')dnl\n"),  # sendmail.mc
], ids=["postfix", "sendmail"])
def test_an_open_configuration_is_caught_and_its_tricks_reach_the_sink(running_lab, lab_settings, tmp_path,
                                                                        server, name, lines):
    (tmp_path / name).write_text(lines)
    tried = make(f"make try FILE={tmp_path / name} SERVER={server}")
    assert tried.returncode == 0, tried.stdout[-2000:] + tried.stderr
    out = make(".venv/bin/python -m lab audit")  # make itself answers any failure with its own 2
    assert out.returncode == 1, out.stdout[-3000:] + out.stderr
    assert "audit: open relay, and both say so" in out.stdout
    audit = json.loads((results.results_dir(lab_settings) / "audits" / "try-open.json").read_text())
    assert audit["target"].startswith(f"{server}.lab.example ")
    assert audit["verdict"] == "relay" and audit["agrees"] is True and audit["conclusion"] == "relay"
    assert audit["lab_rows"] == {"relay-unauth-internet": "relayed"}
    assert audit["relayed"] and set(audit["relayed"]) <= set(audit["claimed"])
    sink = topology.load(lab_settings).sink
    relayed = [t for t in audit["tests"] if t["number"] in audit["relayed"]]
    assert all(t["sink"] == "relayed" and t["fate"].startswith(f"{sink.host}:") for t in relayed)
    # the lab's fate check, once more by hand: the first relayed trick's message is in the sink
    assert hostexec.find_token(lab_settings, sink.host, relayed[0]["token"], [sink.maildir])


@pytest.mark.parametrize("variant", ["method1-addendum", "sendmail-procmail"])
def test_a_shipped_variant_audits_clean_and_agrees_with_its_rows(running_lab, lab_settings, variant):
    out = make(f"make verify-{variant} AUDIT=1")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
    assert "audit: nmap and the lab agree: nothing relays" in out.stdout
    run = results.load(variant, lab_settings)
    assert run.audit is not None and run.audit["agrees"] is True and run.audit["verdict"] == "closed"
    assert run.audit["relayed"] == [] and len(run.audit["tests"]) == 16 and run.audit["version"]
    assert run.audit["lab_rows"]["relay-unauth-internet"] == "rejected"
    markdown = (results.results_dir(lab_settings) / f"{variant}.md").read_text()
    assert "## nmap's second opinion (smtp-open-relay)" in markdown
