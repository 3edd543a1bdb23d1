"""Every variant, run for real against the lab: the table matches its expectations, a
second run gives the same table, and switching variants leaks nothing.

The tests of this module share state on purpose: RUNS keeps every run of this session, so a
later test compares with an earlier one's table when it ran (and runs it itself when not:
any order, any subset works)."""

import pytest

from lab.model import scenario
from lab import servers
from lab.model import settings
from lab.model import topology
from lab.verify import variant as verify

TOPO = topology.load(settings.load({}))  # the plan's shape (hosts, servers), for collection
RUNNABLE = [v for v in scenario.ids() if scenario.find(v, TOPO).server in TOPO.under_test]
RUNS: dict[str, list] = {}  # variant -> its runs in this session, oldest first


def outcomes(run):
    return [(p.probe, p.actual, p.code, p.stage, p.rule) for p in run.probes]


def run_variant(lab_settings, variant):
    run = verify.run_variant(variant, lab_settings)
    RUNS.setdefault(variant, []).append(run)
    return run


@pytest.mark.parametrize("variant", RUNNABLE)
def test_variant_matches_its_expectations(running_lab, lab_settings, variant):
    run = run_variant(lab_settings, variant)
    mismatches = [(p.probe, p.expected, p.actual, p.code, p.rule, p.fate) for p in run.probes if not p.ok]
    assert not mismatches
    for p in run.probes:  # no NAT, no proxy: the server saw the client's own address
        assert p.client_address_seen == p.client_address, p.probe
    assert servers.active(lab_settings, topology.load(lab_settings), {run.server}) == (variant, run.server)
    if run.server == "postfix":  # "maillog says" is a server's delivery claim, never the lab's own notes
        assert all(p.claim is None for p in run.probes)


def test_the_same_variant_twice_gives_the_same_table(running_lab, lab_settings):
    first = RUNS.get("method1", [None])[-1] or run_variant(lab_settings, "method1")
    again = run_variant(lab_settings, "method1")
    assert outcomes(again) == outcomes(first)


def test_nothing_leaks_from_one_variant_into_the_next(running_lab, lab_settings):
    before = RUNS.get("method1", [None])[-1] or run_variant(lab_settings, "method1")
    addendum = run_variant(lab_settings, "method1-addendum")
    assert outcomes(addendum) != outcomes(before)  # the detour really changed something
    after = run_variant(lab_settings, "method1")
    assert outcomes(after) == outcomes(before)
