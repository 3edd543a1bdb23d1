"""Which lines of a lab host's logs a person reads (`make logs-<host>`): the filter each log's
writer has, chosen by the syslog tag of the line. A line of a program the lab knows no filter
for is shown, and so is anything that is not a log line. Pure: lines in, a verdict out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from lab.maillogs import dnsmasq, postfix, sendmail

# "Dec  3 14:18:17 [host] [facility.priority] program[pid]: message": the program is the first
# word that ends with ":" after the time (Dovecot's "pop3(alice)<pid><session>:" too)
LINE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (?:\S+ )*?(?P<program>[^\s\[(<:]+)[^\s:]*: (?P<message>.*)$")
TAIL_HEADER = re.compile(r"^==> .+ <==$")  # tail's line before the lines of another file

# the program's name up to the first "/" (postfix/smtpd -> postfix) -> its filter
FILTERS: dict[str, Callable[[str, str], bool]] = {
    "postfix": postfix.for_people,
    "sendmail": sendmail.for_people,
    "dnsmasq": dnsmasq.for_people,
    "rsyslogd": lambda program, message: False,  # the images' syslog daemon, about itself
}


def for_people(line: str) -> bool:
    """Whether a person reads this line of a log (False: a verbose or housekeeping line)."""
    m = LINE.match(line)
    if not m:
        return True
    keep = FILTERS.get(m["program"].split("/")[0])
    return keep(m["program"], m["message"]) if keep else True


def shown(lines: Iterable[str]) -> Iterator[str]:
    """The lines of `tail -F` output a person reads, as they come: a `==> file <==` header
    only when a line of that file follows it (a file whose new lines are all hidden never
    names itself), and no empty line but the one before such a header."""
    header: str | None = None
    started = False
    for line in lines:
        if TAIL_HEADER.match(line):
            header = line
        elif line and for_people(line):
            if header is not None:
                yield from (["", header] if started else [header])
                header = None
            started = True
            yield line
