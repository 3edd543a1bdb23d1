"""The outcome vocabulary (DESIGN §5), the stages of a probe, and the SMTP replies the lab
relies on, as named values."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any


class Outcome(StrEnum):
    REFUSED = "refused"  # no SMTP session: connection refused, closed, or rejected at the banner
    AUTH_FAILED = "auth-failed"  # AUTH rejected
    REJECTED = "rejected"  # 5xx at MAIL/RCPT/DATA (or by the next hop, for mail via the relay)
    DEFERRED = "deferred"  # 4xx
    DELIVERED = "delivered"  # found in the local recipient's mailbox
    QUARANTINED = "quarantined"  # found in the quarantine file instead
    RELAYED = "relayed"  # arrived at the remote sink
    LOST = "lost"  # accepted with 250 but found nowhere in time: always a failure of the run


WORDS = tuple(o.value for o in Outcome)


class Stage(StrEnum):
    """Where a probe's message was decided: an SMTP step of the probe's session (lab-probe's
    stage names), or afterwards, on its way."""
    CONNECT = "connect"
    EHLO = "ehlo"
    STARTTLS = "starttls"
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"
    DELIVERY = "delivery"  # after a 250 at DATA: where the message was found
    RELAY_NEXT_HOP = "relay->next hop"  # the trusted relay's delivery onwards was refused
    SERVER_NEXT_HOP = "server->next hop"  # the server under test's delivery onwards was refused


BEFORE_MAIL = (Stage.CONNECT, Stage.EHLO, Stage.STARTTLS)  # no session worth the name yet


class Reply(IntEnum):
    """The SMTP reply codes the lab tells apart (RFC 5321, RFC 4954)."""
    SERVICE_READY = 220
    AUTH_SUCCEEDED = 235
    OK = 250
    START_MAIL_INPUT = 354
    SERVICE_UNAVAILABLE = 421
    LOCAL_ERROR = 451  # Postfix's answer while a restriction list has an error (4.3.5)
    AUTH_FAILED = 535
    ACCESS_DENIED = 550
    TRANSACTION_FAILED = 554


def transient(code: int | str | None) -> bool:
    """A 4xx reply: try again later."""
    return code is not None and str(code)[:1] == "4"


def misconfigured(reply: str) -> bool:
    """The reply says the server itself is set up wrong - RFC 3463's X.3.5, "System incorrectly
    configured" (Postfix: '451 4.3.5 Server configuration error' for a restriction it does not
    know): the outcome tells nothing about what the configuration means."""
    return reply.split(" ", 1)[0] in ("4.3.5", "5.3.5")


def banner_code(banner: str | None) -> int | None:
    """The reply code a greeting line starts with ('220 postfix.lab.example ESMTP' -> 220)."""
    head = (banner or "")[:3]
    return int(head) if head.isdigit() else None


def from_reply(stage: Stage | str, code: int | None) -> Outcome:
    """The outcome of a session that ended before the message was accepted."""
    if stage in BEFORE_MAIL and (code is None or code >= 400):
        return Outcome.REFUSED
    if stage == Stage.AUTH:
        # any reply refusing AUTH: a wrong password (535), and also a server that refuses the
        # client outright after greeting it (Sendmail under TCP wrappers: 220, EHLO without
        # AUTH, then "550 5.0.0 Access denied"); the code and the deciding rule tell them apart
        return Outcome.AUTH_FAILED if code is not None else Outcome.REFUSED
    if code is None:
        return Outcome.REFUSED  # dropped mid-session
    return Outcome.DEFERRED if transient(code) else Outcome.REJECTED


def classify(transcript: dict[str, Any]) -> Outcome | None:
    """Outcome from a probe transcript alone; None when the message was accepted (its fate decides)."""
    if transcript["accepted"]:
        return None
    return from_reply(transcript["stage"], transcript["code"])
