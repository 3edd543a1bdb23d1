"""The student's page, `/lab/<lab>`: everything of the workshop guide (docs/workshop.md) in one
page, for one lab, with that lab's token. Its parts (tabs):

- the workshop: the variants in the workshop's order, each with the guide's five steps -
  quiz (the configuration and the probes, no answers: as `make quiz-<variant>`), predict (a
  form, saved as the sheet `make predict-<variant>` writes), run (the live table), grade (N/M
  and each wrong cell explained, as `make grade-<variant>`), diff against another variant;
- the live matrix (every variant × every probe; a cell's transcript, rule and trace);
- try your own (a main.cf fragment or sendmail.mc lines, judged against the goal as `make try`);
- probe by hand (a client, a probe of the plan or one's own envelope, as `lab probe`);
- a terminal into the lab's own hosts (lab.web.terminal).

The health and the active variant come from `GET /api/labs/<lab>` once the page is there."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lab.errors import LabError
from lab.model import results, scenario, sheet, topology
from lab.model.settings import Settings
from lab.model.topology import Topology
from lab.views import teach_view
from lab.views.lang import t
from lab.views.words import plain
from lab.web import guard, labs, pages
from lab.web.lab_page import matrix
from lab.web.site import Site

FIRST_HOSTS = ("outside", "inside", "postfix", "sendmail", "relay")  # the terminal's hosts, these first
QUIZ_WIDTH = 94  # columns: the quiz's box at 12 px monospace on a 1024-pixel screen, wrapped at spaces


def predicted(s: Settings, variant: scenario.Scenario) -> dict[str, str]:
    """The lab's sheet for the variant as the form shows it (probe -> outcome; '' where empty)."""
    path = sheet.path_for(results.results_dir(s), variant.id)
    try:
        found = sheet.read(path, variant)
    except LabError:  # none yet, or one that does not read (grading says why)
        return {}
    return {p: str(o) if o else "" for p, o in found.items()}


def steps(site: Site, s: Settings, topo: Topology, lang: str) -> list[dict[str, Any]]:
    """Each variant, in the workshop's order, with what its five steps show."""
    grades = labs.grades(s, list(site.variants()))
    out = []
    for v in site.variants().values():
        shown = v.rendered(topo)
        out.append({"id": v.id, "server": v.server, "title": v.text("title", lang),
                    "quiz": plain(teach_view.quiz(shown, topo, {"predict": t("the form of step 2", lang)}, lang), QUIZ_WIDTH),
                    "probes": [{"id": p.id, "route": teach_view.route(p, v.server), "what": p.text("what", lang)}
                               for p in v.probes],
                    "predicted": predicted(s, v), "grade": grades.get(v.id)})
    return out


def terminal_hosts(topo: Topology) -> list[str]:
    return [h for h in FIRST_HOSTS if h in topo.hosts] + [h for h in topo.hosts if h not in FIRST_HOSTS]


def page(request: Request) -> Response:
    redirect = pages.cookie_redirect(request)
    if redirect:
        guard.access(request)  # a wrong token is a 401 before any cookie is set
        return redirect
    name = request.path_params["lab"]
    who = guard.lab(request, name)
    site: Site = request.app.state.site
    s = site.lab(name)
    lang = pages.language(request)
    topo = topology.load(s)
    plan = scenario.load_probes(hosts=set(topo.hosts))
    return pages.render(
        request, "student.html.j2", lab=s.name, data=matrix(site, s, lang), steps=steps(site, s, topo, lang),
        instructor=who.instructor, busy=request.app.state.runner.busy.get(s.name), outcomes=sheet.PREDICTABLE,
        meaning=sheet.MEANING[lang], hosts=terminal_hosts(topo), clients=sorted({p.client for p in plan.values()}),
        plan=[{"id": p.id, "client": p.client, "what": p.text("what", lang)} for p in plan.values()],
        users=[u.name for u in topo.users], servers=list(topo.under_test),
        local=f"{topo.local_recipient}@{topo.hosts[topo.under_test[0]].fqdn}", remote=topo.remote_recipient,
        inline_styles=True)
