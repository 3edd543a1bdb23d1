"""The report, the prediction sheets and the class report on a 1024-pixel projector, in a
real browser (chromium, headless), in English and in Japanese (LAB_LANG=ja), rendered from
the recorded runs (tests/unit/recorded/teach/):

- no page is wider than the window, every <details> opened;
- no identifier is split across lines: every `.id` span lies on one line box, and so does
  every identifier-like word of every text on the page (one with a - _ . / : = @ or a digit:
  an address, a host name, a restriction, a path, an outcome, a probe), measured with a
  Range over it - a long one may wrap only after its own `/` or `,`;
- the topology's text is at least 14 px as rendered (font size times the SVG's scale);
- the report's matrices: a cell whose probe breaks the note's goal styled as broken, one
  that meets it as met, every probe on screen, the legend there.

The assertions read what the browser rendered: a script added to a copy of the page writes
the measurements into the DOM, which chromium dumps. A screenshot of each page is kept in
tests/artifacts/ (gitignored) - look at them."""

import functools
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
from lab.views import class_report, report, teach_report

RECORDED = Path(__file__).parents[1] / "unit" / "recorded" / "teach"
NMAP = RECORDED.parent / "nmap"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
WIDTH = 1024
SMALLEST_SVG_TEXT = 14  # px, as rendered at 1024
BROKEN_BG = "rgb(198, 40, 40)"  # .goal-broken in the report's stylesheet
MEASURE = """<script>
document.querySelectorAll('details').forEach(d => { d.open = true; });
const px = (el) => el.getBoundingClientRect();
const lines = (rects) => new Set([...rects].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
const clientWidth = document.documentElement.clientWidth;
const wider = [...document.querySelectorAll('body *')].filter(el => px(el).width > 0 && px(el).right > clientWidth + 0.5)
  .map(el => el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 60));
// every identifier span on one line
const ids = [...document.querySelectorAll('body .id')].filter(el => !el.closest('svg') && el.getClientRects().length);
const splitSpans = ids.filter(el => lines(el.getClientRects()) > 1).map(el => el.textContent);
// every identifier-like word of every rendered text, piece by piece (a piece ends after / or ,)
const splitWords = []; let words = 0;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode, parent = node.parentElement;
  if (!parent || parent.closest('svg, script, style') || !parent.getClientRects().length) continue;
  for (const m of node.data.matchAll(/[!-~]+/g)) {
    const lead = m[0].match(/^[("'`]*/)[0].length, trail = m[0].match(/[).,;:!?"'`]*$/)[0].length;
    const core = m[0].slice(lead, Math.max(lead, m[0].length - trail));
    if (!/[-_.\\/:=@<>\\[\\]]|\\d/.test(core) || !/[A-Za-z0-9]/.test(core)) continue;
    words += 1;
    let at = m.index + lead;
    for (const piece of core.match(/[^\\/,]*[\\/,]|[^\\/,]+/g)) {
      const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + piece.length);
      if (lines(range.getClientRects()) > 1) splitWords.push(piece + ' (in ' + core + ')');
      at += piece.length;
    }
  }
}
const svgText = [...document.querySelectorAll('svg.topology text')].map(t =>
  ({text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a}));
const out = {scrollWidth: document.documentElement.scrollWidth, clientWidth, innerWidth: window.innerWidth,
  lang: document.documentElement.lang, wider: wider.slice(0, 5), ids: ids.length, splitSpans, words,
  splitWords: splitWords.slice(0, 20), svgText,
  nmapCells: [...document.querySelectorAll('span.nmap[title^="nmap and the lab agree"]')]
    .map(td => td.textContent.trim())};
const matrices = [...document.querySelectorAll('table.matrix')];
if (matrices.length) {
  const variants = matrices.map(m => [...m.querySelectorAll('th.v')].map(th => th.textContent.trim()));
  const rows = matrices.map(m => [...m.querySelectorAll('tr')].filter(r => r.querySelector('th[scope=row]')));
  const cell = (probe, variant) => { const i = variants.findIndex(v => v.includes(variant));
    return rows[i].find(r => r.querySelector('th').textContent.trim() === probe).querySelectorAll('td')[variants[i].indexOf(variant)]; };
  const style = (el) => { const s = getComputedStyle(el); return {bg: s.backgroundColor, text: el.textContent.trim()}; };
  Object.assign(out, {variants, matrixRight: Math.max(...matrices.map(m => px(m).right)),
    probes: rows.map(rs => rs.map(r => ({probe: r.querySelector('th').textContent.trim(), right: px(r).right,
                                          height: px(r).height, cells: r.querySelectorAll('td').length}))),
    legend: [...document.querySelectorAll('.legend li')].map(li => li.textContent.trim()),
    headings: [...document.querySelectorAll('h2')].map(h => h.textContent.trim())});
  if (document.querySelector('.legend')) Object.assign(out, {broken: style(cell('direct-inbound', 'method1-addendum')),
    met: style(cell('direct-inbound', 'method1')), outside: style(cell('relay-from-trusted', 'method1'))});
}
const pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium not found: python3 -m lab.bootstrap --browser (apt-get install -y chromium "
                    "fonts-ipafont-gothic; .ci/run installs them)", pytrace=False)
    return found


def browse(page: Path, profile: Path, *flags: str, height: int = 768) -> str:
    argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}", *flags, page.as_uri()]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def measure(html: str, folder: Path) -> dict:
    page = folder / "page.html"
    page.write_text(html.replace("</body>", MEASURE + "\n</body>"))
    dom = browse(page, folder / "profile", "--dump-dom")
    found = re.search(r'<pre id="measure">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def screenshot(html: str, folder: Path, name: str) -> Path:
    (folder / "shot.html").write_text(html)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{name}-{WIDTH}.png"
    browse(folder / "shot.html", folder / "profile", f"--screenshot={shot}", height=1400)
    assert shot.stat().st_size > 10000
    print(f"screenshot: {shot}")
    return shot


@functools.cache
def runs() -> tuple[RunResult, ...]:
    """The recorded runs, each audited as by `make verify AUDIT=1` (nmap's column in its relay
    rows: recorded nmap output, judged against the run's own rows)."""
    order = scenario.ids()  # as make report orders them
    found = sorted((RunResult.from_dict(json.loads(p.read_text())) for p in RECORDED.glob("*.json")),
                   key=lambda run: order.index(run.variant))
    topo = topology.load(settings.load({}))
    scan = nmap.parse(*((NMAP / f"postfix-method1.{kind}").read_text() for kind in ("xml", "trace")))
    for run in found:
        run.audit = judge(scan, list(scan.tests), audits.rows_of(run, topo), "this run", "postfix").to_dict()
    return tuple(found)


TOPO = topology.load(settings.load({}))
PAGES = {
    "report": lambda language: report.render(list(runs()), TOPO, language),
    "sheets": lambda language: teach_report.render_sheets([s.rendered(TOPO) for s in scenario.check_all(TOPO)[0]], TOPO,
                                                          "smtplab", language),
    "class": lambda language: class_report.render("monday", {"ann": list(runs()), "bob": list(runs()[:4])}, language),
}


@pytest.mark.parametrize("language", ("en", "ja"))
@pytest.mark.parametrize("name", PAGES)
def test_no_identifier_breaks_and_every_page_fits_1024_pixels(tmp_path, name, language):
    html = PAGES[name](language)
    m = measure(html, tmp_path)
    print({k: m[k] for k in ("scrollWidth", "clientWidth", "ids", "words")})
    assert m["innerWidth"] == WIDTH and m["lang"] == language
    assert m["scrollWidth"] <= m["clientWidth"] <= WIDTH, m["wider"]  # no horizontal scrolling
    assert m["wider"] == [], m["wider"]  # no element reaches past the window's right edge
    assert m["ids"] > 50 and m["words"] > 50  # the measurements did find what they measure
    assert m["splitSpans"] == [], m["splitSpans"]  # every identifier on one line
    assert m["splitWords"] == [], m["splitWords"]  # and every identifier-like word, wherever it is
    if name == "report":
        assert len(m["svgText"]) > 20 and min(t["px"] for t in m["svgText"]) >= SMALLEST_SVG_TEXT, m["svgText"]
    screenshot(html, tmp_path, f"{name}{'' if language == 'en' else '-ja'}")


@pytest.mark.parametrize("language", ("en", "ja"))
def test_the_matrices_show_the_goal_in_colour(tmp_path, language):
    m = measure(PAGES["report"](language), tmp_path)
    assert m["matrixRight"] <= m["clientWidth"]
    # the goal's colours, as the browser styled them
    assert m["broken"]["bg"] == BROKEN_BG and m["broken"]["text"].startswith("✗"), m["broken"]
    assert m["met"]["bg"] not in (BROKEN_BG, m["outside"]["bg"]) and m["met"]["text"].startswith("✓")
    assert m["outside"]["bg"] != BROKEN_BG and m["outside"]["text"].startswith("·")
    # one matrix per server, each with every probe of its variants, on screen, a cell per variant
    servers = list(dict.fromkeys(run.server for run in runs()))
    assert len(m["variants"]) == len(servers)
    for server, variants, rows in zip(servers, m["variants"], m["probes"]):
        mine = [run for run in runs() if run.server == server]
        assert variants == [run.variant for run in mine]
        assert [r["probe"] for r in rows] == list(dict.fromkeys(p.probe for run in mine for p in run.probes))
        assert all(r["height"] > 0 and r["right"] <= m["clientWidth"] and r["cells"] == len(mine) for r in rows)
    assert len(m["legend"]) == 4
    # nmap's column: in every relay row that stands for the scanner (relay-unauth-internet, pop-before-smtp-off)
    cell = "nmap: ✓ 一致, 0/16 中継" if language == "ja" else "nmap: ✓ agrees, 0/16 relayed"
    assert m["nmapCells"] == [cell] * sum(len(run.audit["lab_rows"]) for run in runs())
    if language == "ja":
        assert "全バリアント一覧" in m["headings"] and any("目標を破っている" in item for item in m["legend"])
    else:
        assert "All variants at a glance" in m["headings"] and any("goal broken" in item for item in m["legend"])
