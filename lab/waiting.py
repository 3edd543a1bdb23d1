"""Waiting on a condition, bounded: the lab's one polling loop (no fixed sleeps anywhere else)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def until(check: Callable[[], T], timeout: float, every: float = 0.2) -> T:
    """Call `check` until it returns something truthy or `timeout` seconds have passed, and
    return its last value (falsy on time-out: the caller says what that means)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)
