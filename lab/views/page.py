"""What every HTML page of the lab shares (the report, the prediction sheets, the class
report): one Jinja environment, and identifiers - addresses, host names, restrictions, paths,
outcomes, probe and variant ids - that a narrow column never breaks mid-token.

An identifier is written as `<span class="id">` pieces (templates/identifiers.css keeps each
piece on one line): a long value is cut only after its own separators - after a `/` or a `,`
that ends a whole segment, and at its spaces - with `<wbr>` where a line may end, so
`remote:/var/mail/sink/Maildir/new/` may wrap as `remote:/var/` `mail/` `sink/` ..., and
`10.77.1.100`, `postfix.lab.example`, `permit_sasl_authenticated` or `auth-failed` never do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

_PIECE = re.compile(r"[^/,]*[/,]|[^/,]+")  # a segment with the separator that ends it


def ident(value: Any) -> Markup:
    """`value` as identifier pieces that wrap only after their own separators."""
    words = []
    for word in str(value).split(" "):
        pieces = [p for p in _PIECE.findall(word) if p]
        words.append(Markup("<wbr>").join(Markup('<span class="id">{}</span>').format(p) for p in pieces))
    return Markup(" ").join(words)


_ASCII_RUN = re.compile(r"[!-~]+")  # a run of printable ASCII without spaces (Japanese has none between words)
_OPENERS, _CLOSERS = "(\"'`", ").,;:!?\"'`"
_LOOKS_LIKE_ID = re.compile(r"[-_./:=@<>\[\]]|\d")


_VERBATIM = re.compile(r'"[ !#-~]+"')  # a quotation in ASCII alone: a server's reply, a log or configuration line


def prose(text: Any) -> Markup:
    """Sentences (a lesson, a reason, a role) with the identifiers in them kept whole: every
    word that carries a `-` `_` `.` `/` `:` `=` `@` or a digit - `relay-unauth-internet`,
    `smtpd_relay_restrictions`, `127.0.0.0/8` - becomes an identifier, without the
    punctuation around it; and a quotation in ASCII alone ("Relay access denied") is marked
    as verbatim words, kept as the server or the note wrote them."""
    out, last = [], 0
    for m in _VERBATIM.finditer(str(text)):
        out += [_words(str(text)[last:m.start()]), Markup('<span class="verbatim">{}</span>').format(_words(m.group()))]
        last = m.end()
    return Markup("").join([*out, _words(str(text)[last:])])


def _words(text: str) -> Markup:
    """The identifiers of a sentence marked (see prose)."""
    out, last = [], 0
    for m in _ASCII_RUN.finditer(text):
        word = m.group()
        core = word.lstrip(_OPENERS)
        lead = word[: len(word) - len(core)]
        core = core.rstrip(_CLOSERS)
        trail = word[len(lead) + len(core):]
        if core and _LOOKS_LIKE_ID.search(core) and re.search(r"[A-Za-z0-9]", core):
            out += [escape(text[last:m.start()]), escape(lead), ident(core), escape(trail)]
        else:
            out.append(escape(text[last:m.end()]))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def verbatim(text: Any) -> Markup:
    """Lines kept as written (a configuration, a transcript, a log line): every word an
    identifier, so that a line wraps at its spaces (and after a word's own / or ,) but never
    inside a word such as `from=<alice@outside.isp.example>` or `--server`."""
    out, last = [], 0
    text = str(text)
    for m in re.finditer(r"\S+", text):
        out += [escape(text[last:m.start()]), ident(m.group())]
        last = m.end()
    return Markup("").join([*out, escape(text[last:])])


def idents(values: Any, sep: str = ", ") -> Markup:
    """Several identifiers, joined (a line may end after each separator)."""
    return Markup(escape(sep)).join(ident(v) for v in values)


def environment(**filters: Callable[..., Any]) -> Environment:
    """The templates' environment: escaping on, `id` and `ids` for identifiers, `prose` for
    sentences with identifiers in them, `verbatim` for lines kept as written, and the page's own filters."""
    env = Environment(loader=PackageLoader("lab.views", "templates"), autoescape=True)
    env.filters.update(id=ident, ids=idents, prose=prose, verbatim=verbatim, **filters)
    return env


def beside(path: Path, language: str) -> Path:
    """Where a page in `language` is written: report.html for English, report.ja.html beside
    it for Japanese (never over the English one)."""
    return path if language == "en" else path.with_name(f"{path.stem}.{language}{path.suffix}")


def pages(name: str, language: str) -> dict[str, str]:
    """The file names a page links to: itself in the other language, the report, the sheets."""
    other = "en" if language == "ja" else "ja"
    return {"other": beside(Path(name), other).name, "other_lang": other,
            "report": beside(Path("report.html"), language).name, "sheets": beside(Path("sheets.html"), language).name}
