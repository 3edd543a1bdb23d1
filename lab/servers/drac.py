"""POP-before-SMTP on the Postfix host: dracd's state between variants (running, empty
map, the variant's expiry) and what happens over POP3 before a POP-before-SMTP probe."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lab.runtime import hostexec
from lab import waiting
from lab.model.scenario import WRONG_PASSWORD
from lab.model.topology import Host, User

if TYPE_CHECKING:
    from lab.servers.base import Server

MAP = "btree:/var/lib/drac/dracd"
CONF = "/etc/drac/dracd.conf"
DOVECOT_LOG = "/var/log/dovecot.log"
EXPIRY_GRACE = 15.0  # seconds past the expiry to wait for dracd to remove an entry


@dataclass
class PopStep:
    """A POP-before-SMTP probe's POP3 step: what to tell the probe, and afterwards what the
    lab shows beside its result (the POP3 reply, dracd's and Dovecot's lines)."""
    drac: "Drac"
    step: str  # none, login, expired, bad-password (lab/model/probe_plan.yaml)
    client: Host
    user: str
    password: str
    mail_mark: int
    pop_mark: int
    expire: int
    login: dict[str, Any] | None = None  # the POP3 login's result, when the lab made it
    notes: list[str] = field(default_factory=list)

    @property
    def probe_options(self) -> dict[str, str]:
        """The probe's own POP3 login, right before its SMTP session (login, bad-password)."""
        return {"pop_user": self.user, "pop_password": self.password} if self.step in ("login", "bad-password") else {}

    def finish(self, transcript: dict[str, Any]) -> tuple[list[str], list[str]]:
        """(notes, warnings) once the probe has run."""
        if self.step == "none":
            return [f"drac: map emptied; no POP3 login from {self.client.name}"], []
        login = self.login or transcript.get("pop") or {"reply": "no POP3 login recorded", "ok": False}
        server = self.drac.server
        notes = [f"pop3: {self.client.name} logged in as {self.user}"
                 + (" with a wrong password" if self.step == "bad-password" else "") + f": {login['reply']}"]
        dracd = [line for line in server.log_since(self.mail_mark) if " dracd[" in line]
        added = any(f"added {self.client.address} " in line for line in dracd)
        notes.append(f"drac: {MAP} {self.client.address} added at the login" if added else
                     f"drac: no entry for {self.client.address} after the POP3 login")
        notes += self.notes
        notes += [f"dracd: {line}" for line in dracd]
        notes += [f"dovecot: {line}" for line in hostexec.log_since(server.settings, server.name, self.pop_mark,
                                                                   DOVECOT_LOG) if "drac" in line]
        warnings = []
        late = login.get("rcpt_after")
        if self.step == "login" and added and late is not None and late >= self.expire - 1:
            warnings.append(f"the SMTP session reached RCPT {late:.1f} s after the POP3 login, but a drac entry "
                            f"lasts only {self.expire - 1}-{self.expire} s: this row tells nothing "
                            "(the machine was too busy); run it again")
        return notes, warnings


class Drac:
    def __init__(self, server: Server) -> None:
        self.server = server

    def reset(self, expire: int | None = None) -> None:
        """rpcbind and dracd running (started again if they died), the image's
        configuration with the variant's expiry, no entries."""
        line = f" && sed -i 's/^expire = .*/expire = {int(expire)}/' {CONF}" if expire else ""
        self.server.run(
            "sv -w 15 start rpcbind dracd >/dev/null && "
            f"cp /etc/drac/baseline/dracd.conf {CONF}{line} && dracd --clear",
            what="drac reset",
        )

    def expire(self) -> int:
        out = self.server.run(f"sed -n 's/^expire = //p' {CONF}")
        return int(out.strip() or 1800)

    def entry(self, address: str) -> str | None:
        out = hostexec.run(self.server.settings, self.server.name, ["postmap", "-q", address, MAP])
        return out.output.strip() or None if out.exit_code == 0 else None

    def before(self, step: str, client: Host, user: User) -> PopStep:
        """Empty the map, then the first half of the probe's POP3 step. A login the probe
        should make itself (login, bad-password) is left to it: it logs in and starts its
        SMTP session at once, so the grant cannot lapse between two processes on a busy
        machine. An expired login is made here, and waited out until dracd removed it."""
        self.server.run("dracd --clear", what="emptying the drac map")
        settings, host = self.server.settings, self.server.name
        pop = PopStep(self, step, client, user.name, WRONG_PASSWORD if step == "bad-password" else user.password,
                      self.server.log_mark(), hostexec.log_mark(settings, host, DOVECOT_LOG), self.expire())
        if step == "expired":
            pop.login = self.pop_login(client, user.name, user.password)
            pop.notes.append(self.wait_expired(client.address, pop.expire))
        return pop

    def pop_login(self, client: Host, user: str, password: str) -> dict[str, Any]:
        return hostexec.probe(self.server.settings, client.name, server=self.server.host.fqdn, pop_user=user,
                              pop_password=password, pop_only=True)

    def wait_expired(self, address: str, expire: int) -> str:
        """Wait until dracd has removed the entry; the deadline is the expiry plus a grace."""
        start = time.monotonic()
        if not waiting.poll(lambda: not self.entry(address), expire + EXPIRY_GRACE, every=0.05):  # either way a note
            return f"drac: entry for {address} still present {expire + EXPIRY_GRACE:.0f} s after login (expire={expire}s)"
        return f"drac: entry for {address} gone after {time.monotonic() - start:.1f} s (expire={expire}s)"
