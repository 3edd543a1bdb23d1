"""A lock file held for a while: one process at a time on this machine (subnet allocation,
the web server's tokens)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def held(path: Path, folder_mode: int = 0o777) -> Iterator[None]:
    """Hold `path` locked (created with its folder if missing) until the block ends."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=folder_mode)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
