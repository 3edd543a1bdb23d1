"""`make web`'s pages in Debian's chromium (Selenium, chromedriver), at 1024×768, in English
and Japanese, over two labs whose results are recorded runs: the projector view has every
row on screen and nothing to scroll, its outcomes in ≥ 18 px type, "as expected?" and "meets
the goal?" drawn differently; ← → step through the variants, `m` shows the whole matrix on one
screen; the class page has a row per lab; the predictions page counts both labs' sheets and
hides the answer when asked. Screenshots are kept in tests/artifacts/ - look at them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lab.model import results, sheet
from lab.model.workshop import ORDER
from lab.web.site import Site
from web_server import chromium, serve, tmp_labs, wait_for

RECORDED = Path(__file__).parents[1] / "unit" / "recorded" / "teach"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
FITS = """
const rows = [...document.querySelectorAll('table.rows tbody tr')];
const outcome = [...document.querySelectorAll('td.outcome')].map(td => parseFloat(getComputedStyle(td).fontSize));
const q1 = document.querySelector('td.q1'), q2 = document.querySelector('td.q2');
return {rows: rows.length, bottom: Math.max(...rows.map(r => r.getBoundingClientRect().bottom)),
        innerHeight: innerHeight, innerWidth: innerWidth,
        scrollHeight: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth,
        smallest: Math.min(...outcome), q1bg: getComputedStyle(q1).backgroundColor, q2bg: getComputedStyle(q2).backgroundColor,
        q1head: getComputedStyle(document.querySelector('th.q1')).borderBottomStyle,
        q2head: getComputedStyle(document.querySelector('th.q2')).borderBottomStyle,
        lang: document.documentElement.lang};"""


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    labs = tmp_labs(root, ["ann", "bob"])
    for name, s in labs.items():
        folder = results.results_dir(s)
        folder.mkdir(parents=True)
        for run in RECORDED.glob("*.json"):
            shutil.copy(run, folder / run.name)
    site = Site(root, None, labs)
    addendum = site.variant("method1-addendum")
    for name, guess in (("ann", "rejected"), ("bob", "delivered")):
        path = sheet.path_for(results.results_dir(labs[name]), addendum.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"direct-inbound: {guess}\nauth-lan: relayed\n")
    with serve(site, root) as served, chromium() as driver:
        driver.get(served.url("/", served.tokens.instructor))  # the instructor's cookie, for every page below
        yield served, driver


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"web-{name}.png"))


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("variant", ORDER)
def test_the_projector_shows_every_row_of_a_variant_on_one_screen(web, variant, lang):
    served, driver = web
    driver.get(served.base + f"/projector/ann/{variant}" + ("?lang=ja" if lang == "ja" else ""))
    m = driver.execute_script(FITS)
    assert (m["innerWidth"], m["innerHeight"]) == (1024, 768)
    assert m["rows"] == len(served.site.variant(variant).probes)
    assert m["bottom"] <= m["innerHeight"], m  # every row on screen
    assert m["scrollHeight"] <= m["innerHeight"] and m["scrollWidth"] <= m["innerWidth"], m  # no scrollbar
    assert m["smallest"] >= 18, m
    assert m["q1bg"] != m["q2bg"] and m["q1head"] != m["q2head"], m  # two questions, two looks
    assert m["lang"] == lang
    if variant in ("method1-addendum", "modern"):
        shot(driver, f"projector-{variant}-{lang}")


def test_the_projector_keys_step_through_the_variants_and_show_the_whole_matrix(web):
    served, driver = web
    driver.get(served.base + "/projector/ann/method1")
    body = driver.find_element("tag name", "body")
    body.send_keys("\ue014")  # →
    wait_for(driver, "return location.pathname === '/projector/ann/method1-addendum'")
    driver.find_element("tag name", "body").send_keys("\ue012")  # ←
    wait_for(driver, "return location.pathname === '/projector/ann/method1'")
    driver.find_element("tag name", "body").send_keys("m")
    m = wait_for(driver, """const c = document.getElementById('condensed');
        if (!c.classList.contains('shown')) return null;
        const rows = [...c.querySelectorAll('tbody tr')];
        return {rows: rows.length, bottom: Math.max(...rows.map(r => r.getBoundingClientRect().bottom)),
                right: Math.max(...[...c.querySelectorAll('th, td')].map(e => e.getBoundingClientRect().right)),
                hover: c.querySelector('td.cell.goal-broken').title};""")
    assert m["rows"] == 17 and m["bottom"] <= 768 and m["right"] <= 1024, m
    assert m["hover"].startswith("hostsallow-sendmail · auth-lan: auth-failed"), m  # the full words on hover
    shot(driver, "projector-matrix-en")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_class_page_has_a_row_per_lab(web, lang):
    served, driver = web
    driver.get(served.base + "/class" + ("?lang=ja" if lang == "ja" else ""))
    labs = driver.execute_script("return [...document.querySelectorAll('#labs tbody tr')].map(r => r.dataset.lab)")
    assert sorted(labs) == ["ann", "bob"]
    last = driver.execute_script("return document.querySelector('#labs [data-role=last]').textContent")
    assert ("期待" if lang == "ja" else "expected") in last.lower() or "MISMATCHES" in last
    shot(driver, f"class-{lang}")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_predictions_page_counts_both_labs_and_can_hide_the_answer(web, lang):
    served, driver = web
    suffix = "&lang=ja" if lang == "ja" else ""
    driver.get(served.base + "/class/predictions/method1-addendum?hide=0" + suffix)
    first = driver.execute_script("""const r = document.querySelector('table.split tbody tr');
        return {probe: r.cells[0].textContent, actual: r.querySelector('td.actual').textContent.trim(),
                rows: document.querySelectorAll('table.split tbody tr').length,
                fits: document.documentElement.scrollWidth <= innerWidth};""")
    assert first["probe"] == "direct-inbound" and first["actual"] == "1" and first["fits"], first
    shot(driver, f"predictions-{lang}")
    driver.get(served.base + "/class/predictions/method1-addendum?hide=1" + suffix)
    hidden = driver.execute_script("return document.querySelectorAll('td.actual, td.goal-broken, td.goal-met').length")
    assert hidden == 0
    shot(driver, f"predictions-hidden-{lang}")
