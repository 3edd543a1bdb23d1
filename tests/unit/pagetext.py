"""The text a reader sees on one of the lab's HTML pages, for tests: the tags gone, a space
where an element ends; optionally without the elements that keep words as they are
(identifiers, code, configuration, the servers' replies)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

KEPT_AS_IS = {"tags": ("code", "pre"), "classes": ("id", "reply", "verbatim")}
_UNSEEN = ("style", "script", "title")
_VOID = {"br", "wbr", "img", "col", "meta", "hr", "input", "link"}


class _Text(HTMLParser):
    def __init__(self, tags: tuple[str, ...], classes: tuple[str, ...]):
        super().__init__()
        self.tags, self.classes = set(tags) | set(_UNSEEN), set(classes)
        self.open: list[bool] = []  # per open element: is its text left out
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.chunks.append(" ")
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.open.append(tag in self.tags or bool(classes & self.classes))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if self.open:
            self.open.pop()
        if tag not in ("span", "strong", "small", "b", "em", "code", "q"):
            self.chunks.append(" ")  # a block ends: its words do not run into the next one's

    def handle_data(self, data):
        if not any(self.open):
            self.chunks.append(data)


def text(html: str, leave_out: dict[str, tuple[str, ...]] | None = None) -> str:
    """The page's text, whitespace collapsed; `leave_out` (e.g. KEPT_AS_IS): tags and classes
    whose text is not taken."""
    parser = _Text(**(leave_out or {"tags": (), "classes": ()}))
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.chunks)).strip()


# English words in a row: letters (an apostrophe inside), separated only by ASCII spaces and
# punctuation - a Japanese character or punctuation mark ends the row
_WORD, _BETWEEN = r"[A-Za-z][A-Za-z'’]*", r"[ -/:-@\[-`{-~]{1,3}"


def english_rows(html: str, words: int = 4) -> list[str]:
    """Every run of `words` or more English words in the page's text outside identifiers,
    code, configuration and server replies."""
    row = re.compile(rf"(?:{_WORD}{_BETWEEN}){{{words - 1},}}{_WORD}")
    return row.findall(text(html, KEPT_AS_IS))
