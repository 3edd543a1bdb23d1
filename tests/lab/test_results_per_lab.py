"""Two labs on one checkout keep their results apart: the same variant verified in both at
the same time gives two result files (each naming its lab, its subnets and its own clients),
two history entries, and a report per lab drawn with that lab's addresses. And the command
a result prints to run a probe again acts on the lab that printed it, from a fresh shell."""

import ipaddress
import json
import os
import subprocess

import pytest

from lab.errors import LabError
from lab.model import results, settings, topology
from lab.runtime import lifecycle

ROOT = settings.ROOT
VARIANT = "method1"


def clean_env(**extra) -> dict[str, str]:
    """A fresh shell's environment: none of the LAB_* variables this test runs with."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("LAB_")}, **extra}


@pytest.fixture(scope="module")
def other_lab(running_lab, lab_settings):
    """A second lab beside the one under test, up for this module (and down again after, if
    this module started it)."""
    other = settings.load({"LAB_NAME": "student08" if lab_settings.name != "student08" else "student07"})
    was_running = lifecycle.status(other).running
    try:
        other = lifecycle.up(other, say=print).settings  # its subnets, as allocated
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield other
    if not was_running:
        lifecycle.down(other)


@pytest.fixture(scope="module")
def both_verified(lab_settings, other_lab):
    """`make verify-method1` in both labs at the same time; what each left in results/."""
    labs = [lab_settings, other_lab]
    history = {s.name: set((results.results_dir(s) / "history").glob(f"{VARIANT}-*.json")) for s in labs}
    runs = [subprocess.Popen(["make", f"verify-{VARIANT}"], cwd=ROOT, env=clean_env(LAB_NAME=s.name), text=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for s in labs]
    outputs = [p.communicate(timeout=600)[0] for p in runs]
    for s, p, output in zip(labs, runs, outputs):
        assert p.returncode == 0, f"{s.name}:\n{output[-3000:]}"
    return {s.name: {"settings": s,
                     "new_history": set((results.results_dir(s) / "history").glob(f"{VARIANT}-*.json")) - history[s.name],
                     "data": json.loads((results.results_dir(s) / f"{VARIANT}.json").read_text())} for s in labs}


def test_each_lab_keeps_its_own_result_and_history(both_verified):
    for name, found in both_verified.items():
        s, data = found["settings"], found["data"]
        assert data["schema"] == results.SCHEMA == 2
        assert data["lab"] == {"name": name, "internet": f"{s.internet_net}.0/24", "lan": f"{s.lan_net}.0/24"}
        subnets = [ipaddress.ip_network(data["lab"][n]) for n in ("internet", "lan")]
        hosts = topology.load(s).hosts
        for p in data["probes"]:
            assert p["client_address"] == hosts[p["client"]].address, p["probe"]
            assert any(ipaddress.ip_address(p["client_address"]) in net for net in subnets), p["probe"]
            assert p["client_address_seen"] in (None, p["client_address"]), p["probe"]
        assert len(found["new_history"]) == 1, found["new_history"]
        (entry,) = found["new_history"]
        assert json.loads(entry.read_text()) == data
    a, b = both_verified.values()
    assert a["data"]["lab"]["internet"] != b["data"]["lab"]["internet"]


def test_each_labs_report_shows_its_own_addresses(both_verified):
    outside = {name: topology.load(f["settings"]).hosts["outside"].address for name, f in both_verified.items()}
    for name, other in zip(outside, reversed(list(outside))):
        out = subprocess.run(["make", "report"], cwd=ROOT, env=clean_env(LAB_NAME=name), text=True,
                             capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
        assert out.returncode == 0, out.stderr
        html = (ROOT / "results" / name / "report.html").read_text()
        assert outside[name] in html and outside[other] not in html, name


def test_a_printed_reproduce_command_acts_on_its_own_lab(both_verified, lab_settings):
    run = results.load(VARIANT, lab_settings)
    probe = next(p for p in run.probes if p.probe == "direct-inbound")
    assert probe.reproduce.startswith(lab_settings.command(".venv/bin/python -m lab probe"))
    out = subprocess.run(probe.reproduce, shell=True, cwd=ROOT, env=clean_env(), text=True,
                         capture_output=True, stdin=subprocess.DEVNULL, timeout=180)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    assert f"{probe.client} ({probe.client_address}) ->" in out.stdout, out.stdout[-2000:]
    assert f"variant {VARIANT} expects {probe.expected}: as expected" in out.stdout
