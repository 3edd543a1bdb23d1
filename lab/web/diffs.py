"""Two variants side by side, as `make diff` shows them: the probes whose outcome differs,
each beside the configuration lines its deciding rule points at, then every line that differs.
From the lab's own runs of both (a variant not run yet: 409, run it first).

    GET /api/labs/<lab>/diff/<a>/<b>   {a, b, changes: [...], lines: [...], text}
"""

from __future__ import annotations

from dataclasses import asdict

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lab.model import results
from lab.teach import diff
from lab.teach.runs import Source
from lab.views import teach_view
from lab.web import guard, labs, pages
from lab.web.site import Site


def get(request: Request) -> Response:
    name = request.path_params["lab"]
    guard.lab(request, name)
    site: Site = request.app.state.site
    s = site.lab(name)
    chosen = [site.variant(request.path_params[k]) for k in ("a", "b")]
    found = [labs.run(s, v.id) for v in chosen]
    missing = [v.id for v, r in zip(chosen, found) if r is None]
    if missing:
        raise HTTPException(409, f"lab {s.name} has no run of {' and '.join(missing)} yet: "
                                 f"run {'them' if len(missing) > 1 else 'it'} first (step 3)")
    a, b = found
    assert a is not None and b is not None
    d = diff.compare(a, b)
    lang = pages.language(request)
    folder = results.results_dir(s)
    sources = [f"{r.variant}: {Source(folder / f'{r.variant}.json', r.started, False).describe(s.root, lang=lang)}"
               for r in (a, b)]
    return JSONResponse({
        "a": a.variant, "b": b.variant,
        "changes": [{"probe": c.probe, "before": str(c.before), "after": str(c.after), "rule_before": c.rule_before,
                     "rule_after": c.rule_after, "beside": [asdict(line) for line in c.beside]} for c in d.changes],
        "lines": [asdict(line) for line in d.lines], "only_a": d.only_a, "only_b": d.only_b,
        "text": "\n".join(line.plain for line in teach_view.diff(d, sources, lang))})
