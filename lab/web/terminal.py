"""A terminal in the page: a WebSocket to a login shell in one of the lab's own hosts, through
`docker exec` with a TTY (as `make shell-<host>`), on the engine the lab lives on.

    WS /api/labs/<lab>/terminal/<host>   text frames both ways: keystrokes in, the terminal's
                                         output out; a JSON frame {"resize": [cols, rows]}

The upgrade is checked like every request (the lab's token; an Origin, when the browser sends
one, must be this server's) before anything runs; the host is looked up in the lab's topology
(anything else: 404). At most PER_LAB terminals a lab (429). When the page goes (the tab
closed, the socket dropped), every process the shell started is ended: each carries a marker
in its environment, and the host's own agent kills them."""

from __future__ import annotations

import asyncio
import codecs
import json
import secrets
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from lab.errors import LabError
from lab.model.settings import Settings
from lab.runtime import engine, hostexec
from lab.web import guard
from lab.web.site import NotFound, Site

PER_LAB = 4  # terminals open at once in one lab
SHELL = ["bash", "-l"]
MARK = "LAB_TERMINAL"  # the environment variable every process of one terminal carries
READ = 65536  # bytes read from the shell at a time
STOP_LOOK = 0.2  # seconds between two looks at whether the server stops
HANG_UP = ("pids=$(for p in /proc/[0-9]*; do grep -qzx {mark} $p/environ 2>/dev/null && echo ${{p#/proc/}}; done); "
           "[ -z \"$pids\" ] || kill -KILL $pids 2>/dev/null; true")  # every process of the terminal, at once


@dataclass
class Terminals:
    """How many terminals each lab has open (PER_LAB at most)."""
    open: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def one(self, lab: str) -> Iterator[None]:
        with self._lock:
            if self.open.get(lab, 0) >= PER_LAB:
                raise HTTPException(429, f"lab {lab} has {PER_LAB} terminals open already: close one first")
            self.open[lab] = self.open.get(lab, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self.open[lab] -= 1


@dataclass
class Shell:
    """A login shell in a host, its TTY as a socket. The socket is read and written by two
    threads of its own (never the server's shared pool: a terminal waits on its socket for as
    long as it is open, and a class has many)."""
    s: Settings
    host: str
    marker: str
    exec_id: str
    sock: socket.socket
    threads: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="web-terminal"))

    async def read(self) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.threads, self.sock.recv, READ)

    async def write(self, data: bytes) -> None:
        await asyncio.get_running_loop().run_in_executor(self.threads, self.sock.sendall, data)

    @classmethod
    def start(cls, s: Settings, host: str, cols: int = 80, rows: int = 24) -> Shell:
        marker = secrets.token_hex(8)
        with engine.using(s.docker_host):
            container = hostexec.container(s, host)
            api = engine.client().api
            exec_id = api.exec_create(container.id, SHELL, stdin=True, tty=True,
                                      environment={"TERM": "xterm-256color", MARK: marker,
                                                   "COLUMNS": str(cols), "LINES": str(rows)})["Id"]
            raw: Any = api.exec_start(exec_id, tty=True, socket=True)
        sock: socket.socket = getattr(raw, "_sock", raw)
        sock.settimeout(None)
        return cls(s, host, marker, exec_id, sock)

    def resize(self, cols: int, rows: int) -> None:
        with engine.using(self.s.docker_host):
            engine.client().api.exec_resize(self.exec_id, height=rows, width=cols)

    def close(self) -> None:
        """The socket closed, and every process of this terminal killed."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.threads.shutdown(wait=False)
        with engine.using(self.s.docker_host):
            try:
                hostexec.run(self.s, self.host, HANG_UP.format(mark=f"{MARK}={self.marker}"))
            except LabError:
                pass  # the host is gone: so are the shell's processes


def size(frame: str) -> tuple[int, int] | None:
    """(cols, rows) of a {"resize": [cols, rows]} frame, else None (keystrokes)."""
    if not frame.startswith('{"resize"'):
        return None
    try:
        cols, rows = json.loads(frame)["resize"]
        return max(2, min(int(cols), 500)), max(2, min(int(rows), 200))
    except (ValueError, TypeError, KeyError):
        return None


def refusal(exc: HTTPException | LabError) -> tuple[int, str]:
    """The status and sentence an upgrade is refused with."""
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    return (404 if isinstance(exc, NotFound) else 409), str(exc).splitlines()[0]  # 409: e.g. the host is not running


async def deny(websocket: WebSocket, code: int, said: str) -> None:
    """Refuse the upgrade with an HTTP status and one sentence (a close code 4000+status
    where the server cannot send a response instead)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse({"error": said}, status_code=code))
    else:
        await websocket.close(code=4000 + code, reason=said[:120])


async def _pump_out(websocket: WebSocket, shell: Shell) -> None:
    """The shell's output to the page, until the shell ends."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        chunk = await shell.read()
        if not chunk:
            return
        await websocket.send_text(decoder.decode(chunk))


async def _pump_in(websocket: WebSocket, shell: Shell) -> None:
    """The page's keystrokes (and sizes) to the shell, until the page goes."""
    while True:
        frame = await websocket.receive_text()
        wanted = size(frame)
        if wanted:
            await asyncio.to_thread(shell.resize, *wanted)
        else:
            await shell.write(frame.encode())


async def connect(websocket: WebSocket) -> None:
    name, host = websocket.path_params["lab"], websocket.path_params["host"]
    site: Site = websocket.app.state.site
    try:
        guard.lab(websocket, name)
        guard.websocket_origin(websocket)
        s = site.lab(name)
        site.host(s, host)
        with websocket.app.state.terminals.one(s.name):
            shell = await asyncio.to_thread(Shell.start, s, host)
            await websocket.accept()
            await _session(websocket, shell)
    except (HTTPException, LabError) as exc:
        await deny(websocket, *refusal(exc))


async def _until_stopped(websocket: WebSocket) -> None:
    """Returns when the server stops (Ctrl-C): the shell ends at once, not after the grace."""
    while not websocket.app.state.stopping.is_set():
        await asyncio.sleep(STOP_LOOK)


async def _session(websocket: WebSocket, shell: Shell) -> None:
    tasks = [asyncio.ensure_future(_pump_out(websocket, shell)), asyncio.ensure_future(_pump_in(websocket, shell)),
             asyncio.ensure_future(_until_stopped(websocket))]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t.exception() and not isinstance(t.exception(), (WebSocketDisconnect, OSError)):
                raise t.exception()  # type: ignore[misc]
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.to_thread(shell.close)
        try:
            await websocket.close(1000, "the shell ended")
        except (RuntimeError, WebSocketDisconnect):
            pass  # the page closed it first


async def nowhere(websocket: WebSocket) -> None:
    """A terminal address that names no host (`../../etc/passwd` decoded into more of a path):
    401/403 as anywhere, then 404."""
    name = websocket.path_params["lab"]
    try:
        guard.lab(websocket, name)
        raise NotFound(f"no host {websocket.path_params['rest']!r} in lab {name}: a terminal is "
                       f"/api/labs/{name}/terminal/<host>")
    except (HTTPException, LabError) as exc:
        await deny(websocket, *refusal(exc))
