"""Commands in a lab host through a shell that stays open, instead of one `docker exec` each.

A `docker exec` costs the engine a new process in the container's namespaces: about 60 ms
and as much CPU here, and far more on a machine a class keeps busy. A verify runs hundreds
of small commands (log marks, greps, postconf), so the lab starts one plain `sh` per host
(and per thread that needs one at the same time) with a single exec, and sends it one
command at a time over the exec's stdin: about 7 ms each.

The shell runs each command as `sh` would under `docker exec sh -c`, with its output (stdout
and stderr, as the lab always read them) in a file, and answers with a header line
`LAB-AGENT <exit code> <bytes>` and the output. Nothing of it stays: when the lab's process
ends, the exec's stdin closes; an idle shell's `read` fails and it exits (its temporary
folder removed), and a shell in the middle of a command (a probe, a wait) is told by a
watcher that reads the same stdin while the command runs: it kills the command, its
children and itself at once. Ctrl-C closes the agents in flight that way (`abandon`, run by
lab.interrupt), so that no probe of an interrupted run goes on in its container. An agent
whose container was restarted or removed has gone with it: the next command finds its
connection closed and is sent once more over a fresh one.

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

from lab import interrupt
from lab.errors import HostGone, LabError

# POSIX sh and coreutils only: every lab image has them (the DNS and Sendmail hosts have no python3)
# Its folder is in /dev/shm when it can be (a tmpfs each container start makes anew: a shell
# killed with its container leaves nothing behind), else in /tmp.
# While a command runs, the watcher `{ read; ...; kill -KILL 0; }` waits on the shell's stdin
# (kept as fd 3: an asynchronous list's own stdin is /dev/null): the lab sends nothing while it
# waits for an answer, so input there is the end of the connection - the command, its children
# and the shell are killed together (the exec runs in a process group of its own; daemons a
# command starts leave it). KILL, not TERM: a signal the watcher catches before its traps are
# reset would be lost, and the shell would wait for it for ever.
SHELL = r"""d=$(mktemp -d /dev/shm/lab-agent.XXXXXX 2>/dev/null || mktemp -d /tmp/lab-agent.XXXXXX) || exit 1
trap 'rm -rf "$d"' EXIT
exec 3<&0
while IFS= read -r line; do
  printf '%s' "$line" | base64 -d > "$d/cmd"
  sh "$d/cmd" > "$d/out" 2>&1 < /dev/null &
  cmd=$!
  { IFS= read -r _ <&3; rm -rf "$d"; kill -KILL 0; } &
  watcher=$!
  wait $cmd
  rc=$?
  { kill -KILL $watcher; wait $watcher; } 2>/dev/null
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

    def hang_up(self) -> None:
        """End the connection under a thread waiting for an answer (its read returns at once):
        the shell then kills its command (SHELL). From any thread; close() follows in the
        thread that used it."""
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


_idle: dict[Hashable, list[Agent]] = {}
_busy: set[Agent] = set()  # agents a thread is using now
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
    if mode() == "docker-exec":  # not interruptible: Ctrl-C is seen before and after
        interrupt.check()
        return exec_once(open_container(), ["sh", "-c", text])
    for attempt in (1, 2):
        interrupt.check()
        agent, fresh = _take(key, open_container)
        try:
            interrupt.check()  # now that it is busy: abandon() hangs it up, or this sees the stop
            code, output = agent.call(text)
        except Gone as exc:
            _drop(agent)
            interrupt.check()  # hung up by abandon(): Ctrl-C, not a fault of the container
            if fresh or attempt == 2:  # a new connection failed too: the container is not there
                raise HostGone(f"the container stopped while running {text[:60]!r}: {exc}") from None
            forget(key)  # kept from before: its container restarted since, and took the others too
            continue
        except BaseException:  # Ctrl-C midway: KeyboardInterrupt (main thread) or Interrupted
            _drop(agent)
            raise
        _give_back(key, agent)
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


def _take(key: Hashable, open_container: Callable[[], object]) -> tuple[Agent, bool]:
    """An idle agent kept under `key`, else a new one (fresh: True); busy from now on."""
    with _lock:
        pool = _idle.get(key) or []
        agent = pool.pop() if pool else None
    fresh = agent is None
    if agent is None:
        try:
            agent = Agent(open_container())
        except Gone as exc:
            raise HostGone(f"cannot run a command in the container: {exc}") from None
    with _lock:
        _busy.add(agent)
    return agent, fresh


def _give_back(key: Hashable, agent: Agent) -> None:
    """Idle again: kept under `key` for the next command (closed if enough are kept)."""
    with _lock:
        _busy.discard(agent)
        pool = _idle.setdefault(key, [])
        if len(pool) < IDLE_PER_HOST:
            pool.append(agent)
            return
    agent.close()


def _drop(agent: Agent) -> None:
    with _lock:
        _busy.discard(agent)
    agent.close()


def forget(key: Hashable | None = None) -> None:
    """Close the agents kept under `key` (all of them: None)."""
    with _lock:
        keys = list(_idle) if key is None else [key]
        dropped = [a for k in keys for a in _idle.pop(k, [])]
    for agent in dropped:
        agent.close()


def abandon() -> None:
    """Ctrl-C (lab.interrupt): hang up every agent in flight - its command is killed in its
    container, and the thread waiting for it gets Interrupted - and close the idle ones."""
    with _lock:
        busy = list(_busy)
    for agent in busy:
        agent.hang_up()
    forget()


interrupt.on_cancel(abandon)
