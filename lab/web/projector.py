"""The projector view, `/projector/<lab>/<variant>`: one variant on one 1024×768 screen - every
probe's row with its outcome in large type, "as the variant's file expects?" and "meets the
note's goal?" as two columns that look different, the run's goal verdict on top. ← → step
through the variants in the workshop's order; `m` shows every variant's cells at once (marks
only, the words on hover). The rows fill in live as a run goes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lab.model import goal
from lab.views.teach_view import route
from lab.web import cells, guard, labs, pages
from lab.web.lab_page import matrix
from lab.web.site import Site


def page(request: Request) -> Response:
    redirect = pages.cookie_redirect(request)
    if redirect:
        guard.access(request)
        return redirect
    name = request.path_params["lab"]
    guard.lab(request, name)
    site: Site = request.app.state.site
    s = site.lab(name)
    chosen = site.variant(request.path_params["variant"])
    lang = pages.language(request)
    order = list(site.variants())
    here = order.index(chosen.id)
    found = labs.run(s, chosen.id)
    recorded = cells.of_run(found) if found else {}
    rows = [{"probe": p.id, "route": route(p, chosen.server), "what": p.what,
             "expected": str(chosen.expect[p.id]), "cell": recorded.get(p.id)} for p in chosen.probes]
    verdict = found.goal if found else None
    return pages.render(
        request, "projector.html.j2", lab=s.name, variant=chosen, title=chosen.text("title", lang), rows=rows,
        run=found, verdict=verdict, statement=goal.note().text("statement", lang),
        prev=order[here - 1], next=order[(here + 1) % len(order)], data=matrix(site, s, lang))
