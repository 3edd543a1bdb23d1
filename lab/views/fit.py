"""Fitting a table into the width a terminal has, without ever breaking a word.

Cells wrap only at spaces (an address, a path, a restriction's table stays whole), and a row
takes at most two lines. `widths()` finds column widths for that, giving spare width where it
saves the most lines; when no column widths fit, `band()` sets each row on two lines of its
own: the first columns on line one, the rest below, indented. Layout only: it knows nothing
about probes or mail."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

GAP = 2  # spaces between two columns


@dataclass
class Column:
    header: str
    cells: list[Text] = field(default_factory=list)
    wrap: bool = True  # may a cell go onto a second line (at a space)

    def full(self) -> int:
        """The width that sets every cell, and the header, on one line."""
        return max([cell_len(self.header)] + [cell_len(c.plain) for c in self.cells])

    def words(self) -> int:
        """The narrowest width that breaks no word (and keeps the header on one line)."""
        if not self.wrap:
            return self.full()
        return max([cell_len(self.header)] + [cell_len(w) for c in self.cells for w in c.plain.split()])

    def least(self, console: Console, lines: int = 2) -> int:
        """The narrowest width at which no cell takes more than `lines` lines, no word is
        broken, and the header stays on one line."""
        width = self.words()
        while any(height(console, c, width) > lines for c in self.cells):
            width += 1
        return width


def height(console: Console, text: Text, width: int) -> int:
    return len(text.wrap(console, width)) if text.plain else 1


def row_lines(console: Console, columns: list[Column], widths: list[int]) -> int:
    """How many lines the rows take at these widths, all rows together."""
    rows = len(columns[0].cells)
    return sum(max(height(console, c.cells[r], w) for c, w in zip(columns, widths)) for r in range(rows))


def total(widths: list[int]) -> int:
    return sum(widths) + GAP * (len(widths) - 1)


def cell_lines(console: Console, columns: list[Column], widths: list[int]) -> int:
    return sum(height(console, cell, w) for c, w in zip(columns, widths) for cell in c.cells)


def widths(console: Console, columns: list[Column], width: int) -> list[int] | None:
    """Column widths within `width` at which every row takes at most two lines, or None.
    Spare width goes, a step at a time, where it saves the most lines per column added:
    whole rows first, then single cells (a row gets shorter only once all its cells do)."""
    full = [c.full() for c in columns]
    if total(full) <= width:
        return full
    chosen = [c.least(console) for c in columns]
    spare = width - total(chosen)
    if spare < 0:
        return None

    def cost(ws: list[int]) -> int:
        return row_lines(console, columns, ws) * (len(columns) + 1) + cell_lines(console, columns, ws)

    now = cost(chosen)
    while True:
        best = None  # (saved per column of width added, column, new width, cost then)
        for i, column in enumerate(columns):
            for step in sorted({cell_len(c.plain) for c in column.cells if chosen[i] < cell_len(c.plain) <= chosen[i] + spare}):
                after = cost(chosen[:i] + [step] + chosen[i + 1:])
                if after < now and (best is None or (now - after) / (step - chosen[i]) > best[0]):
                    best = ((now - after) / (step - chosen[i]), i, step, after)
        if best is None:
            return chosen
        _, i, step, now = best
        spare -= step - chosen[i]
        chosen[i] = step


def squeeze(columns: list[Column], width: int, order: list[int]) -> list[int]:
    """Widths for rows of any height: every column as wide as its longest cell, then the
    columns in `order` narrowed, one after the other, down to their longest word until the
    table fits. (Still too wide: rich breaks what it must.)"""
    chosen = [c.full() for c in columns]
    for i in order:
        excess = total(chosen) - width
        if excess <= 0:
            break
        chosen[i] = max(columns[i].words(), chosen[i] - excess)
    return chosen


def table(columns: list[Column], widths: list[int] | None = None) -> Table:
    """The columns as a table with a rule under the headers, at these widths (None: as rich
    likes), each cell wrapped at spaces within its column."""
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for n, c in enumerate(columns):
        t.add_column(c.header, no_wrap=not c.wrap, overflow="fold", min_width=c.words(),
                     width=widths[n] if widths else None)
    for r in range(len(columns[0].cells)):
        t.add_row(*(c.cells[r] for c in columns))
    return t


def _padded(cells: list[Text], widths: list[int]) -> Text:
    line = Text()
    for n, (cell, w) in enumerate(zip(cells, widths)):
        piece = cell.copy()
        if n < len(cells) - 1:
            piece.pad_right(w - cell_len(piece.plain) + GAP)
        line.append_text(piece)
    return line


def band_start(first: list[Column], second: list[Column], width: int, indent: int = 2) -> int:
    """Where band() starts the last of the `second` columns on a row's second line."""
    below = [c.full() for c in second[:-1]]
    start = indent + total(below) + GAP if below else indent
    aligned = first[0].full() + GAP
    return aligned if aligned >= start and aligned + second[-1].full() <= width else start


def band_lines(console: Console, first: list[Column], second: list[Column], width: int, indent: int = 2) -> int:
    """The most lines band() gives a row (None-like large when the first line cannot fit)."""
    if total([c.full() for c in first]) > width:
        return 1 << 16
    room = max(width - band_start(first, second, width, indent), 1)
    return 1 + max(height(console, cell, room) for cell in second[-1].cells)


def band(console: Console, first: list[Column], second: list[Column], width: int, indent: int = 2) -> Group:
    """Each row as two lines: the `first` columns side by side, then, indented, the `second`
    ones; the last of them takes the rest of the line (aligned under the second column of
    line one when it fits there), and wraps at spaces only if even that is too narrow."""
    top = [c.full() for c in first]
    below = [c.full() for c in second[:-1]]
    start = band_start(first, second, width, indent)
    last = second[-1].full()
    room = max(width - start, 1)
    out = [_padded([Text(c.header, style="bold") for c in first], top)]
    out.append(Text(" " * indent) + _padded([Text(c.header, style="bold") for c in second[:-1]], below)
               if below else Text(" " * indent))
    out[-1].pad_right(start - cell_len(out[-1].plain))
    out[-1].append(second[-1].header, style="bold")
    out.append(Text("─" * min(width, max(total(top), start + last)), style="dim"))
    for r in range(len(first[0].cells)):
        out.append(_padded([c.cells[r] for c in first], top))
        line = Text(" " * indent) + (_padded([c.cells[r] for c in second[:-1]], below) if below else Text())
        line.pad_right(start - cell_len(line.plain))
        wrapped = second[-1].cells[r].wrap(console, room)
        line.append_text(wrapped[0])
        out.append(line)
        out += [Text(" " * start) + more for more in wrapped[1:]]
    return Group(*out)


def records(first: list[Column], rest: list[Column], indent: int = 4) -> Group:
    """Each row as a short record, for every column at any width: the `first` columns side by
    side, then one indented "header  value" line for each of the `rest` (a value that wraps
    stays under itself)."""
    top = [c.full() for c in first]
    label = max(cell_len(c.header) for c in rest)
    out: list[Text | Table] = [_padded([Text(c.header, style="bold") for c in first], top),
                               Text("─" * total(top), style="dim")]
    for r in range(len(first[0].cells)):
        out.append(_padded([c.cells[r] for c in first], top))
        grid = Table.grid(padding=(0, GAP, 0, 0))
        grid.add_column(no_wrap=True, min_width=indent + label)
        grid.add_column()
        for c in rest:
            grid.add_row(Text(" " * indent + c.header, style="dim"), c.cells[r])
        out.append(grid)
    return Group(*out)
