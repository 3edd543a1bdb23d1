"""The command agent's choices that need no container: what the shell is sent, and
LAB_EXEC (agent, or one docker exec per command)."""

from types import SimpleNamespace

import pytest

from lab.errors import LabError
from lab.runtime import agent


def test_a_list_is_sent_word_for_word_and_a_string_as_it_is():
    assert agent.script(["postmap", "-q", "a b", "btree:/x"]) == "postmap -q 'a b' btree:/x"
    assert agent.script("echo $HOME; exit 3") == "echo $HOME; exit 3"


def test_lab_exec_chooses_and_a_wrong_value_is_named(monkeypatch):
    monkeypatch.delenv("LAB_EXEC", raising=False)
    assert agent.mode() == "agent"
    monkeypatch.setenv("LAB_EXEC", "docker-exec")
    ran = []
    fake = SimpleNamespace(exec_run=lambda argv, user, demux: ran.append(argv)
                           or SimpleNamespace(exit_code=2, output=b"x\n"))
    assert agent.run(("k",), lambda: fake, ["ls", "a b"]) == (2, "x\n")
    assert ran == [["sh", "-c", "ls 'a b'"]]
    monkeypatch.setenv("LAB_EXEC", "ssh")
    with pytest.raises(LabError, match="LAB_EXEC='ssh': use agent or docker-exec"):
        agent.run(("k",), lambda: fake, "true")
