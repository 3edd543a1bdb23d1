"""Prose for a terminal: every line the lab prints outside its tables, wrapped to the width
the terminal has, at spaces only - never inside a word, and never inside a command the lab
prints (`LAB_NAME=student07 make verify-method1 WIDE=1` stays on one line, to be pasted
whole). Japanese, which has no spaces, may also break between its wide characters. A piece
wider than the whole line (a command longer than the terminal) gets a line of its own.

    console.print(Prose("run it: LAB_NAME=student07 make verify-method1", hang=4))

Layout only: it knows the shape of a command, nothing about what the commands do."""

from __future__ import annotations

import io

import re
import unicodedata
from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

# a command as the lab prints it: VAR=value words, then make with one target and its
# VAR=value arguments, or the lab's Python and its arguments
COMMAND = re.compile(r"(?:\b[A-Z][A-Z0-9_]*=\S+ )*(?:\bmake(?: [a-z0-9][\w<>.-]*)?(?: [A-Z][A-Z0-9_]*=\S+)*"
                     r"|\S*python\S* -m lab\b(?: [^\s;,()'\"]+)*)")
NO_BREAK_BEFORE = set("、。，．,.）)」』】〕！？!?：:；;ー・")  # Japanese line-breaking rules, the common part
NO_BREAK_AFTER = set("（(「『【〔")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def pieces(plain: str) -> list[tuple[int, int]]:
    """(start, end) of each piece a line may not be broken inside, in order: words, whole
    commands, and single wide characters (between which Japanese may break)."""
    glued = [False] * len(plain)
    for m in COMMAND.finditer(plain):
        for i in range(m.start(), m.end()):
            glued[i] = True
    out: list[tuple[int, int]] = []
    start = None
    for i, ch in enumerate(plain):
        if ch == " " and not glued[i]:
            if start is not None:
                out.append((start, i))
                start = None
            continue
        if start is not None and not glued[i] and _breakable(plain[i - 1], ch):
            out.append((start, i))
            start = None
        if start is None:
            start = i
    if start is not None:
        out.append((start, len(plain)))
    return out


def _breakable(before: str, ch: str) -> bool:
    """May a line break between these two characters that no space separates?"""
    return (_wide(before) or _wide(ch)) and ch not in NO_BREAK_BEFORE and before not in NO_BREAK_AFTER


def wrap(text: Text | str, width: int, hang: int | None = None) -> list[Text]:
    """One line of prose as lines of at most `width` cells, broken only between pieces();
    each line after the first starts with `hang` spaces (default: the line's own indent)."""
    text = Text(text) if isinstance(text, str) else text
    plain = text.plain
    found = pieces(plain)
    if not found:
        return [text]
    indent = found[0][0]
    hang = indent if hang is None else hang
    lines: list[tuple[int, Text]] = []
    line_start, line_end, room, indent = 0, found[0][1], width - cell_len(plain[:found[0][1]]), 0
    for start, end in found[1:]:
        size = cell_len(plain[line_end:end])  # the gap before the piece, and the piece
        if size <= room:
            line_end, room = end, room - size
            continue
        lines.append((indent, text[line_start:line_end]))
        # a piece that fits the width but not after the hang starts further left
        indent = max(0, min(hang, width - cell_len(plain[start:end])))
        line_start, line_end = start, end
        room = width - indent - cell_len(plain[start:end])
    lines.append((indent, text[line_start:line_end]))
    return [Text(" " * indent) + line for indent, line in lines]


class Prose:
    """Lines of text (markup allowed in a str) wrapped to the width they are rendered at, as
    wrap() does; `hang`: the indent of a wrapped line's continuation (default: its own
    indent). It measures itself, so a table's column of Prose keeps commands whole too."""

    def __init__(self, text: Text | str, hang: int | None = None, style: str = "", markup: bool = True):
        self.text = text if isinstance(text, Text) else Text.from_markup(text) if markup else Text(text)
        if style:
            self.text.stylize(style)
        self.hang = hang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for line in self.text.split("\n", allow_blank=True):
            for piece in wrap(line, options.max_width, self.hang):
                piece.no_wrap, piece.overflow, piece.end = True, "ignore", "\n"
                yield piece

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        longest = max((cell_len(plain[s:e]) for line in plain.split("\n") for s, e in pieces(line)), default=0)
        widest = max((cell_len(line) for line in plain.split("\n")), default=0)
        return Measurement(min(longest + (self.hang or 0), options.max_width), min(widest, options.max_width))


def columns(rows: list[tuple[Text | str, ...]], indent: int = 0, gap: int = 2) -> RenderableType:
    """Rows side by side, every column as wide as its widest cell but the last, which takes the
    rest of the line and wraps as Prose does (under itself); `indent` spaces before each row."""
    grid = Table.grid(padding=(0, gap, 0, 0), pad_edge=False)
    count = max((len(r) for r in rows), default=1)
    for n in range(count):
        grid.add_column(no_wrap=n < count - 1)
    for row in rows:
        cells = [c if isinstance(c, Text) else Text(c) for c in row] + [Text("")] * (count - len(row))
        grid.add_row(*cells[:-1], Prose(cells[-1]))
    return Padding(grid, (0, 0, 0, indent)) if indent else grid


def say(console: Console, text: Text | str, hang: int | None = None, style: str = "", markup: bool = True) -> None:
    """Print prose wrapped to the terminal's width (a piece wider than the terminal is left to
    the terminal to fold, never cut: a pasted command stays whole). Not to a terminal (a pipe,
    a file, CI): a line of text stays one line, for grep."""
    if console.is_terminal:
        console.print(Prose(text, hang, markup=markup), style=style or None, crop=False)
    else:
        console.print(Prose(text, markup=markup).text, style=style or None, soft_wrap=True)


def plain(renderable: RenderableType, width: int = 200) -> str:
    """What a renderable says as plain text, lines as wide as `width` allows (a web page
    wraps it itself): no colours, no terminal."""
    console = Console(width=width, color_system=None, force_terminal=False, file=io.StringIO(), record=True)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"
