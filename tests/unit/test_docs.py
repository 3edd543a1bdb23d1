"""The project's Markdown stays true: every relative link (and the heading it points at) exists in
the repository, no path in the text leads outside it, and the parts of docs/*.md copied from the
scenario files and the recorded runs equal their sources (tests/unit/doc_regions.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from doc_regions import ROOT, documents, markdown_files, prose, regions

CODE_SPAN = re.compile(r"`([^`\n]+)`")
INLINE_LINK = re.compile(r"!?\[(?:[^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # https:, mailto:, ...


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(prose(path.read_text())):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def link_targets(text: str) -> list[str]:
    body = CODE_SPAN.sub("", prose(text))
    return INLINE_LINK.findall(body) + REFERENCE_LINK.findall(body)


def broken(doc: Path, target: str) -> str | None:
    """Why target, linked from doc, does not resolve inside the repository; None when it does."""
    path_part, _, anchor = target.partition("#")
    dest = (doc.parent / path_part).resolve() if path_part else doc
    if not dest.is_relative_to(ROOT):
        return f"{target}: outside the repository (a clone does not have it)"
    if not dest.exists():
        return f"{target}: no such file"
    if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
        return f"{target}: no heading with the anchor #{anchor} in {dest.relative_to(ROOT)}"
    return None


def test_the_walk_finds_the_documents():
    names = {p.relative_to(ROOT).as_posix() for p in markdown_files()}
    assert {"README.md", "docs/workshop.md", "docs/workshop.ja.md", "docs/note.md", "docs/note.ja.md"} <= names


@pytest.mark.parametrize("doc", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(doc):
    problems = [why for target in link_targets(doc.read_text()) if not EXTERNAL.match(target)
                and (why := broken(doc, target))]
    assert not problems, f"{doc.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize("doc", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_path_in_the_text_leads_outside_the_repository(doc):
    """A path written as code (`../shared/…`) is read as one: it must exist in a clone too."""
    outside = [span for span in CODE_SPAN.findall(prose(doc.read_text()))
               if span.startswith("../") and " " not in span
               and (not (doc.parent / span).resolve().is_relative_to(ROOT) or not (doc.parent / span).exists())]
    assert not outside, f"{doc.relative_to(ROOT)}: paths not in the repository: {outside}"


def test_the_link_checker_sees_a_broken_link_and_a_missing_anchor(tmp_path):
    assert broken(ROOT / "README.md", "docs/note.md") is None
    assert broken(ROOT / "README.md", "docs/note.md#the-test-plan") is None
    assert "no heading" in broken(ROOT / "README.md", "docs/note.md#no-such-heading")
    assert "no such file" in broken(ROOT / "README.md", "docs/missing.md")
    assert "outside the repository" in broken(ROOT / "README.md", "../shared/DESIGN.md")
    assert link_targets("see [a](x.md), `[b](y.md)` and\n```\n[c](z.md)\n```\n[d]: w.md\n") == ["x.md", "w.md"]


def test_anchors_are_githubs():
    assert slug("4. The addendum's warning: AUTH works") == "4-the-addendums-warning-auth-works"
    assert slug("5. Postfix の方法2（POP before SMTP あり）") == "5-postfix-の方法2pop-before-smtp-あり"
    assert slug("`make try`, by hand") == "make-try-by-hand"


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.name)
def test_copied_regions_equal_their_sources(doc):
    for source, key, written, wanted in regions(doc):
        assert written == wanted, (f"{doc.relative_to(ROOT)}: the region from {source} ({key}) differs from "
                                   f"its source; `.venv/bin/python tests/unit/doc_regions.py` copies it again")


# made from the note (source "seed: ...") but written by the lab, shown under "Beyond the note"
LABS_OWN_REWRITES = {"method2-fixed"}


def test_the_note_gives_every_configuration_of_the_note_in_both_languages():
    """Each variant made from the note (its `source:` starts with "seed:") has its lines and its
    recorded outcomes in docs/note.md, note.ja.md has the same regions in the same order, and
    both link every variant's file."""
    en = [(s, k) for s, k, *_ in regions(ROOT / "docs" / "note.md")]
    ja = [(s, k) for s, k, *_ in regions(ROOT / "docs" / "note.ja.md")]
    assert en == ja
    sources = {s for s, _ in en}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        for doc in ("note.md", "note.ja.md"):
            assert f"../scenarios/{path.name}" in link_targets((ROOT / "docs" / doc).read_text()), \
                f"docs/{doc} does not link {path.name}"
        if yaml.safe_load(path.read_text())["source"].startswith("seed:") and path.stem not in LABS_OWN_REWRITES:
            assert f"scenarios/{path.name}" in sources, f"docs/note.md does not show {path.name}"
            assert f"tests/unit/recorded/teach/{path.stem}.json" in sources, f"docs/note.md: no outcomes of {path.stem}"
