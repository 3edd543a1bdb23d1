"""The outcome vocabulary (DESIGN §5) and SMTP replies as named values."""

from __future__ import annotations

from enum import Enum


class Outcome(str, Enum):
    REFUSED = "refused"  # no SMTP session: connection refused, closed, or rejected at the banner
    AUTH_FAILED = "auth-failed"  # AUTH rejected
    REJECTED = "rejected"  # 5xx at MAIL/RCPT/DATA (or by the next hop, for mail via the relay)
    DEFERRED = "deferred"  # 4xx
    DELIVERED = "delivered"  # found in the local recipient's mailbox
    QUARANTINED = "quarantined"  # found in the quarantine file instead
    RELAYED = "relayed"  # arrived at the remote sink
    LOST = "lost"  # accepted with 250 but found nowhere in time: always a failure of the run

    def __str__(self) -> str:
        return self.value


WORDS = tuple(o.value for o in Outcome)


def from_reply(stage: str, code: int | None) -> Outcome:
    """The outcome of a session that ended before the message was accepted."""
    if stage in ("connect", "ehlo", "starttls") and (code is None or code >= 400):
        return Outcome.REFUSED
    if stage == "auth":
        # any reply refusing AUTH: a wrong password (535), and also a server that refuses the
        # client outright after greeting it (Sendmail under TCP wrappers: 220, EHLO without
        # AUTH, then "550 5.0.0 Access denied"); the code and the deciding rule tell them apart
        return Outcome.AUTH_FAILED if code is not None else Outcome.REFUSED
    if code is None:
        return Outcome.REFUSED  # dropped mid-session
    return Outcome.DEFERRED if 400 <= code < 500 else Outcome.REJECTED


def classify(transcript: dict) -> Outcome | None:
    """Outcome from a probe transcript alone; None when the message was accepted (its fate decides)."""
    if transcript["accepted"]:
        return None
    return from_reply(transcript["stage"], transcript["code"])
