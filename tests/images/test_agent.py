"""The lab's command agent (lab/runtime/agent.py) against a real container: one open shell
answers commands as `docker exec sh -c` did (exit code, stdout and stderr together, any
bytes), several threads at once, and survives its container's restart. The DNS image is
the test bed: it has no python3, so the agent must need only sh and coreutils. A command in
flight ends with its children when the lab hangs up (Ctrl-C), and the container's own
processes stay."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import docker
import pytest

from lab.runtime import agent
from lab import waiting
from support import NAME_PREFIX, build_image


@pytest.fixture(scope="module")
def box():
    engine = docker.from_env()
    container = engine.containers.run(build_image("dns"), entrypoint=["sleep", "infinity"], detach=True,
                                      network_mode="none", name=f"{NAME_PREFIX}agent-{uuid.uuid4().hex[:8]}")
    key = ("test", container.id)
    try:
        yield container, key
    finally:
        agent.forget(key)
        container.remove(force=True)


def test_exit_code_and_both_streams_come_back(box):
    container, key = box
    assert agent.run(key, lambda: container, "echo out; echo err >&2; exit 3") == (3, "out\nerr\n")
    assert agent.run(key, lambda: container, ["printf", "%s", "a b 'c'"]) == (0, "a b 'c'")


def test_output_of_any_size_and_shape(box):
    container, key = box
    assert agent.run(key, lambda: container, "printf 'no newline'") == (0, "no newline")
    assert agent.run(key, lambda: container, "true") == (0, "")
    code, big = agent.run(key, lambda: container, "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo LAB-AGENT 0 5")
    assert code == 0 and big == "x" * 3000000 + "\nLAB-AGENT 0 5\n"  # the header's shape inside output is harmless
    script = "cat <<'EOF'\nline one\n  two with 'quotes' and $HOME unexpanded\nEOF"
    assert agent.run(key, lambda: container, script) == (0, "line one\n  two with 'quotes' and $HOME unexpanded\n")


def test_commands_do_not_read_the_agents_stdin(box):
    container, key = box
    assert agent.run(key, lambda: container, "cat; echo after") == (0, "after\n")
    assert agent.run(key, lambda: container, "echo still here") == (0, "still here\n")


def test_threads_at_once_each_get_their_own_answer(box):
    container, key = box
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: agent.run(key, lambda: container, f"sleep 0.2; echo {n}"), range(24)))
    assert answers == [(0, f"{n}\n") for n in range(24)]


def test_a_restarted_container_gets_a_fresh_agent(box):
    container, key = box
    assert agent.run(key, lambda: container, "echo before") == (0, "before\n")
    container.restart(timeout=1)
    waiting.until(lambda: container.reload() or container.status == "running", 20, what="the container to run again")
    assert agent.run(key, lambda: container, "echo after") == (0, "after\n")


def test_nothing_is_left_running_once_the_agents_close(box):
    container, key = box
    agent.run(key, lambda: container, "true")

    def gone():
        left = container.exec_run(["sh", "-c", "ls -d /dev/shm/lab-agent.* /tmp/lab-agent.* 2>/dev/null; "
                                   "grep -l 'IFS= read -r lin[e]' /proc/[0-9]*/cmdline 2>/dev/null"])
        return left.output == b""

    assert not gone()  # the shell runs, its folder is there
    agent.forget(key)
    waiting.until(gone, 10, what="the agent's shell to exit and remove its folder (the restarted one's too)")


def processes(container, *words: str) -> list[str]:
    """The container's processes whose command line has one of `words` (ps is not in the image)."""
    listing = container.exec_run(["sh", "-c", "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done"])
    return [line for line in listing.output.decode(errors="replace").splitlines()
            if any(word in line for word in words) and "/proc/[0-9]*" not in line]


def test_a_command_in_flight_ends_with_its_children_when_the_agent_hangs_up(box):
    container, _ = box
    busy = agent.Agent(container)
    answers = []

    def wait_for_the_answer():
        try:
            answers.append(busy.call("sleep 301 & sleep 302; echo never"))
        except agent.Gone:
            answers.append("gone")

    waiter = threading.Thread(target=wait_for_the_answer)
    waiter.start()
    waiting.until(lambda: len(processes(container, "sleep 301", "sleep 302")) == 2, 10, what="the command to run")
    busy.hang_up()  # what Ctrl-C does to every agent in flight (lab.interrupt -> agent.abandon)
    waiter.join(10)
    busy.close()
    assert answers == ["gone"]
    waiting.until(lambda: not processes(container, "sleep 301", "sleep 302", "lab-agent"), 10,
                  what="the command, its child and the agent's shell to be killed")
    assert container.exec_run(["sh", "-c", "ls -d /dev/shm/lab-agent.* /tmp/lab-agent.* 2>/dev/null"]).output == b""
    assert processes(container, "sleep infinity"), "the container's own process was killed too"
