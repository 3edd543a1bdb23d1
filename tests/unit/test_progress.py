"""The live progress line: on a terminal only, never under CI=true; what it says."""

import io
from types import SimpleNamespace

import pytest
from rich.console import Console

from lab.views import progress


@pytest.mark.parametrize("terminal, ci, live", [(True, None, True), (True, "true", False), (False, None, False)])
def test_live_only_on_a_terminal_and_not_under_ci(monkeypatch, terminal, ci, live):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    console = Console(file=io.StringIO(), force_terminal=terminal)
    with progress.Line(console) as line:
        line.update("method1: applying")
    assert line.live is live
    if not live:
        assert console.file.getvalue() == ""  # quiet: not a character


def test_what_the_line_says_for_probes_and_images(monkeypatch):
    said = []
    line = progress.Line(Console(file=io.StringIO()))
    monkeypatch.setattr(line, "update", said.append)
    line.probes("[2/12] method1")("via-relay", 3, 8)
    on_build = line.images(3)
    on_build("base", None)
    on_build("base", SimpleNamespace(built=True))
    on_build("dns", None)
    on_build("postfix", None)
    on_build("dns", SimpleNamespace(built=False))
    on_build("postfix", SimpleNamespace(built=True))
    assert said == ["[2/12] method1: probe 4/8 via-relay",
                    "images: building base (0/3 done)", "images: 1/3 ready (1 built)",
                    "images: building dns (1/3 done)", "images: building dns, postfix (1/3 done)",
                    "images: building postfix (2/3 done)", "images: 3/3 ready (2 built); starting the lab"]
