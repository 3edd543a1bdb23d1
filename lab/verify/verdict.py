"""Whether a probe's row is right: the one rule every view and the exit status rest on."""

from __future__ import annotations

from dataclasses import dataclass

from lab.model.outcomes import Outcome


@dataclass(frozen=True)
class Verdict:
    ok: bool
    why: str  # one line: "as expected", or what makes the row fail


def judge(expected: Outcome | None, actual: Outcome, warnings: list[str]) -> Verdict:
    """A row is right when the actual outcome is the expected one and nothing casts doubt on
    the measurement. A lost message is never right (accepted, then found nowhere: the lab
    could not tell what happened); a warning (e.g. the server saw another client address)
    fails the row; a probe without an expectation is never right - there is nothing to match."""
    if actual == Outcome.LOST:
        return Verdict(False, "lost: accepted with 250 but found nowhere")
    if expected is None:
        return Verdict(False, "no expected outcome for this probe here")
    if warnings:
        return Verdict(False, warnings[0])
    if actual != expected:
        return Verdict(False, f"expected {expected}, got {actual}")
    return Verdict(True, "as expected")
