"""Waiting on a condition, bounded: the lab's one polling loop (no fixed sleeps anywhere else).

Two forms, told apart by what a time-out means to the caller:

- `until`: the condition must come true; a time-out is an error. It raises `TimedOut`, a
  LabError of one line naming what was awaited, for how long, and the last state seen
  (as testcontainers' wait strategies do):

      waiting.until(reloaded, 15, what="Postfix to log its reload", every=0.1,
                    last=lambda: f"smtpd still running: {pids()}")
      # lab: gave up after 15 s waiting for Postfix to log its reload; last seen: ...

- `poll`: a time-out is an answer the caller goes on with (no log line yet: the session
  left none; a mail server that does not greet: it does not serve). It returns the
  condition's value, or None when time ran out.
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from lab import interrupt
from lab.errors import LabError

T = TypeVar("T")


class TimedOut(LabError):
    """A wait that must succeed ran out of time."""

    def __init__(self, what: str, timeout: float, seen: object, hint: str = "") -> None:
        self.what, self.timeout, self.seen = what, timeout, seen
        super().__init__(f"gave up after {timeout:g} s waiting for {what}; last seen: {seen}"
                         + (f"; {hint}" if hint else ""))


def poll(check: Callable[[], T | None], timeout: float, every: float = 0.2, *,
         clock: Callable[[], float] | None = None, sleep: Callable[[float], object] | None = None) -> T | None:
    """Call `check` until it returns something truthy and return that; None when `timeout`
    seconds have passed first (the caller says what that means). `check` is called at least
    once, and once more past the deadline. clock and sleep: the time it goes by (a caller's
    tests may pass their own; else time.monotonic and time.sleep). Ctrl-C ends the wait at its
    next look (lab.interrupt.Interrupted): `every` is well under a second everywhere."""
    clock, sleep = clock or time.monotonic, sleep or time.sleep
    deadline = clock() + timeout
    while True:
        interrupt.check()
        value = check()
        if value:
            return value
        if clock() > deadline:
            return None
        sleep(every)


def until(check: Callable[[], T | None], timeout: float, what: str, *, every: float = 0.2,
          last: Callable[[], object] | None = None, hint: str = "") -> T:
    """Call `check` until it returns something truthy and return that; when `timeout` seconds
    have passed first, raise TimedOut naming `what` (e.g. "Postfix to log its reload") and the
    last state seen: `last()` when given (keep it to one line), else the check's last value.
    `hint`: what the user can do, added to the message."""
    seen: list[T | None] = []

    def remembered() -> T | None:
        seen[:] = [check()]
        return seen[0]

    value = poll(remembered, timeout, every)
    if value:
        return value
    raise TimedOut(what, timeout, last() if last else seen[0], hint)
