"""`make web` against a real lab: a run started through the API is sent as events while it
goes (and a second one meanwhile is 409); a run started from the command line, in another
process, fills the lab's page in a real browser as its probes finish. The probe-end-to-cell
times the page saw are kept in tests/artifacts/web-latency.json (measured, not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from lab.model import live, results
from lab.web.site import Site
from web_server import chromium, serve, wait_for

ARTIFACTS = Path(__file__).parents[1] / "artifacts"


@pytest.fixture(scope="module")
def web(running_lab, tmp_path_factory):
    s = running_lab.settings
    with serve(Site(s.root, None, {s.name: s}), tmp_path_factory.mktemp("tokens")) as served:
        yield served


def events(lines, until: str) -> list[tuple[str, dict]]:
    """SSE events (kind, data) read until one of kind `until`."""
    found, kind = [], None
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            found.append((kind, json.loads(line[6:])))
            if kind == until:
                return found
    raise AssertionError(f"the stream ended before a {until} event: {found}")


def test_a_run_started_through_the_api_comes_as_events_and_a_second_is_409(web, running_lab):
    lab = running_lab.settings.name
    bearer = {"Authorization": f"Bearer {web.tokens.labs[lab]}"}
    state = httpx.get(f"{web.base}/api/labs/{lab}", headers=bearer, timeout=60).json()
    assert state["name"] == lab and set(state["health"].values()) == {"healthy"}, state
    with httpx.stream("GET", f"{web.base}/api/labs/{lab}/events", headers=bearer,
                      timeout=httpx.Timeout(10, read=120)) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith(":")  # following: the run below cannot be missed
        started = httpx.post(f"{web.base}/api/labs/{lab}/verify/method1", headers=bearer, timeout=10)
        assert started.status_code == 202, started.text
        again = httpx.post(f"{web.base}/api/labs/{lab}/verify/method1-addendum", headers=bearer, timeout=10)
        assert again.status_code == 409 and "running method1 already" in again.json()["error"]
        got = events(lines, until="done")
    probes = [d for kind, d in got if kind == "probe"]
    run = results.load("method1", running_lab.settings)
    assert sorted(d["probe"] for d in probes) == sorted(p.probe for p in run.probes)
    for d in probes:
        assert {"variant", "probe", "expected", "actual", "goal_met"} <= set(d) and d["variant"] == "method1"
        assert d["actual"] == str(next(p.actual for p in run.probes if p.probe == d["probe"]))
    done = got[-1][1]
    assert (done["variant"], done["ok"], done["goal_met"]) == ("method1", run.ok, run.goal.met)
    recorded = httpx.get(f"{web.base}/api/labs/{lab}/runs/method1", headers=bearer, timeout=10).json()
    assert recorded == json.loads((results.results_dir(running_lab.settings) / "method1.json").read_text())


@pytest.mark.browser
def test_a_run_started_from_the_command_line_fills_the_open_page_as_it_goes(web, running_lab):
    s = running_lab.settings
    with chromium() as driver:
        driver.get(web.url(f"/lab/{s.name}", web.tokens.labs[s.name]))
        wait_for(driver, "return window.eventSource && window.eventSource.readyState === 1")
        journal = live.Follower(live.path(results.results_dir(s)))
        journal.new()  # from now on
        env = {**os.environ, "LAB_NAME": s.name}
        cli = subprocess.run([sys.executable, "-m", "lab", "verify", "method1-addendum"], env=env, capture_output=True,
                             text=True, timeout=180, cwd=s.root)
        assert cli.returncode == 0, cli.stdout[-2000:] + cli.stderr[-2000:]
        done = [e for e in journal.new() if e.kind == live.EventKind.DONE and e.variant == "method1-addendum"]
        assert done, "the command line's run wrote no done event"
        run = results.load("method1-addendum", s)
        placed = wait_for(driver, f"""
            const cells = [...document.querySelectorAll('#matrix td.cell[data-variant="method1-addendum"]')];
            return cells.length === {len(run.probes)} && cells.every(c => c.dataset.live)
                && cells.map(c => [c.dataset.probe, c.textContent.trim(), Number(c.dataset.live)]);""")
        latency = driver.execute_script("return window.cellLatency")
    by_probe = {p.probe: p for p in run.probes}
    for probe, text, _ in placed:
        assert text.split()[1] == str(by_probe[probe].actual), (probe, text)
    # live: cells were on the page before the run ended (the journal's done), not only after it
    assert any(at < done[0].at * 1000 for _, _, at in placed), (placed, done[0].at)
    assert len(latency) >= len(run.probes)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "web-latency.json").write_text(json.dumps(
        {"ms": latency, "median": sorted(latency)[len(latency) // 2], "max": max(latency)}, indent=1))
    print(f"probe end -> cell on the page: median {sorted(latency)[len(latency) // 2]:.0f} ms, max {max(latency):.0f} ms")
