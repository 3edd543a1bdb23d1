"""Reading the lab DNS's log (dnsmasq, log-queries): which of its lines a person reads."""

from __future__ import annotations

import re

# the lab has no IPv6: every AAAA question and its empty answer, and the refusals of the
# short names a resolver tries first ("sendmail" before "sendmail.lab.example")
IPV6_NOISE = re.compile(r"^(?:query\[AAAA\] |config \S+ is NODATA-IPv6$|config error is REFUSED)")


def for_people(program: str, message: str) -> bool:
    """Whether a line dnsmasq wrote is one a person reads: its start, warnings, and each
    question (A, PTR, MX) with its answer, less the IPv6 lookups the lab never answers."""
    return not IPV6_NOISE.match(message)
