"""The parts of docs/*.md that are copied from the project's own data, so that they cannot drift.

A region is marked in the Markdown by two comments:

    <!-- generated from scenarios/method1.yaml: postconf -->
    ```text
    ...the scenario's lines, as the file carries them...
    ```
    <!-- end generated -->

Sources: a scenario's `postconf`, `postconf_lab` or `master_cf`, or one of its `files`
(`files /etc/postfix/access`), shown as a code block; and a recorded run's outcomes
(`tests/unit/recorded/teach/<variant>.json: outcomes`), shown as a table in the document's
language (`*.ja.md`: Japanese). tests/unit/test_docs.py fails when a region differs from its
source; `.venv/bin/python tests/unit/doc_regions.py` rewrites every region from its source.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
REGION = re.compile(r"(<!-- generated from (?P<source>\S+): (?P<key>[^>]+?) -->\n)(?P<body>.*?)(<!-- end generated -->)",
                    re.S)
SCENARIO_FIELDS = ("postconf", "postconf_lab", "master_cf")
SKIPPED_DIRS = {".git", ".venv", "results", "build", "node_modules", "artifacts", ".pytest_cache"}
FENCE = re.compile(r"^```.*?^```[^\n]*$", re.S | re.M)
HEADINGS = {
    "en": ("probe", "outcome", "reply", "decided by", "goal"),
    "ja": ("プローブ", "結果", "応答", "決めたルール", "目標"),
}
GOAL_WORDS = {
    "en": {True: "met", False: "**broken**", None: "outside"},
    "ja": {True: "満たす", False: "**破る**", None: "範囲外"},
}


def language(doc: Path) -> str:
    return "ja" if doc.name.endswith(".ja.md") else "en"


def scenario_block(source: str, key: str) -> str:
    data = yaml.safe_load((ROOT / source).read_text())
    if key in SCENARIO_FIELDS:
        value = data.get(key)
    elif key.startswith("files "):
        value = (data.get("files") or {}).get(key.removeprefix("files "))
    else:
        raise ValueError(f"{source}: no region kind {key!r} (one of {', '.join(SCENARIO_FIELDS)}, files <path>)")
    if not value:
        raise ValueError(f"{source}: {key} is empty or missing")
    return "```text\n" + value.rstrip("\n") + "\n```\n"


def outcomes_table(source: str, lang: str) -> str:
    run = json.loads((ROOT / source).read_text())
    rows = ["| " + " | ".join(HEADINGS[lang]) + " |", "|" + " --- |" * len(HEADINGS[lang])]
    for p in run["probes"]:
        reply = f"{p['code'] or '-'} {p['stage'].replace('->', ' → ')}"
        rule = f"`{p['rule']}`" if p.get("rule") else "-"
        rows.append(f"| `{p['probe']}` | `{p['actual']}` | {reply} | {rule} | {GOAL_WORDS[lang][p['goal_met']]} |")
    return "\n".join(rows) + "\n"


def render(source: str, key: str, lang: str) -> str:
    if source.startswith("scenarios/"):
        return scenario_block(source, key)
    if source.startswith("tests/unit/recorded/") and key == "outcomes":
        return outcomes_table(source, lang)
    raise ValueError(f"no region from {source}: {key}")


def regions(doc: Path) -> list[tuple[str, str, str, str]]:
    """(source, key, body as written, body as the source gives it) for every region of doc."""
    lang = language(doc)
    return [(m["source"], m["key"], m["body"], render(m["source"], m["key"], lang))
            for m in REGION.finditer(doc.read_text())]


def rewrite(doc: Path) -> bool:
    """Every region of doc from its source; True when the file changed."""
    text = doc.read_text()
    lang = language(doc)
    new = REGION.sub(lambda m: m[1] + render(m["source"], m["key"], lang) + m[5], text)
    if new != text:
        doc.write_text(new)
    return new != text


def markdown_files() -> list[Path]:
    """Every Markdown file of the project (not the virtualenv's, results' or git's)."""
    return sorted(p for p in ROOT.rglob("*.md")
                  if not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts[:-1]))


def prose(text: str) -> str:
    """The text without fenced code blocks (links and times in them are examples)."""
    return FENCE.sub("", text)


def documents() -> list[Path]:
    return sorted((ROOT / "docs").glob("*.md"))


def main() -> int:
    for doc in documents():
        if rewrite(doc):
            print(f"rewrote {doc.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
