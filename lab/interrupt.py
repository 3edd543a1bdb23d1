"""Ctrl-C: a lab command stops at once, says in one line what it stopped and how it leaves
the lab, and exits 130.

Python raises KeyboardInterrupt in the main thread only, and cannot end a thread; but the
lab's work runs in worker threads too (probe lanes, a stream per server under test, a
class's labs). So Ctrl-C becomes a cancellation those threads observe:

- `install()` (lab.errors.exit_status, at each command's start): SIGINT still raises
  KeyboardInterrupt in the main thread, and also wakes a watcher thread (signal's wakeup
  fd) that calls `cancel()`: `stopping` is set and every abort registered with `on_cancel`
  runs (lab.runtime.agent hangs up the shells in flight, which kill their command in the
  container; processes started with `run()` or registered with `ending()` are terminated);
- worker threads `check()` between steps (every command in a lab host, every poll of
  lab.waiting.until), and `sleep()` wakes at once: both raise `Interrupted`;
- `pool()` is a ThreadPoolExecutor that drops its queued work when the block is left by
  an interruption, without waiting for the threads (`stopped()` waits, bounded); `run()`
  is subprocess.run whose process Ctrl-C ends from any thread;
- what is under way and what state a stop would leave are noted as they change
  (`under_way`, `leaves`; a class: `story`), so that `stopped()` can say it.

A second Ctrl-C ends the process at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from lab.lines import said

EXIT_STATUS = 130  # 128 + SIGINT, what a shell reports for a command ended by Ctrl-C
GRACE = 1.5  # seconds from Ctrl-C for the worker threads to end before the process ends without them

stopping = threading.Event()
_aborts: list[Callable[[], None]] = []  # what cancel() calls (on_cancel)
_children: set[subprocess.Popen] = set()  # processes started with run()
_under_way: dict[str, str] = {}  # key -> what Ctrl-C would stop
_left: dict[str, tuple[str, str]] = {}  # key -> (the state Ctrl-C would leave, what to do about it)
_story: list[Callable[[], str]] = []  # tells the whole story instead of the notes (a class)
_lock = threading.Lock()
_since = 0.0  # when the cancellation began
_installed = False
_raised = False  # KeyboardInterrupt raised in the main thread


class Interrupted(BaseException):
    """Raised in a worker thread once Ctrl-C came. A BaseException, as KeyboardInterrupt is:
    an `except Exception` that turns failures into a row of results lets it through."""


def install() -> None:
    """Turn SIGINT into a cancellation (from the main thread, once per process)."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _installed = True
    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    signal.signal(signal.SIGINT, _on_sigint)
    threading.Thread(target=_watch, args=(read,), name="lab-ctrl-c", daemon=True).start()


def _watch(read: int) -> None:
    """The watcher thread. Python's own handler runs in the main thread only, and only once
    that thread runs Python again: when the kernel gave the signal to another thread, a main
    thread waiting for a worker would not. The wakeup fd is written to at once, whichever
    thread the signal hit; so cancel() comes at once, and ends what the main thread waits for."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # the kernel gives it to another thread
    presses = 0
    while chunk := os.read(read, 64):
        if signal.getsignal(signal.SIGINT) is not _on_sigint:
            continue  # another handler has Ctrl-C for now (uvicorn's, while make web serves)
        presses += chunk.count(signal.SIGINT)
        if presses > 1:
            os.write(2, b"\nlab: Ctrl-C again: ended at once\n")
            os._exit(EXIT_STATUS)
        if presses:
            cancel()


def _on_sigint(signum: int, frame: object) -> None:
    """The main thread's handler: KeyboardInterrupt, once (a second Ctrl-C is the watcher's)."""
    global _raised
    if not _raised:
        _raised = True
        raise KeyboardInterrupt


def on_cancel(abort: Callable[[], None]) -> None:
    """Call `abort` when Ctrl-C comes (from the watcher thread: it may take locks)."""
    _aborts.append(abort)


def cancel() -> None:
    """Stop everything under way: set `stopping`, run the aborts (once)."""
    global _since
    with _lock:
        if stopping.is_set():
            return
        _since = time.monotonic()
        stopping.set()
    for abort in _aborts:
        abort()


def check() -> None:
    """Between two steps of a worker: raise Interrupted once Ctrl-C came."""
    if stopping.is_set():
        raise Interrupted


def sleep(seconds: float) -> None:
    """time.sleep that Ctrl-C ends at once (raising Interrupted)."""
    if stopping.wait(seconds):
        raise Interrupted


def run(argv: list[str], *, capture_output: bool = False, timeout: float | None = None,
        **popen: Any) -> subprocess.CompletedProcess:
    """subprocess.run that Ctrl-C ends from any thread: the process is terminated (a program
    that finishes its work after SIGINT - docker-compose does - would go on after the lab has
    gone) and Interrupted is raised."""
    if capture_output:
        popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with subprocess.Popen(argv, **popen) as process, ending(process):
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException:  # a time-out, or KeyboardInterrupt in the main thread
            process.kill()
            raise
    check()
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


@contextmanager
def ending(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """While the block runs, Ctrl-C terminates `process`."""
    with _lock:
        _children.add(process)
    try:
        if stopping.is_set():
            process.terminate()
        yield process
    finally:
        with _lock:
            _children.discard(process)


def _end_children() -> None:
    with _lock:
        children = list(_children)
    for child in children:
        child.terminate()


on_cancel(_end_children)


@contextmanager
def pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A ThreadPoolExecutor for a `with` block. Left by an error: the work not yet started is
    dropped; by Ctrl-C: also not waited for (its threads stop at their next check)."""
    executor = ThreadPoolExecutor(max_workers=workers)
    try:
        yield executor
    except (KeyboardInterrupt, Interrupted):
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def under_way(key: str, what: str | None) -> None:
    """What is under way now, as Ctrl-C's line would name it - e.g. under_way("run of method1",
    "the run of method1 (3 of 8 probes done; not saved)"); None: finished."""
    with _lock:
        if what is None:
            _under_way.pop(key, None)
        else:
            _under_way[key] = what


def leaves(key: str, state: str | None, then: str = "") -> None:
    """The state a stop now leaves `key` in, and what to do about it - e.g. leaves("postfix",
    "postfix has method1 half applied", then="the next apply starts from the baseline");
    None: nothing to say about it any more."""
    with _lock:
        if state is None:
            _left.pop(key, None)
        else:
            _left[key] = (state, then)


@contextmanager
def story(tell: Callable[[], str]) -> Iterator[None]:
    """While the block runs, Ctrl-C's line is `tell()` rather than what `under_way` and
    `leaves` noted (a whole class: how many labs were done, how many stopped midway, and how
    that leaves them)."""
    _story.append(tell)
    try:
        yield
    except (KeyboardInterrupt, Interrupted):
        raise  # kept: the line tells it
    except BaseException:
        _story.remove(tell)
        raise
    _story.remove(tell)


def summary(command: str) -> str:
    """The line: what Ctrl-C stopped and what it leaves behind."""
    if _story:
        return f"Ctrl-C stopped '{command}': {_story[0]()}"
    with _lock:
        stopped, left = list(_under_way.values()), list(_left.values())
    said = ", ".join(stopped)
    if left:
        thens = "".join(f" ({then})" for then in dict.fromkeys(then for _, then in left if then))
        said += ("; " if said else "") + ", ".join(state for state, _ in left) + thens
    return f"Ctrl-C stopped '{command}'" + (f": {said}" if said else "")


def stopped(command: str) -> int:
    """After Ctrl-C reached the command's top: let the worker threads end (bounded), print the
    line, and return EXIT_STATUS - or end the process now if a thread would not end."""
    cancel()
    deadline = _since + GRACE
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    print(said(f"lab: {summary(command)}"), file=sys.stderr, flush=True)
    if any(t.is_alive() and not t.daemon and t is not threading.current_thread() for t in threading.enumerate()):
        sys.stdout.flush()
        os._exit(EXIT_STATUS)  # a thread stuck in a call that cannot be interrupted: not waited for
    return EXIT_STATUS
