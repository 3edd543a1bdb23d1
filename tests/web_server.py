"""`make web`'s application served for tests: real uvicorn on 127.0.0.1 and a free port, in a
thread of the test process, over the labs given (a tmp results folder, or real labs)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import uvicorn

from lab.model import settings
from lab.web import app as web_app
from lab.web import tokens
from lab.web.site import Site


@dataclass
class Served:
    base: str
    tokens: tokens.Tokens
    app: object
    site: Site

    def url(self, path: str, token: str | None = None) -> str:
        return self.base + path + (("&" if "?" in path else "?") + f"token={token}" if token else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tmp_labs(root: Path, names: list[str]) -> dict[str, settings.Settings]:
    """Labs whose results live under `root` (no Docker: their pages read results/<lab>/)."""
    return {n: replace(settings.load({"LAB_NAME": n}), root=root) for n in names}


@contextmanager
def serve(site: Site, root: Path):
    kept = tokens.ensure(root, list(site.labs()))
    app = web_app.create(site, root)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web server did not start in 20 s"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", kept, app, site)
    finally:
        app.state.stopping.set()
        server.should_exit = True
        thread.join(10)
