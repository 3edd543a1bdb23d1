"""For the tests: procmail as far as the tests need it, without procmail: which folder a recipe file sends a
message to (its header conditions, matched the way procmail matches them), and the mbox
files procmail writes (mailboxes, the quarantine), message by message.

How procmail matches a header condition (procmailrc(5), and measured against procmail 3.22
in the sendmail image by tests/lab/test_sendmail_lab.py): continued header lines are joined
first (the newline before a folded line's leading blank is dropped, the blank kept), so
`authenticated\\ bits=0.*sendmail` matches across Sendmail's folded Received: field; `^`
and `$` are line anchors; `.` never crosses a line; matching is case-insensitive."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.message import Message


@dataclass(frozen=True)
class Recipe:
    conditions: tuple[tuple[bool, str], ...]  # (negated, regex)
    action: str  # a folder (file) or another action line


def unfold(header: str) -> str:
    """The header as procmail matches it: folded lines joined to their field."""
    return re.sub(r"\r?\n(?=[ \t])", " ", header.replace("\r\n", "\n"))


def recipes(rc: str) -> list[Recipe]:
    """The recipes of a procmailrc (`:0 ...` line, `*` conditions, one action line);
    assignments (LOGFILE=...) and comments are skipped."""
    found, conditions, open_recipe = [], [], False
    for raw in rc.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":0"):
            open_recipe, conditions = True, []
        elif open_recipe and line.startswith("*"):
            rest = line[1:].strip()
            negated = rest.startswith("!")
            conditions.append((negated, rest[1:].strip() if negated else rest))
        elif open_recipe:
            found.append(Recipe(tuple(conditions), line))
            open_recipe = False
    return found


def condition_matches(regex: str, header: str) -> bool:
    return re.search(regex, unfold(header), re.IGNORECASE | re.MULTILINE) is not None


def folder(rc: str, header: str, default: str) -> str:
    """Where the first recipe whose conditions all hold puts the message (else default)."""
    for recipe in recipes(rc):
        if all(condition_matches(rx, header) != negated for negated, rx in recipe.conditions):
            return recipe.action
    return default


def messages(mbox: str) -> list[Message]:
    """The messages of an mbox file: each starts at a 'From <sender> <date>' line (procmail
    quotes 'From ' at the start of a body line as '>From '); the blank line that usually
    separates two messages belongs to neither."""
    parts = re.split(r"^(?=From \S+ +\w{3} \w{3} +\d+ [\d:]+ \d{4}$)", mbox, flags=re.MULTILINE)
    found = []
    for part in parts:
        if part.startswith("From "):
            unixfrom, text = part.split("\n", 1)
            text = text[:-1] if text.endswith("\n\n") else text
            found.append(email.message_from_string(text))
            found[-1].set_unixfrom(unixfrom)  # as_string(unixfrom=True) gives the mbox entry back
    return found


def tokens(mbox: str) -> list[str]:
    """The lab tokens (X-Lab-Token header) of the messages in an mbox, in order."""
    return [m["X-Lab-Token"] for m in messages(mbox) if m["X-Lab-Token"]]
