"""`make web` over real HTTP, no Docker: two labs whose results live in a tmp folder (recorded
runs), the real application served by uvicorn. Tokens (401, 403, the cookie), names from
requests (404), bad input (4xx with one sentence), sheets graded as `make grade` grades them,
the class's predictions counted from both labs' sheets, the live journal read as it grows."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import httpx
import pytest

from lab.model import live, results, sheet
from lab.web import tokens
from web_server import serve, with_recorded_runs

RECORDED = Path(__file__).parent / "recorded" / "teach"
LABS = ["ann", "bob"]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    with serve(with_recorded_runs(root, LABS), root) as served:
        yield served


def get(web, path, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(web.base + path, headers=headers, follow_redirects=False, timeout=10, **kw)


def one_sentence(answer) -> str:
    """The error's one sentence (JSON under /api/, the page's paragraph otherwise)."""
    if not answer.request.url.path.startswith("/api/"):
        said = re.search(r"<p>(.*)</p>", answer.text, re.S)[1]
    else:
        said = answer.json()["error"]
    assert "\n" not in said and "Traceback" not in said and said
    return said


# --- tokens --------------------------------------------------------------------------------

def test_tokens_are_long_random_kept_private_and_survive_a_restart(tmp_path):
    first = tokens.ensure(tmp_path, ["ann"])
    path = tmp_path / "results" / "web" / "tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.instructor) >= 22 and first.instructor != first.labs["ann"]  # 24 bytes: 32 characters
    again = tokens.ensure(tmp_path, ["ann", "bob"])
    assert again.instructor == first.instructor and again.labs["ann"] == first.labs["ann"] and "bob" in again.labs
    rotated = tokens.ensure(tmp_path, ["ann"], rotate=True)
    assert rotated.instructor != first.instructor and rotated.labs["ann"] != first.labs["ann"]
    assert rotated.who(first.labs["ann"]) is None and rotated.who(rotated.labs["ann"]).lab == "ann"


@pytest.mark.parametrize("path", ["/lab/ann", "/api/labs/ann", "/api/labs/ann/runs/method1", "/class",
                                  "/api/class/predictions/method1", "/projector/ann/method1", "/static/web.js"])
def test_no_token_or_a_wrong_one_is_401(web, path):
    assert get(web, path).status_code == 401
    wrong = get(web, path, "x" * 32)
    assert wrong.status_code == 401
    if path.startswith("/api/"):
        assert "token" in one_sentence(wrong)


@pytest.mark.parametrize("path", ["/lab/bob", "/api/labs/bob", "/api/labs/bob/runs/method1", "/projector/bob/method1",
                                  "/api/labs/bob/events", "/class", "/api/class", "/api/class/predictions/method1",
                                  "/class/predictions/method1"])
def test_a_labs_token_reaches_that_lab_only(web, path):
    assert get(web, path, web.tokens.labs["ann"]).status_code == 403
    if "bob" in path and "events" not in path:  # (an event stream never ends: its 200 is the lab tests')
        assert get(web, path, web.tokens.labs["bob"]).status_code == 200
        assert get(web, path, web.tokens.instructor).status_code == 200


def test_a_token_in_the_address_becomes_a_cookie_and_leaves_the_address(web):
    first = get(web, f"/lab/ann?lang=ja&token={web.tokens.labs['ann']}")
    assert first.status_code == 303 and first.headers["location"] == "/lab/ann?lang=ja"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("samesite", "SameSite")
    page = httpx.get(web.base + "/lab/ann?lang=ja", cookies=first.cookies, timeout=10)
    assert page.status_code == 200 and "ラボ ann" in page.text and web.tokens.labs["ann"] not in page.text


def test_a_state_changing_request_from_another_sites_page_is_refused(web):
    answer = httpx.post(web.base + "/api/labs/ann/verify/method1", timeout=10,
                        headers={"Authorization": f"Bearer {web.tokens.labs['ann']}", "Origin": "http://evil.example"})
    assert answer.status_code == 403 and "another site" in one_sentence(answer)


# --- names from requests ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/labs/nobody", "/api/labs/ann/runs/no-such-variant", "/api/labs/ann/runs/..%2F..%2Fetc%2Fpasswd",
                                  "/projector/ann/..%2Fmethod1", "/api/labs/ann/runs/modern", "/api/class/predictions/%2Fetc"])
def test_unknown_names_are_404_in_one_sentence(web, path):
    answer = get(web, path, web.tokens.instructor)
    assert answer.status_code == 404, answer.text
    assert one_sentence(answer)


def test_a_run_is_its_json_document(web):
    answer = get(web, "/api/labs/ann/runs/method1", web.tokens.labs["ann"])
    assert answer.json() == json.loads((RECORDED / "method1.json").read_text())


# --- sheets and predictions ------------------------------------------------------------------

def put_sheet(web, lab, variant, body, json_body=False, token=None):
    headers = {"Authorization": f"Bearer {token or web.tokens.labs[lab]}",
               "Content-Type": "application/json" if json_body else "text/yaml"}
    return httpx.put(f"{web.base}/api/labs/{lab}/sheets/{variant}", content=body, headers=headers, timeout=10)


def test_a_sheet_is_graded_as_make_grade_grades_it_and_kept_where_predict_puts_it(web):
    run = json.loads((RECORDED / "method1.json").read_text())
    actual = {p["probe"]: p["actual"] for p in run["probes"]}
    answers = dict(actual, **{"direct-inbound": "delivered"})  # one wrong
    answer = put_sheet(web, "ann", "method1", json.dumps(answers), json_body=True)
    assert answer.status_code == 200, answer.text
    graded = answer.json()
    assert (graded["score"], graded["total"], graded["wrong"]) == (len(actual) - 1, len(actual), ["direct-inbound"])
    kept = web.site.labs()["ann"].root / "results" / "ann" / "sheets"
    assert json.loads((kept / "method1.grade.json").read_text())["score"] == len(actual) - 1
    assert "direct-inbound: delivered" in (kept / "method1.yaml").read_text()


@pytest.mark.parametrize("body, code, words", [
    ("direct-inbound: [a, b]\n", 400, "one outcome word"),
    ("nonsense-probe: rejected\n", 400, "unknown probe 'nonsense-probe'"),
    ("direct-inbound: bounced\n", 400, "unknown outcome 'bounced'"),
    ("direct-inbound: rejected\n  bad: [\n", 400, "not valid YAML"),
    ("x: " + "y" * 70_000, 413, "over 64 KiB"),
])
def test_a_bad_sheet_gets_a_4xx_and_one_sentence(web, body, code, words):
    answer = put_sheet(web, "ann", "method1", body)
    assert answer.status_code == code and words in one_sentence(answer)


def test_a_sheet_for_a_variant_never_run_is_409(web):
    answer = put_sheet(web, "ann", "modern", "auth-lan: relayed\n")
    assert answer.status_code == 409 and "no run of modern" in one_sentence(answer)


def test_the_class_predictions_count_every_labs_sheet(web):
    s = web.site.variant("method1-addendum")
    # ann's through the page's API, bob's written as `make predict` leaves it and filled in by hand
    assert put_sheet(web, "ann", "method1-addendum", json.dumps({"direct-inbound": "rejected", "auth-lan": "relayed"}),
                     json_body=True).status_code == 200
    bob = sheet.path_for(results.results_dir(web.site.labs()["bob"]), s.id)
    bob.parent.mkdir(parents=True, exist_ok=True)
    bob.write_text(sheet.text(s, "q", "g", {}) .replace("direct-inbound:", "direct-inbound: delivered"))
    split = get(web, "/api/class/predictions/method1-addendum", web.tokens.instructor).json()
    assert split["students"] == 2
    assert split["probes"]["direct-inbound"] == {"rejected": 1, "delivered": 1}
    assert split["probes"]["auth-lan"] == {"relayed": 1}
    assert split["actual"]["direct-inbound"] == "delivered" and split["goal_met"]["direct-inbound"] is False
    assert split["right"]["direct-inbound"] == 0.5 and split["order"][0] == "direct-inbound"
    page = get(web, "/class/predictions/method1-addendum?hide=1", web.tokens.instructor)
    assert page.status_code == 200 and "delivered</td>" not in re.sub(r"<th.*?</th>", "", page.text)


# --- runs: one at a time per lab -------------------------------------------------------------

def test_a_lab_busy_with_a_run_is_409_in_one_sentence(web):
    web.app.state.runner.busy["bob"] = "method1"
    try:
        answer = httpx.post(web.base + "/api/labs/bob/verify/method1-addendum", timeout=10,
                            headers={"Authorization": f"Bearer {web.tokens.labs['bob']}"})
        assert answer.status_code == 409 and "running method1 already" in one_sentence(answer)
    finally:
        web.app.state.runner.busy.pop("bob")


# --- the live journal ------------------------------------------------------------------------

def test_a_follower_reads_whole_lines_only_and_follows_a_journal_started_afresh(tmp_path):
    journal = live.path(tmp_path)
    follower = live.Follower(journal)
    assert follower.new() == []
    live.append(journal, live.Event(live.EventKind.DONE, "method1", ok=True, goal=True))
    with open(journal, "a") as f:
        f.write('{"kind": "done", "variant": "met')  # a line still being written
    first = follower.new()
    assert [(e.kind, e.variant, e.ok) for e in first] == [(live.EventKind.DONE, "method1", True)]
    with open(journal, "a") as f:
        f.write('hod2", "at": 1.0}\n')
    assert [e.variant for e in follower.new()] == ["method2"]
    os.replace(journal, journal.with_suffix(".1.jsonl"))
    live.append(journal, live.Event(live.EventKind.FAILED, "modern", why="no"))
    assert [(e.variant, e.why) for e in follower.new()] == [("modern", "no")]
