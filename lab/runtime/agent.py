"""Commands in a lab host through a shell that stays open, instead of one `docker exec` each.

A `docker exec` costs the engine a new process in the container's namespaces: about 60 ms
and as much CPU here, and far more on a machine a class keeps busy. A verify runs hundreds
of small commands (log marks, greps, postconf), so the lab starts one plain `sh` per host
(and per thread that needs one at the same time) with a single exec, and sends it one
command at a time over the exec's stdin: about 7 ms each.

The shell runs each command as `sh` would under `docker exec sh -c`, with its output (stdout
and stderr, as the lab always read them) in a file, and answers with a header line
`LAB-AGENT <exit code> <bytes>` and the output. Nothing of it stays: when the lab's process
ends, the exec's stdin closes, the shell's `read` fails and it exits (its temporary folder
removed). An agent whose container was restarted or removed has gone with it: the next
command finds its connection closed and is sent once more over a fresh one.

LAB_EXEC=docker-exec turns it off: one `docker exec` per command, as before (`make bench`
measures the matrix both ways)."""

from __future__ import annotations

import base64
import os
import shlex
import socket
import struct
import threading
from collections.abc import Callable, Hashable, Sequence

import docker.errors
from docker.models.containers import Container

from lab.errors import HostGone, LabError

# POSIX sh and coreutils only: every lab image has them (the DNS and Sendmail hosts have no python3)
# Its folder is in /dev/shm when it can be (a tmpfs each container start makes anew: a shell
# killed with its container leaves nothing behind), else in /tmp.
SHELL = r"""d=$(mktemp -d /dev/shm/lab-agent.XXXXXX 2>/dev/null || mktemp -d /tmp/lab-agent.XXXXXX) || exit 1
trap 'rm -rf "$d"' EXIT
while IFS= read -r line; do
  printf '%s' "$line" | base64 -d > "$d/cmd"
  sh "$d/cmd" > "$d/out" 2>&1 < /dev/null
  rc=$?
  printf 'LAB-AGENT %s %s\n' "$rc" "$(wc -c < "$d/out")"
  cat "$d/out"
  : > "$d/out"
done"""
HEADER = b"LAB-AGENT "
MODES = ("agent", "docker-exec")  # LAB_EXEC
IDLE_PER_HOST = 8  # agents kept open per host (the most probe lanes and fate searches at once)


class Gone(Exception):
    """The agent's connection closed (its container stopped, restarted or was removed)."""


class Agent:
    """One open shell in one container; one command at a time."""

    def __init__(self, container: Container) -> None:
        api = container.client.api
        try:
            exec_id = api.exec_create(container.id, ["sh", "-c", SHELL], stdin=True, stdout=True, stderr=True,
                                      tty=False)["Id"]
            hijacked = api.exec_start(exec_id, socket=True)
        except docker.errors.APIError as exc:
            raise Gone(str(exc)) from None
        self._socket: socket.socket = getattr(hijacked, "_sock", hijacked)
        self._keep = hijacked  # the SocketIO wrapper owns the socket: closing it closes both
        self._stdout = b""  # what the shell wrote and was not read yet
        self._stderr = b""

    def call(self, script: str) -> tuple[int, bytes]:
        try:
            self._socket.sendall(base64.b64encode(script.encode()) + b"\n")
            while b"\n" not in self._stdout:
                self._frame()
            head, _, self._stdout = self._stdout.partition(b"\n")
            if not head.startswith(HEADER):
                raise Gone(f"the shell answered {head[:80]!r}")
            code, size = (int(x) for x in head[len(HEADER):].split())
            while len(self._stdout) < size:
                self._frame()
            output, self._stdout = self._stdout[:size], self._stdout[size:]
            return code, output
        except (OSError, ValueError) as exc:  # reset, broken pipe, timeout, a garbled header
            raise Gone(str(exc)) from None

    def _frame(self) -> None:
        """Read one frame of the exec's stream (8-byte header: stream, 0, 0, 0, size)."""
        stream, _, _, _, size = struct.unpack(">BBBBI", self._read(8))
        data = self._read(size)
        if stream == 2:
            self._stderr = (self._stderr + data)[-2000:]
        else:
            self._stdout += data

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self._socket.recv(size - len(data))
            if not chunk:
                raise Gone(self._stderr.decode(errors="replace").strip() or "connection closed")
            data += chunk
        return data

    def close(self) -> None:
        for closing in (self._keep, self._socket):
            try:
                closing.close()
            except OSError:
                pass


_idle: dict[Hashable, list[Agent]] = {}
_lock = threading.Lock()


def script(command: Sequence[str] | str) -> str:
    """What the shell runs: a string as it is (as `sh -c` would), a list word for word."""
    return command if isinstance(command, str) else shlex.join(command)


def mode() -> str:
    chosen = os.environ.get("LAB_EXEC") or MODES[0]
    if chosen not in MODES:
        raise LabError(f"LAB_EXEC={chosen!r}: use {' or '.join(MODES)}")
    return chosen


def run(key: Hashable, open_container: Callable[[], Container], command: Sequence[str] | str) -> tuple[int, str]:
    """Run a command in the container `open_container()` returns, through an agent kept under
    `key` (e.g. engine, project and host): (exit code, output)."""
    text = script(command)
    if mode() == "docker-exec":
        return exec_once(open_container(), ["sh", "-c", text])
    for attempt in (1, 2):
        with _lock:
            pool = _idle.get(key) or []
            agent = pool.pop() if pool else None
        fresh = agent is None
        if agent is None:
            try:
                agent = Agent(open_container())
            except Gone as exc:
                raise HostGone(f"cannot run a command in the container: {exc}") from None
        try:
            code, output = agent.call(text)
        except Gone as exc:
            agent.close()
            if fresh or attempt == 2:  # a new connection failed too: the container is not there
                raise HostGone(f"the container stopped while running {text[:60]!r}: {exc}") from None
            forget(key)  # kept from before: its container restarted since, and took the others too
            continue
        with _lock:
            pool = _idle.setdefault(key, [])
            if len(pool) < IDLE_PER_HOST:
                pool.append(agent)
                agent = None
        if agent is not None:
            agent.close()
        return code, output.decode(errors="replace")
    raise AssertionError("unreachable")


def exec_once(container: Container, argv: Sequence[str], user: str = "root") -> tuple[int, str]:
    """One `docker exec` of argv, no agent: (exit code, output). A container removed or
    stopped meanwhile is a LabError, as it is through an agent."""
    try:
        result = container.exec_run(list(argv), user=user, demux=False)
    except docker.errors.APIError as exc:  # NotFound: removed; 409: not running
        raise HostGone(f"cannot run a command in the container: {exc.explanation or exc}") from None
    return result.exit_code, (result.output or b"").decode(errors="replace")


def forget(key: Hashable | None = None) -> None:
    """Close the agents kept under `key` (all of them: None)."""
    with _lock:
        keys = list(_idle) if key is None else [key]
        dropped = [a for k in keys for a in _idle.pop(k, [])]
    for agent in dropped:
        agent.close()
