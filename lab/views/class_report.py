"""`make class-report`: one self-contained HTML page for a whole class - every student's
matrix side by side (a column per student), who ran which variant and when. Built from
results/<lab>/*.json of each lab of the class, like each lab's own report (views.report)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lab.model import scenario, settings
from lab.model.results import RunResult
from lab.views import lang as langs
from lab.views import page
from lab.views.report import load_runs


def grid(labs: dict[str, list[RunResult]], language: str = "en") -> list[dict[str, Any]]:
    """Per variant (scenario order, then any other): its probes, and per lab its run or None.
    labs: lab name -> that lab's latest runs."""
    order = {v: i for i, v in enumerate(scenario.ids())}
    variants = sorted({r.variant for runs in labs.values() for r in runs}, key=lambda v: (order.get(v, len(order)), v))
    rows = []
    for variant in variants:
        runs = {name: next((r for r in found if r.variant == variant), None) for name, found in labs.items()}
        probes: list[str] = []
        for run in filter(None, runs.values()):
            probes += [p.probe for p in run.probes if p.probe not in probes]
        cells = {name: ({p.probe: p for p in run.probes} if run else {}) for name, run in runs.items()}
        title = next(((r.title_ja or r.title) if language == "ja" else r.title for r in runs.values() if r), variant)
        rows.append({"variant": variant, "title": title, "runs": runs, "probes": probes, "cells": cells})
    return rows


def render(cls: str, labs: dict[str, list[RunResult]], language: str | None = None) -> str:
    """The page, in `language` ("en" or "ja"; default LAB_LANG)."""
    language = language or langs.current()
    other = page.pages(f"class.{cls}.html", language)
    return page.environment().get_template("class_report.html.j2").render(
        cls=cls, labs=labs, grid=grid(labs, language), lang=language, t=lambda key: langs.t(key, language),
        other=other["other"], other_lang=other["other_lang"],
        generated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        when=lambda started: started.replace("T", " ")[:16] if started else "")


def write(cls: str, names: list[str], root: Path = settings.ROOT) -> tuple[Path, int]:
    """results/class.<class>.html, and class.<class>.ja.html beside it, from the runs of every
    lab named; (the path in the reader's language, runs on the page)."""
    labs = {name: load_runs(settings.Settings(name, "", "", "", "", root=root)) for name in names}
    english = root / "results" / f"class.{cls}.html"
    english.parent.mkdir(parents=True, exist_ok=True)
    for language in langs.LANGUAGES:
        page.beside(english, language).write_text(render(cls, labs, language))
    return page.beside(english, langs.current()), sum(len(runs) for runs in labs.values())
