"""Prose in data files (lessons, the goal's reasons), in English and Japanese: lines joined
back into paragraphs, paragraphs cut into sentences."""

from __future__ import annotations

import re

_SENTENCE_EN = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[A-Z(\"'])")


def _wide(ch: str) -> bool:
    return ord(ch) > 0x2E7F  # CJK punctuation, kana, kanji, full-width forms


def in_language(thing: object, key: str, lang: str = "en") -> str:
    """A text field of a data object in a language: for "ja" its `<key>_ja` beside it when
    given, else (and for English) `<key>` itself."""
    english = getattr(thing, key)
    return (getattr(thing, f"{key}_ja", "") or english) if lang == "ja" else english


def unfold(text: str) -> str:
    """Wrapped lines joined: with a space between English words, without one where a line
    ends or the next begins in Japanese (Japanese has no spaces between words)."""
    out = ""
    for line in (part.strip() for part in str(text).splitlines()):
        if not line:
            continue
        if out and not (_wide(out[-1]) or _wide(line[0])):
            out += " "
        out += line
    # a YAML folded or quoted scalar joins its lines with a space: none after Japanese
    # punctuation, nor between two Japanese characters
    return re.sub(r"(?<=[。、」）])\s+|(?<=[\u3040-\u9fff])\s+(?=[\u3040-\u9fff])", "", out)


def sentences(text: str) -> list[str]:
    """A lesson's sentences, in order: after '.', '!' or '?' and a space before a capital in
    English; after '。' in Japanese."""
    flat = unfold(text)
    parts = []
    for piece in re.split(r"(?<=。)", flat):
        parts += _SENTENCE_EN.split(piece) if not any(_wide(c) for c in piece) else [piece]
    return [p.strip() for p in parts if p.strip()]


def about(text: str, words: tuple[str, ...]) -> str | None:
    """The first sentence of `text` naming any of `words` (the first word matched first)."""
    found = sentences(text)
    for word in words:
        for sentence in found:
            if word.lower() in sentence.lower():
                return sentence
    return None
