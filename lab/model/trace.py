"""A restriction trace: each restriction a server evaluated for a probe, in the order it
evaluated them, and what each returned - as the server's own log tells it.

Postfix tells it all when the client is in debug_peer_list (lab/maillogs/postfix_trace.py);
Sendmail logs only what refused (lab/maillogs/sendmail.py), and a probe's result says so in
its trace_note instead of inventing the steps the log leaves out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class StepResult(StrEnum):
    NO_DECISION = "no-decision"  # evaluated, decided nothing: the next restriction is asked
    PERMIT = "permit"  # the list ends here, the request passes it
    REJECT = "reject"  # 5xx
    DEFER = "defer"  # 4xx
    IGNORED = "ignored"  # configured, never evaluated, and the server said so (e.g. after `reject`)


@dataclass(frozen=True)
class TraceStep:
    list: str  # where the restriction is configured: the Postfix parameter, a Sendmail ruleset
    restriction: str  # as configured, with its map: "check_recipient_access hash:/etc/postfix/access"
    result: StepResult
    detail: str = ""  # what the server logged for this step: lookups and their values, the reply

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TraceStep":
        return cls(data["list"], data["restriction"], StepResult(data["result"]), data.get("detail", ""))
