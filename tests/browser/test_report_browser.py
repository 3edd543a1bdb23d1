"""The report on a 1024-pixel projector, in a real browser (chromium, headless): the page -
the all-variants matrix included - is no wider than the window, a cell whose probe breaks
the note's goal is styled as broken (and one that meets it as met), every probe of the
matrix is on screen, the legend is there; in English and in Japanese (LAB_LANG=ja). The
assertions read what the browser rendered: a script added to a copy of the page writes the
measurements into the DOM, which chromium dumps. A screenshot of each is kept in
tests/artifacts/ (gitignored) - look at it."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lab.maillogs import nmap
from lab.model import scenario, settings, topology
from lab.model.audit import judge
from lab.verify import audit as audits
from lab.model.results import RunResult
from lab.views import report

RECORDED = Path(__file__).parents[1] / "unit" / "recorded" / "teach"
NMAP = RECORDED.parent / "nmap"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
WIDTH = 1024
BROKEN_BG = "rgb(198, 40, 40)"  # .goal-broken in the report's stylesheet
MEASURE = """<script>
const px = (el) => el.getBoundingClientRect();
const matrix = document.querySelector('table.matrix');
const variants = [...matrix.querySelectorAll('th.v')].map(th => th.textContent.trim());
const rows = [...matrix.querySelectorAll('tr')].filter(r => r.querySelector('th[scope=row]'));
const cell = (probe, variant) => rows.find(r => r.querySelector('th').textContent.trim() === probe)
  .querySelectorAll('td')[variants.indexOf(variant)];
const style = (el) => { const s = getComputedStyle(el); return {bg: s.backgroundColor, color: s.color,
  weight: s.fontWeight, outline: s.outlineStyle, text: el.textContent.trim()}; };
const clientWidth = document.documentElement.clientWidth;
const wide = [...document.querySelectorAll('body *')].filter(el => px(el).width > 0 && px(el).right > clientWidth + 0.5)
  .map(el => el.tagName + '.' + el.className);
const out = {scrollWidth: document.documentElement.scrollWidth, clientWidth, innerWidth: window.innerWidth,
  lang: document.documentElement.lang, wider: wide.slice(0, 5),
  broken: style(cell('direct-inbound', 'method1-addendum')), met: style(cell('direct-inbound', 'method1')),
  outside: style(cell('relay-from-trusted', 'method1')),
  probes: rows.map(r => ({probe: r.querySelector('th').textContent.trim(), right: px(r).right,
                          height: px(r).height, cells: r.querySelectorAll('td').length})),
  matrixRight: px(matrix).right, variants,
  legend: [...document.querySelectorAll('.legend li')].map(li => li.textContent.trim()),
  nmapCells: [...document.querySelectorAll('td[title^="nmap and the lab agree"]')].filter(td => !td.closest('table.matrix'))
    .map(td => td.textContent.trim()),
  headings: [...document.querySelectorAll('h2')].map(h => h.textContent.trim())};
const pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium not found: apt-get install -y chromium fonts-ipafont-gothic (.ci/run installs them)",
                    pytrace=False)
    return found


def browse(page: Path, profile: Path, *flags: str, height: int = 768) -> str:
    argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}", *flags, page.as_uri()]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def runs():
    """The recorded runs, each audited as by `make verify AUDIT=1` (nmap's column in its relay
    rows: recorded nmap output, judged against the run's own rows)."""
    order = scenario.ids()  # as make report orders them
    found = sorted((RunResult.from_dict(json.loads(p.read_text())) for p in RECORDED.glob("*.json")),
                   key=lambda run: order.index(run.variant))
    topo = topology.load(settings.load({}))
    scan = nmap.parse(*((NMAP / f"postfix-method1.{kind}").read_text() for kind in ("xml", "trace")))
    for run in found:
        run.audit = judge(scan, list(scan.tests), audits.rows_of(run, topo), "this run", "postfix").to_dict()
    return found


@pytest.mark.parametrize("language", ("en", "ja"))
def test_the_report_fits_1024_pixels_and_shows_the_goal_in_colour(tmp_path, runs, language):
    html = report.render(runs, topology.load(settings.load({})), language)
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", MEASURE + "\n</body>"))
    dom = browse(page, tmp_path / "profile", "--dump-dom")
    found = re.search(r'<pre id="measure">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    m = json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    print({k: m[k] for k in ("scrollWidth", "clientWidth", "matrixRight")}, m["broken"], m["met"])
    assert m["innerWidth"] == WIDTH and m["lang"] == language
    assert m["scrollWidth"] <= m["clientWidth"] <= WIDTH, m  # no horizontal scrolling
    assert m["wider"] == [], m["wider"]  # no element reaches past the window's right edge
    assert m["matrixRight"] <= m["clientWidth"]
    # the goal's colours, as the browser styled them
    assert m["broken"]["bg"] == BROKEN_BG and m["broken"]["text"].startswith("✗"), m["broken"]
    assert m["met"]["bg"] not in (BROKEN_BG, m["outside"]["bg"]) and m["met"]["text"].startswith("✓")
    assert m["outside"]["bg"] != BROKEN_BG and m["outside"]["text"].startswith("·")
    # every probe of every variant in the matrix, on screen, each with a cell per variant
    plan = list(dict.fromkeys(p.probe for run in runs for p in run.probes))
    assert [r["probe"] for r in m["probes"]] == plan
    assert all(r["height"] > 0 and r["right"] <= m["clientWidth"] and r["cells"] == len(runs) for r in m["probes"])
    assert sorted(m["variants"]) == sorted(r.variant for r in runs)
    assert len(m["legend"]) == 4
    # nmap's column: in every relay row that stands for the scanner (relay-unauth-internet, pop-before-smtp-off)
    cell = "✓ 一致0/16 中継" if language == "ja" else "✓ agrees0/16 relayed"
    assert m["nmapCells"] == [cell] * sum(len(run.audit["lab_rows"]) for run in runs)
    if language == "ja":
        assert "全バリアント一覧" in m["headings"] and any("目標を破っている" in item for item in m["legend"])
    else:
        assert "All variants at a glance" in m["headings"] and any("goal broken" in item for item in m["legend"])
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"report-{WIDTH}{'' if language == 'en' else '-ja'}.png"
    browse(tmp_path / "report.html", tmp_path / "profile", f"--screenshot={shot}", height=1400)
    assert shot.stat().st_size > 10000
    print(f"screenshot: {shot}")
