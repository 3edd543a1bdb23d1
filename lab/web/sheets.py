"""A prediction sheet sent by a page or a script, graded as `make grade` grades it:

    PUT /api/labs/<lab>/sheets/<variant>   body: the sheet (YAML, as `make predict` writes it)
                                           or JSON {probe: outcome}  ->  {score, total, wrong: [...],
                                           text: each wrong cell explained, as `make grade` prints it}
        ?grade=0                           kept only (the page's predict step, before the run)

The sheet is kept where `make predict` puts it (results/<lab>/sheets/<variant>.yaml), the
grade beside it, so the class's predictions count it like any other. A body over 64 KiB, a
sheet that does not read, a lab with no run of the variant yet: one sentence, 4xx."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lab.errors import LabError
from lab.model import results, sheet
from lab.model.outcomes import Outcome
from lab.teach import grade
from lab.teach.runs import Source
from lab.views import teach_view
from lab.web import labs, pages
from lab.web.site import lab_asked

LIMIT = 64 * 1024  # bytes of a request body


async def body(request: Request, limit: int = LIMIT) -> bytes:
    """The request's body, or 413 past `limit` bytes (read no further than that)."""
    got = b""
    async for chunk in request.stream():
        got += chunk
        if len(got) > limit:
            raise HTTPException(413, f"the body is over {limit // 1024} KiB: a sheet is a few hundred bytes")
    return got


def from_json(data: object, known: list[str]) -> dict[str, Outcome | None]:
    if not isinstance(data, dict):
        raise HTTPException(400, "a JSON sheet maps probe ids to outcomes: {\"direct-inbound\": \"rejected\"}")
    predicted: dict[str, Outcome | None] = dict.fromkeys(known)
    for probe, word in data.items():
        if probe not in predicted:
            raise HTTPException(400, f"unknown probe {probe!r}: the variant runs {', '.join(known)}")
        if word in (None, ""):
            continue
        if not isinstance(word, str) or word.lower() not in sheet.PREDICTABLE:
            raise HTTPException(400, f"{probe}: unknown outcome {word!r} (one of: {', '.join(sheet.PREDICTABLE)})")
        predicted[probe] = Outcome(word.lower())
    return predicted


async def put(request: Request) -> Response:
    site, s = lab_asked(request, writing=True)
    chosen = site.variant(request.path_params["variant"])
    raw = await body(request)
    path = sheet.path_for(results.results_dir(s), chosen.id)
    shown = path.relative_to(s.root) if path.is_relative_to(s.root) else path
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise HTTPException(400, "the sheet is not UTF-8 text") from None
    if "json" in request.headers.get("content-type", ""):
        try:
            predicted = from_json(json.loads(text), [p.id for p in chosen.probes])
        except ValueError:
            raise HTTPException(400, "the body is not valid JSON") from None
        text = sheet.filled(predicted)
    else:
        try:
            predicted = sheet.parse(text, shown, chosen)
        except LabError as exc:
            raise HTTPException(400, str(exc)) from None
    if request.query_params.get("grade") == "0":  # the page's predict step: kept, graded later
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return JSONResponse({"saved": str(shown), "predicted": {p: o and str(o) for p, o in predicted.items()}})
    found = labs.run(s, chosen.id)
    if found is None:
        raise HTTPException(409, f"lab {s.name} has no run of {chosen.id} to grade against yet: run it first "
                                 f"(POST /api/labs/{s.name}/verify/{chosen.id})")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    graded = grade.grade(chosen, predicted, found, Source(results.results_dir(s) / f"{chosen.id}.json", found.started,
                                                           False), path, pages.language(request))
    grade.save(graded)
    return JSONResponse({"score": graded.score, "total": graded.total, "wrong": graded.wrong,
                         "cells": graded.to_dict()["cells"],
                         "text": "\n".join(line.plain for line in teach_view.grade(graded, s.root, pages.language(request)))})
