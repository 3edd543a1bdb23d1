"""Whether a probe's row is right: the one rule every view, `try` and the exit status read.

A row is judged on one of two bases, chosen by what is run:
- EXPECTED (a variant of scenarios/): right when the actual outcome is the one the variant's
  file expects and nothing casts doubt on the measurement;
- GOAL (one's own configuration, `lab try`: no expectations): right when the outcome meets
  the note's goal, or the goal says nothing about the probe.
Either way a row the server answered with an error of its own configuration (RFC 3463 X.3.5:
Postfix's 451 4.3.5 for a restriction it does not know) is never right and meets no goal -
it tells nothing about what the configuration means -, a lost message is never right
(accepted, then found nowhere: the lab could not tell what happened), and a warning (e.g. the
server saw another client address) fails the row. `decide` sets each row's verdict and reason on a run, once; nothing else sets them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from lab.model import goal as goals
from lab.model.outcomes import Outcome, misconfigured

if TYPE_CHECKING:
    from lab.model.results import ProbeResult, RunResult


class Basis(StrEnum):
    EXPECTED = "expected"  # the variant's file says what the server does
    GOAL = "goal"  # one's own configuration: only the note's goal


class Kind(StrEnum):
    """What a row's verdict is, in one word (the views choose marks and colours by it)."""
    AS_EXPECTED = "as-expected"
    MEETS_GOAL = "meets-goal"  # basis GOAL: the goal is met, or says nothing about the probe
    WRONG = "wrong"  # the outcome is not the expected one
    UNEXPECTED = "unexpected"  # no outcome is expected for this probe here
    GOAL_BROKEN = "goal-broken"  # basis GOAL: the outcome breaks the goal
    LOST = "lost"  # accepted with 250, found nowhere
    CONFIG_ERROR = "config-error"  # the server answered that its configuration is broken (X.3.5)
    DOUBTED = "doubted"  # the outcome may be right, but a warning voids the measurement

    @property
    def ok(self) -> bool:
        return self in (Kind.AS_EXPECTED, Kind.MEETS_GOAL)

    @property
    def wrong_outcome(self) -> bool:
        """The outcome itself is wrong (not merely doubted by a warning)."""
        return self in (Kind.WRONG, Kind.UNEXPECTED, Kind.GOAL_BROKEN, Kind.LOST, Kind.CONFIG_ERROR)


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    why: str  # one line: "as expected", or what makes the row fail

    @property
    def ok(self) -> bool:
        return self.kind.ok


def judge(expected: Outcome | None, actual: Outcome, warnings: list[str], goal_met: bool | None = None,
          basis: Basis = Basis.EXPECTED, config_error: str = "") -> Verdict:
    """`config_error`: the server's reply when it says its own configuration is broken."""
    if config_error:
        return Verdict(Kind.CONFIG_ERROR, f"the server's configuration is broken: it answered {config_error}")
    if actual == Outcome.LOST:
        return Verdict(Kind.LOST, "lost: accepted with 250 but found nowhere")
    if basis == Basis.GOAL:
        if goal_met is False:
            return Verdict(Kind.GOAL_BROKEN, f"{actual} breaks the note's goal")
    elif expected is None:
        return Verdict(Kind.UNEXPECTED, f"got {actual}, but no outcome is expected here")
    elif actual != expected:
        return Verdict(Kind.WRONG, f"expected {expected}, got {actual}")
    if warnings:
        return Verdict(Kind.DOUBTED, warnings[0])
    if basis == Basis.GOAL:
        return Verdict(Kind.MEETS_GOAL, "meets the goal" if goal_met else "outside the goal")
    return Verdict(Kind.AS_EXPECTED, "as expected")


def config_error(p: ProbeResult) -> str:
    """The reply in which the server says its own configuration is broken, or ''."""
    return f"{p.code} {p.reply}" if misconfigured(p.reply) else ""


def decide_probe(p: ProbeResult, basis: Basis = Basis.EXPECTED) -> ProbeResult:
    """Set one row's verdict (its goal_met already set, for basis GOAL)."""
    v = judge(p.expected, p.actual, p.warnings, p.goal_met, basis, config_error(p))
    p.verdict, p.why, p.ok = v.kind, v.why, v.ok
    return p


def decide(run: RunResult, basis: Basis = Basis.EXPECTED) -> RunResult:
    """The run against the note's goal (every row's goal_met, the run's goal), then every
    row's verdict on the basis given; the run records its basis."""
    goals.judge_run(run, void={p.probe for p in run.probes if config_error(p)})
    run.basis = basis
    for p in run.probes:
        decide_probe(p, basis)
    return run
