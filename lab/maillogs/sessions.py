"""What every MTA's log reader shares: a session (one client's SMTP conversation as the
server logged it), a delivery (what the log says became of a message), and how the probe's
own session is picked among all of them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass
class Session:
    pid: str
    client_name: str
    client_address: str
    lines: list[str] = field(default_factory=list)
    queue_ids: list[str] = field(default_factory=list)


class DeliveryStatus(StrEnum):
    """What an MTA's log says became of a message on its way onwards."""
    SENT = "sent"
    DEFERRED = "deferred"
    BOUNCED = "bounced"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Delivery:
    queue_id: str
    recipient: str
    status: DeliveryStatus
    detail: str
    line: str

    @property
    def reply_code(self) -> int | None:
        m = re.search(r"said: (\d{3})", self.detail)
        return int(m[1]) if m else None


def pick(found: list[Session], ids: set[str], client_address: str | None) -> Session | None:
    """The probe's session among an MTA's sessions: the one that queued one of the token's
    message ids; else the first from the probe's own client address. Nothing else: a
    session that is neither is somebody else's, and blaming its rule would be a lie."""
    for s in found:
        if ids & set(s.queue_ids):
            return s
    for s in found:
        if client_address is not None and s.client_address == client_address:
            return s
    return None
