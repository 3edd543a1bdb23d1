"""A line for a person on stderr: wrapped at spaces on a terminal, whole elsewhere."""

from __future__ import annotations

import re
import shutil
import sys

# a word of a message: a quoted command ('LAB_NAME=x make lab-up') counts as one, never split
_WORD = re.compile(r"'[^']*'\S*|\S+")


def said(line: str, width: int | None = None) -> str:
    """A message for stderr: on a terminal, wrapped at spaces to its width (a quoted command
    kept whole, continuation lines indented); elsewhere (a pipe, a log, CI) one line."""
    if width is None:
        if not sys.stderr.isatty():
            return line
        width = shutil.get_terminal_size((100, 24)).columns
    lines, current = [], ""
    for word in _WORD.findall(line):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = "    " + word
        else:
            current = f"{current} {word}" if current else word
    return "\n".join(lines + [current])
