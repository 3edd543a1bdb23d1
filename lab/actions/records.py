"""Recording a run: the one writer of results/<lab>/. A variant's run becomes the lab's latest
result of that variant (JSON, with its Markdown beside it, and a copy in history/); a run of
one's own configuration (`try`) goes to tries/, apart from the variants and the report."""

from __future__ import annotations

from pathlib import Path

from lab.model import results
from lab.model.results import RunResult
from lab.model.settings import Settings
from lab.views.run_table import markdown


def record_run(run: RunResult, settings: Settings, tried: bool = False) -> Path:
    """Save the run where its readers look for it and return the JSON document's path."""
    if tried:
        return results.save_try(run, settings)
    path = results.save(run, settings)
    path.with_suffix(".md").write_text(markdown(run))
    return path
