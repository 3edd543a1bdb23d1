"""Ctrl-C in a command whose work runs in threads (lab/interrupt.py), without Docker: a
small command is started as its own process, SIGINT is sent to that process alone (not to
its group: whatever it started must be ended by the lab, not by the terminal), and it must
end with 130 and one line naming what was under way. Each would run for ten minutes if
Ctrl-C did not stop it; the time-outs below only keep a broken build from hanging."""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = """
import sys
import threading
from lab import interrupt, waiting
from lab.errors import exit_status
ready = threading.Barrier(3)
"""


def ctrl_c(body: str) -> subprocess.CompletedProcess:
    """Run `body` (defining work() -> int, which passes `ready` once its threads are busy) as
    a lab command named demo; press Ctrl-C once it is ready."""
    script = HEADER + body + "\nraise SystemExit(exit_status(work, 'demo'))\n"
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "ready\n", child.communicate(timeout=60)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def test_threads_waiting_on_a_condition_stop_and_the_line_names_what_was_under_way():
    done = ctrl_c("""
def lane(n):
    interrupt.check()  # a lane still queued when Ctrl-C came does not begin
    interrupt.under_way(f"lane {n}", f"lane {n} (waiting)")
    ready.wait()
    try:
        waiting.poll(lambda: None, 600)
    finally:
        sys.stdout.write(f"lane {n} ended\\n")  # one write: two threads' print() can interleave
        sys.stdout.flush()

def work():
    interrupt.leaves("server", "the server as it was", then="nothing to undo")
    with interrupt.pool(2) as pool:
        running = pool.map(lane, range(4))  # two lanes run, two wait for a thread
        ready.wait()
        print("ready", flush=True)
        list(running)
    return 0
""")
    assert done.returncode == 130, done.stderr
    assert sorted(done.stdout.splitlines()) == ["lane 0 ended", "lane 1 ended"], done.stdout  # not left behind
    line, *rest = done.stderr.splitlines()
    assert rest == [] and line.startswith("lab: Ctrl-C stopped 'demo': "), done.stderr
    parts = line.removeprefix("lab: Ctrl-C stopped 'demo': ").split("; ")
    assert sorted(parts[0].split(", ")) == ["lane 0 (waiting)", "lane 1 (waiting)"], line  # 2 and 3 never began
    assert parts[1] == "the server as it was (nothing to undo)", line


def two_threads_in(call: str) -> subprocess.CompletedProcess:
    """Ctrl-C while two pool threads are each in `call` (a line of Python), the main thread
    waiting for their results."""
    return ctrl_c(f"""
import time

def in_it():
    ready.wait()
    {call}

def work():
    with interrupt.pool(2) as pool:
        running = [pool.submit(in_it), pool.submit(in_it)]
        ready.wait()
        print("ready", flush=True)
        [r.result() for r in running]
    return 0
""")


def test_a_thread_in_a_call_that_cannot_be_interrupted_does_not_keep_the_command_running():
    done = two_threads_in("time.sleep(600)")  # the call under test: nothing can interrupt it
    assert done.returncode == 130 and done.stderr == "lab: Ctrl-C stopped 'demo'\n", done.stderr


def test_a_process_a_thread_waits_for_is_ended():
    marker = f"{600 + os.getpid() % 1000}.{os.getpid()}"  # seconds: this test's own sleep
    done = two_threads_in(f'interrupt.run(["sleep", "{marker}"], capture_output=True)')
    assert done.returncode == 130 and done.stderr == "lab: Ctrl-C stopped 'demo'\n", done.stderr
    left = [p for p in Path("/proc").glob("[0-9]*") if marker in _cmdline(p)]
    assert left == []


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
