"""The student's page and its API over real HTTP and WebSockets, no Docker: two labs whose
results are recorded runs. What is refused before anything would run in a lab - another
lab's token (403, the WebSocket included), names that name nothing here (404: `../`, a host
of no lab, a probe of no plan), a page of another site (403), a body over 64 KiB, a fragment
over 200 lines - and what reads only the lab's results: the page's five steps, a sheet kept
before the run, a grade explained, a diff. The terminal, try and probe against real labs are
tests/lab/test_web_student_live.py's."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from lab.bootstrap import Machine, decide_browser
from lab.errors import LabError
from lab.model import results, sheet, topology
from lab.model.workshop import ORDER
from lab.views import teach_view
from lab.views.words import plain
from lab.web import student
from lab.web.__main__ import tls
from web_server import serve, with_recorded_runs

RECORDED = Path(__file__).parent / "recorded" / "teach"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("student")
    with serve(with_recorded_runs(root, ["ann", "bob"]), root) as served:
        yield served


def call(web, method, path, lab="ann", token=None, **kw):
    headers = {"Authorization": f"Bearer {token or web.tokens.labs[lab]}", **kw.pop("headers", {})}
    return httpx.request(method, web.base + path, headers=headers, timeout=10, **kw)


def refused(web, path, token=None, headers=None) -> tuple[int, dict]:
    """A WebSocket upgrade refused: its HTTP status and its JSON sentence."""
    url = web.base.replace("http:", "ws:") + path + (f"?token={token}" if token else "")
    with pytest.raises(InvalidStatus) as denied:
        with connect(url, additional_headers=headers or {}, open_timeout=10):
            pass
    answer = denied.value.response
    return answer.status_code, json.loads(answer.body or b"{}")


# --- the page ---------------------------------------------------------------------------------

def test_the_page_has_every_variant_in_the_workshops_order_with_its_five_steps(web):
    page = call(web, "GET", "/lab/ann")
    assert page.status_code == 200
    order = [v for v in ORDER if f'class="variant-pick" data-variant="{v}"' in page.text]
    assert order == [v for v in ORDER if v in web.site.variants()]
    assert [page.text.index(f'class="variant-pick" data-variant="{v}"') for v in order] == sorted(
        page.text.index(f'class="variant-pick" data-variant="{v}"') for v in order)
    for step in ("quiz", "predict", "run", "grade", "diff"):
        assert page.text.count(f'<div class="step" data-step="{step}"') == len(order)
    addendum = page.text.split('<section class="variant" data-variant="method1-addendum"')[1]
    quiz = html.unescape(addendum.split('<pre class="quiz">')[1].split("</pre>")[0])
    s = web.site.labs()["ann"]
    topo = topology.load(s)
    chosen = web.site.variant("method1-addendum")
    assert quiz == plain(teach_view.quiz(chosen.rendered(topo), topo, {"predict": "the form of step 2"}),
                         student.QUIZ_WIDTH)  # make quiz's, at the box's width
    assert chosen.title not in addendum.split('data-step="predict"')[0]  # (a title may give the answer away)
    for part in ("tab-try", "tab-probe", "tab-terminal", "/vendor/xterm.js"):
        assert part in page.text
    assert "'unsafe-inline'" in page.headers["content-security-policy"].split("style-src")[1].split(";")[0]
    assert "script-src" not in page.headers["content-security-policy"]  # scripts: default-src 'self' only
    ja = call(web, "GET", "/lab/ann?lang=ja")
    assert "ワークショップ" in ja.text and "自分の設定を試す" in ja.text and "端末" in ja.text


def test_a_sheet_from_the_predict_step_is_kept_before_any_run_and_graded_with_each_wrong_cell_explained(web):
    answer = call(web, "PUT", "/api/labs/ann/sheets/modern?grade=0", content=json.dumps({"auth-lan": "relayed"}),
                  headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json()["predicted"]["auth-lan"] == "relayed"
    kept = sheet.path_for(results.results_dir(web.site.labs()["ann"]), "modern")
    assert kept.read_text().startswith("auth-lan: relayed")
    form = call(web, "GET", "/lab/ann").text.split('<form class="predict" data-variant="modern">')[1].split("</form>")[0]
    chosen = re.search(r'<select name="auth-lan">.*?</select>', form, re.S)[0]
    assert re.findall(r'value="(\w[\w-]*)"[^>]* selected', chosen) == ["relayed"]  # the form shows the sheet kept
    run = json.loads((RECORDED / "method1-addendum.json").read_text())
    guess = {p["probe"]: p["actual"] for p in run["probes"]} | {"direct-inbound": "rejected"}
    graded = call(web, "PUT", "/api/labs/ann/sheets/method1-addendum", content=json.dumps(guess),
                  headers={"Content-Type": "application/json"}).json()
    assert graded["wrong"] == ["direct-inbound"] and graded["score"] == graded["total"] - 1
    assert "✗ direct-inbound: you predicted rejected, it was delivered" in graded["text"]
    assert "decided by:" in graded["text"] and "lesson:" in graded["text"]


def test_a_diff_is_make_diffs_and_needs_both_runs(web):
    answer = call(web, "GET", "/api/labs/ann/diff/method1/method1-addendum")
    assert answer.status_code == 200
    d = answer.json()
    assert any(c["probe"] == "direct-inbound" and c["after"] == "delivered" for c in d["changes"])
    assert "permit_auth_destination" in d["text"] and "diff method1 → method1-addendum" in d["text"]
    missing = call(web, "GET", "/api/labs/ann/diff/method1/modern")
    assert missing.status_code == 409 and "no run of modern" in missing.json()["error"]


# --- isolation: another lab, names, another site, sizes ---------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/lab/bob"), ("POST", "/api/labs/bob/try"), ("POST", "/api/labs/bob/probe"),
    ("GET", "/api/labs/bob/diff/method1/method1-addendum"), ("PUT", "/api/labs/bob/sheets/method1?grade=0"),
    ("POST", "/api/class/verify/method1")])
def test_a_labs_token_reaches_nothing_of_another_lab_nor_the_class(web, method, path):
    answer = call(web, method, path, content=b"{}")
    assert answer.status_code == 403, answer.text


def test_a_terminal_is_refused_before_anything_runs(web):
    ann, bob = web.tokens.labs["ann"], web.tokens.labs["bob"]
    assert refused(web, "/api/labs/ann/terminal/outside")[0] == 401
    assert refused(web, "/api/labs/ann/terminal/outside", "x" * 32)[0] == 401
    code, said = refused(web, "/api/labs/bob/terminal/outside", ann)
    assert code == 403 and "not for this one" in said["error"]
    for host in ("..%2F..%2Fetc%2Fpasswd", "nohost", "%2Fetc%2Fpasswd", "bob_outside_1", "..", "ann-outside"):
        code, said = refused(web, f"/api/labs/ann/terminal/{host}", ann)
        assert code == 404 and said["error"], host
    assert refused(web, "/api/labs/nobody/terminal/outside", web.tokens.instructor)[0] == 404
    code, said = refused(web, "/api/labs/bob/terminal/outside", bob, {"Origin": "http://evil.example"})
    assert code == 403 and "another site" in said["error"]
    code, said = refused(web, "/api/labs/bob/terminal/outside", None, {"Cookie": f"smtplab_token={bob}"})
    assert code == 403 and "Origin" in said["error"]  # a browser's cookie alone, no Origin: not from our page


@pytest.mark.parametrize("body, words", [
    ({"client": "outside", "probe": "no-such-probe"}, "no probe 'no-such-probe'"),
    ({"client": "../../etc/passwd", "probe": "direct-inbound"}, "no host '../../etc/passwd'"),
    ({"client": "dns", "probe": "direct-inbound"}, "not a client host"),
    ({"client": "outside", "from": "a@b.example", "to": "c@d.example", "auth": "root"}, "no user 'root'"),
    ({"client": "outside", "probe": "direct-inbound", "server": "/bin/sh"}, "no server under test '/bin/sh'"),
])
def test_a_probe_naming_nothing_of_the_lab_is_404(web, body, words):
    answer = call(web, "POST", "/api/labs/ann/probe", json=body)
    assert answer.status_code == 404 and words in answer.json()["error"], answer.text


@pytest.mark.parametrize("body, code, words", [
    ({"client": "outside"}, 400, "'from' is missing"),
    ({"client": "outside", "from": "not an address", "to": "c@d.example"}, 400, "is not a mail address"),
    ("[1, 2]", 400, "a JSON object"),
    ("{not json", 400, "not JSON"),
])
def test_a_bad_probe_is_400_in_one_sentence(web, body, code, words):
    answer = call(web, "POST", "/api/labs/ann/probe", content=body if isinstance(body, str) else json.dumps(body))
    assert answer.status_code == code and words in answer.json()["error"], answer.text


@pytest.mark.parametrize("query, body, code, words", [
    ("", "myhostname = x\n" * 201, 413, "201 lines: at most 200"),
    ("", "# " + "x" * 70_000, 413, "over 64 KiB"),
    ("", "  \n", 400, "the fragment is empty"),
    ("", "this is not main.cf\n", 400, "fragment.cf"),
    ("?server=../../etc", "mynetworks = 127.0.0.0/8\n", 404, "no server under test '../../etc'"),
    ("?server=relay", "mynetworks = 127.0.0.0/8\n", 404, "no server under test 'relay'"),
])
def test_a_fragment_that_cannot_be_tried_is_a_4xx_before_anything_runs(web, query, body, code, words):
    answer = call(web, "POST", f"/api/labs/ann/try{query}", content=body.encode())
    assert answer.status_code == code and words in answer.json()["error"], answer.text


def test_a_try_or_probe_from_another_sites_page_is_refused(web):
    for path in ("/api/labs/ann/try", "/api/labs/ann/probe"):
        answer = call(web, "POST", path, content=b"{}", headers={"Origin": "http://evil.example"})
        assert answer.status_code == 403 and "another site" in answer.json()["error"]


def test_a_lab_busy_with_a_run_takes_no_try_nor_probe(web):
    web.app.state.runner.busy["bob"] = "method1"
    try:
        for path, body in (("/api/labs/bob/try", b"mynetworks = 127.0.0.0/8\n"),
                           ("/api/labs/bob/probe", b'{"client": "outside", "probe": "direct-inbound"}')):
            answer = call(web, "POST", path, "bob", content=body)
            assert answer.status_code == 409 and "running method1 already" in answer.json()["error"]
    finally:
        web.app.state.runner.busy.pop("bob")


@pytest.mark.parametrize("name", ["..%2F..%2Fpackage.json", "lodash.js", "%2Fetc%2Fpasswd", "xterm"])
def test_the_vendor_route_serves_its_named_files_and_nothing_else(web, name):
    """(xterm.js itself is served to the page in the browser tests: npm ci is make test's.)"""
    assert call(web, "GET", f"/vendor/{name}").status_code == 404
    assert httpx.get(f"{web.base}/vendor/xterm.js", timeout=10).status_code == 401


# --- the machine: npm for the terminal, TLS -----------------------------------------------------

def test_npm_is_in_the_browser_plan_when_it_is_missing():
    plan = decide_browser(Machine(commands=frozenset({"apt-get"}), os_ids=("debian",), root=True, npm=False))
    assert "npm" in plan.steps[-1].argv and "xterm.js" in plan.say


def test_tls_needs_both_files(tmp_path):
    assert tls({}) is None
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("y")
    assert tls({"WEB_CERT": str(cert), "WEB_KEY": str(key)}) == (str(cert), str(key))
    with pytest.raises(LabError, match="go together"):
        tls({"WEB_CERT": str(cert)})
    with pytest.raises(LabError, match="WEB_KEY=.*no such file"):
        tls({"WEB_CERT": str(cert), "WEB_KEY": str(tmp_path / "none.pem")})
