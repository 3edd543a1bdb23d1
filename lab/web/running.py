"""Whether a `make web` runs, and where: results/web/server.json (mode 0600) while it does,
so that `make class-up` can print each student's link."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lab.web import tokens


def server_file(root: Path) -> Path:
    return tokens.folder(root) / "server.json"


@contextmanager
def announced(root: Path, url: str, cls: str | None) -> Iterator[None]:
    """The server's file, there while the block runs."""
    path = server_file(root)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "pid": os.getpid(), "class": cls}, f)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def found(root: Path) -> dict[str, object] | None:
    """The running server's {url, pid, class}, or None when none runs."""
    try:
        data = json.loads(server_file(root).read_text())
        os.kill(int(data["pid"]), 0)
        return dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def student_links(root: Path, cls: str, names: list[str]) -> list[str]:
    """'<lab>: <url>' for each lab, when a server for this class runs (tokens made as needed); else []."""
    server = found(root)
    if not server or server.get("class") != cls:
        return []
    kept = tokens.ensure(root, names)
    return [f"{name}: {server['url']}/lab/{name}?token={kept.labs[name]}" for name in names]
