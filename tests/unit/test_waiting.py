"""lab.waiting: `until` returns what the condition found or raises one line naming what it
waited for, how long, and the last state seen; `poll` answers None when time ran out. Time
is a fake clock here: nothing sleeps."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lab import waiting
from lab.errors import LabError, exit_status


class Clock:
    """A clock that moves only when slept on; the sleeps it was asked for."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(waiting, "time", SimpleNamespace(monotonic=fake, sleep=fake.sleep))
    return fake


def test_until_returns_what_the_condition_found_as_soon_as_it_holds(clock):
    answers = iter([None, "", "found"])
    assert waiting.until(lambda: next(answers), 20, what="x", every=0.5) == "found"
    assert clock.slept == [0.5, 0.5]


def test_until_gives_up_in_one_line_naming_what_how_long_and_the_last_state(clock):
    with pytest.raises(waiting.TimedOut) as gave_up:
        waiting.until(lambda: False, 20, what="postfix to log its reload", every=0.2,
                      last=lambda: "reload logged: no")
    assert str(gave_up.value) == "gave up after 20 s waiting for postfix to log its reload; last seen: reload logged: no"
    assert (gave_up.value.what, gave_up.value.timeout, gave_up.value.seen) == ("postfix to log its reload", 20,
                                                                             "reload logged: no")
    assert 20 < clock.now <= 20.2  # it looked once more past the deadline, then stopped


def test_without_last_the_state_seen_is_the_conditions_last_value(clock):
    values = iter(range(-5, 0))
    with pytest.raises(waiting.TimedOut, match=r"after 1\.5 s waiting for y; last seen: \[\]$"):
        waiting.until(lambda: [] if next(values, None) is None else [], 1.5, what="y", every=1)


def test_a_hint_says_what_to_do(clock):
    with pytest.raises(waiting.TimedOut, match=r"; last seen: 0 of 7 hosts healthy; 'make lab-up' restarts them$"):
        waiting.until(lambda: None, 3, what="the hosts", last=lambda: "0 of 7 hosts healthy",
                      hint="'make lab-up' restarts them")


def test_a_time_out_is_a_lab_error_one_line_and_exit_2(clock, capsys):
    def command() -> int:
        waiting.until(lambda: None, 1, what="the engine to answer", last=lambda: "no socket")
        return 0

    assert issubclass(waiting.TimedOut, LabError)
    assert exit_status(command) == 2
    assert capsys.readouterr().err == "lab: gave up after 1 s waiting for the engine to answer; last seen: no socket\n"


def test_poll_answers_none_when_time_runs_out(clock):
    assert waiting.poll(lambda: None, 2, every=0.5) is None
    assert 2 < clock.now <= 2.5
    answers = iter([0, 0, 7])
    assert waiting.poll(lambda: next(answers), 2) == 7


def test_poll_goes_by_the_clock_it_is_given():
    own = Clock()
    assert waiting.poll(lambda: None, 60, every=0.5, clock=own, sleep=own.sleep) is None
    assert len(own.slept) == 121  # 0, 0.5, ... 60.0 are all within the deadline; 60.5 is past it
