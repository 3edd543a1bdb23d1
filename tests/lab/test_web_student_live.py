"""The student's page against a class of two real labs, over real HTTP and WebSockets: each
lab's token reaches its own lab's API and terminals and gets 403 on the other's (and on the
class's routes); a terminal on `outside` is a shell in that lab's own `outside`; Ctrl-C,
Ctrl-D and a resize work, closing the socket ends every process of the shell, a fifth
terminal is 429; a probe by hand; and in Debian's chromium at 1024×768: predict → run → grade,
a `try` that meets the goal and one that Postfix refuses, a shell in the page."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosedOK, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from lab import waiting
from lab.actions import classroom
from lab.model import results, settings, topology
from lab.model.outcomes import WORDS
from lab.runtime import classes, hostexec, lifecycle
from lab.web import vendor
from lab.web.site import Site
from lab.web.terminal import PER_LAB
from web_server import chromium, serve, wait_for

CLASS = f"w{uuid.uuid4().hex[:6]}"
NAMES = [f"{CLASS}-ann", f"{CLASS}-bob"]
GOOD = ("mynetworks = 127.0.0.0/8, {{relay}}\n"  # the workshop guide's fragment: it meets the goal
        "smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination\n"
        "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject\n")
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
REFUSED = "inet_interfaces = 203.0.113.7\n"  # an address no interface of the server has: Postfix will not serve


@pytest.fixture(scope="module")
def web(docker_engine, tmp_path_factory):
    if not all((settings.ROOT / "node_modules" / path).is_file() for path in vendor.FILES.values()):
        pytest.fail("the terminal's xterm.js is not installed: make test runs npm ci (or run it by hand)", pytrace=False)
    up = classroom.up(CLASS, NAMES, say=lambda *_: None)
    try:
        assert up.ok, up.to_dict()
        with serve(Site(settings.ROOT, CLASS), tmp_path_factory.mktemp("tokens")) as served:
            yield served
    finally:
        classroom.down(CLASS)
        for name in NAMES:  # whatever happened above: nothing of ours stays
            lifecycle.down(settings.load({"LAB_NAME": name}))
            shutil.rmtree(settings.ROOT / "results" / name, ignore_errors=True)
        classes.roster_path(CLASS).unlink(missing_ok=True)


def shell(web, lab: str, host: str, token: str | None = None) -> ClientConnection:
    url = f"{web.base.replace('http:', 'ws:')}/api/labs/{lab}/terminal/{host}?token={token or web.tokens.labs[lab]}"
    return connect(url, open_timeout=30)


def read(ws: ClientConnection, until: str, seconds: float = 15) -> str:
    """What the terminal printed, up to `until` (an AssertionError with what it printed otherwise)."""
    got, end = "", time.monotonic() + seconds
    while until not in got:
        assert time.monotonic() < end, f"no {until!r} from the terminal in {seconds} s: {got[-300:]!r}"
        try:
            got += ws.recv(timeout=1)
        except TimeoutError:
            pass
    return got


def refused(web, lab: str, host: str, token: str) -> int:
    with pytest.raises(InvalidStatus) as denied:
        shell(web, lab, host, token).close()
    return denied.value.response.status_code


def test_each_labs_token_reaches_its_own_lab_and_terminals_and_nothing_else(web):
    for mine, other in (NAMES, NAMES[::-1]):
        token = web.tokens.labs[mine]
        bearer = {"Authorization": f"Bearer {token}"}
        state = httpx.get(f"{web.base}/api/labs/{mine}", headers=bearer, timeout=60)
        assert state.status_code == 200 and set(state.json()["health"].values()) == {"healthy"}, state.text
        assert httpx.get(f"{web.base}/api/labs/{other}", headers=bearer, timeout=10).status_code == 403
        assert refused(web, other, "outside", token) == 403
        for path in ("/api/class/verify/method1", f"/api/labs/{other}/verify/method1", f"/api/labs/{other}/try"):
            assert httpx.post(web.base + path, headers=bearer, content=b"x", timeout=10).status_code == 403, path
        for host in ("..%2F..%2Fetc%2Fpasswd", "no-such-host", f"{other}_outside_1"):
            assert refused(web, mine, host, token) == 404, host
        outside = topology.load(web.site.lab(mine)).hosts["outside"]
        with shell(web, mine, "outside") as ws:
            ws.send("echo host=$(hostname) address=$(hostname -i)\n")
            said = read(ws, f"address={outside.address}")
        assert "host=outside" in said, said


def test_a_terminal_takes_ctrl_c_ctrl_d_and_a_resize_and_closing_it_ends_its_processes(web):
    lab = NAMES[0]
    s = web.site.lab(lab)
    running = "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done 2>/dev/null | grep -c '^sleep 4[34]4[34]' || true"
    with shell(web, lab, "outside") as ws:
        read(ws, "# ")
        ws.send(json.dumps({"resize": [101, 33]}))
        ws.send("stty size\n")
        read(ws, "33 101")
        ws.send("sleep 4242; echo status=$((40+2))\n")
        sleeping = "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done 2>/dev/null | grep -c '^sleep 4242' || true"
        waiting.until(lambda: hostexec.run(s, "outside", sleeping).output.strip() == "1", 10, "the sleep to run")
        ws.send("\x03")  # Ctrl-C: the sleep stops, the echo never runs, the prompt comes back
        assert "status=42\r\n" not in read(ws, "^C")
        ws.send("sleep 4343 & sleep 4444\n")
        waiting.until(lambda: hostexec.run(s, "outside", running).output.strip() == "2", 10, "both sleeps running")
    # the page went (the socket closed): the shell and everything it started are ended
    waiting.until(lambda: hostexec.run(s, "outside", running).output.strip() == "0", 15,
                  "the closed terminal's processes gone")
    with shell(web, lab, "inside") as ws:
        read(ws, "# ")
        ws.send("\x04")  # Ctrl-D: the shell exits, the socket closes normally
        with pytest.raises(ConnectionClosedOK):
            while True:
                ws.recv(timeout=10)
    waiting.until(lambda: not web.app.state.terminals.open.get(lab), 15, "the closed terminals' slots given back")
    with ExitStack() as opened:
        for _ in range(PER_LAB):
            opened.enter_context(shell(web, lab, "relay"))
        assert refused(web, lab, "relay", web.tokens.labs[lab]) == 429
        with shell(web, NAMES[1], "relay"):  # another lab's own four are its own
            pass


def test_a_probe_by_hand_gives_its_dialogue_and_outcome(web):
    lab = NAMES[1]
    bearer = {"Authorization": f"Bearer {web.tokens.labs[lab]}"}
    answer = httpx.post(f"{web.base}/api/labs/{lab}/probe", headers=bearer, timeout=120,
                        json={"client": "outside", "probe": "direct-inbound"})
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["lines"][0].startswith("direct-inbound from outside (") and done["row"]["actual"] in WORDS
    assert done["row"]["transcript"] and done["row"]["transcript"][0]["code"] == 220  # the server's greeting
    own = httpx.post(f"{web.base}/api/labs/{lab}/probe", headers=bearer, timeout=120,
                     json={"client": "inside", "from": "me@inside.lab.example", "to": "you@mx.remote.example",
                           "auth": "alice", "trace": True}).json()
    assert "MAIL FROM:<me@inside.lab.example>" in own["row"]["what"] and own["lines"][-1].startswith("not graded")
    assert any(step.get("command", "").startswith("MAIL FROM:<me@inside.lab.example>") for step in own["row"]["transcript"])


@pytest.mark.browser
def test_a_student_predicts_runs_grades_and_tries_their_own_in_the_page(web):
    lab = NAMES[0]
    s = web.site.lab(lab)
    with chromium() as driver:
        ARTIFACTS.mkdir(exist_ok=True)
        driver.get(web.url(f"/lab/{lab}", web.tokens.labs[lab]))
        driver.get(f"{web.base}/lab/{lab}#workshop:method1:predict")
        wait_for(driver, "return window.eventSource && window.eventSource.readyState === 1")
        form = 'form.predict[data-variant="method1"]'
        count = driver.execute_script(f"""
            const selects = [...document.querySelectorAll('{form} select')];
            selects.forEach(s => {{ s.value = 'rejected'; }});
            document.querySelector('{form} button.save').click();
            return selects.length;""")
        wait_for(driver, "return location.hash === '#workshop:method1:run'")  # saved: on to the run
        kept = (results.results_dir(s) / "sheets" / "method1.yaml").read_text()
        assert kept.count(": rejected") == count
        driver.execute_script("document.querySelector('button.run[data-variant=\"method1\"]').click()")
        wait_for(driver, """const goal = document.querySelector('.runrows ~ .run-goal[data-variant="method1"]');
                            return goal && /goal-(met|broken)/.test(goal.className)""", 120)
        run = results.load("method1", s)
        shown = driver.execute_script("""return Object.fromEntries([...document.querySelectorAll(
            '.runrows td.cell[data-variant="method1"]')].map(c => [c.dataset.probe, c.textContent.trim()]))""")
        assert {p: text.split()[1] for p, text in shown.items()} == {p.probe: str(p.actual) for p in run.probes}
        driver.execute_script("location.hash = '#workshop:method1:grade'; document.querySelector('button.grade-it[data-variant=\"method1\"]').click()")
        right = sum(1 for p in run.probes if str(p.actual) == "rejected")
        score = wait_for(driver, """const s = document.querySelector('.score[data-variant="method1"]').textContent;
                                    return /^\\d+\\/\\d+$/.test(s) && s""")
        assert score == f"{right}/{len(run.probes)}"
        explained = driver.execute_script("return document.querySelector('div[data-step=\"grade\"]:not([hidden]) pre.explained').textContent")
        assert all(f"✗ {p.probe}: you predicted rejected, it was {p.actual}" in explained
                   for p in run.probes if str(p.actual) != "rejected")
        driver.save_screenshot(str(ARTIFACTS / "web-student-grade.png"))

        driver.execute_script("location.hash = '#try'")
        for fragment, verdict in ((GOOD, "✓ goal met"), (REFUSED, "✗ the server refused it")):
            driver.execute_script("const f = document.getElementById('try'); f.fragment.value = arguments[0];"
                                  "document.getElementById('try-verdict').textContent = '';"
                                  "f.querySelector('button[type=submit]').click();", fragment)
            said = wait_for(driver, "return document.getElementById('try-verdict').textContent"
                                    " || document.querySelector('#try .said.bad')?.textContent", 120)
            assert said.startswith(verdict), said  # a refused request (e.g. 409) says itself here
            out = driver.execute_script("return document.getElementById('try-out').textContent")
            if fragment == REFUSED:
                assert "inet_interfaces" in out and "Postfix does not serve this configuration" in out, out
            else:
                assert "your configuration: goal met" in out, out
                assert results.read(results.results_dir(s) / "tries" / "try-fragment.json").goal.met
            driver.save_screenshot(str(ARTIFACTS / f"web-student-try-{'good' if fragment == GOOD else 'refused'}.png"))

        driver.execute_script("location.hash = '#terminal'; document.querySelector('button.open-shell[data-host=\"postfix\"]').click()")
        wait_for(driver, "return window.terminalSocket && window.terminalSocket.readyState === 1")
        driver.execute_script("window.terminalSocket.send('postconf -h myhostname\\n')")
        fqdn = topology.load(s).hosts["postfix"].fqdn
        wait_for(driver, f"""const b = window.terminal.buffer.active; const lines = [];
                             for (let i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
                             return lines.includes('{fqdn}')""")
        driver.save_screenshot(str(ARTIFACTS / "web-student-terminal.png"))
