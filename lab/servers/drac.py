"""POP-before-SMTP on the Postfix host: dracd's state between variants (running, empty
map, the variant's expiry) and what happens over POP3 before a POP-before-SMTP probe."""

from __future__ import annotations

import json
import time

from lab.runtime import hostexec
from lab import waiting
from lab.errors import LabError
from lab.model.scenario import WRONG_PASSWORD

MAP = "btree:/var/lib/drac/dracd"
CONF = "/etc/drac/dracd.conf"
DOVECOT_LOG = "/var/log/dovecot.log"
EXPIRY_GRACE = 15.0  # seconds past the expiry to wait for dracd to remove an entry

# Runs in the client (python3 from Debian): one POP3 login, the server's answer as JSON.
POP_LOGIN = r"""
import json, poplib, sys, time
server, user, password = sys.argv[1:4]
try:
    pop = poplib.POP3(server, 110, timeout=10)
    pop.user(user)
    reply = pop.pass_(password).decode(errors="replace")
    pop.quit()
    print(json.dumps({"ok": True, "reply": reply, "at": time.time()}))
except (poplib.error_proto, OSError) as exc:
    said = exc.args[0] if exc.args else exc
    reply = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
    print(json.dumps({"ok": False, "reply": reply, "at": time.time()}))
"""


class Drac:
    def __init__(self, server):
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

    def before(self, step: str, client, user) -> list[str]:
        """Empty the map, then do the probe's POP3 step from the client. Returns what the
        lab should show beside the probe's result (POP3 reply, dracd's and Dovecot's lines)."""
        self.server.run("dracd --clear", what="emptying the drac map")
        if step == "none":
            return [f"drac: map emptied; no POP3 login from {client.name}"]
        mail_mark, pop_mark = self.server.log_mark(), hostexec.log_mark(self.server.settings, self.server.name, DOVECOT_LOG)
        password = WRONG_PASSWORD if step == "bad-password" else user.password
        login = self.pop_login(client, user.name, password)
        notes = [f"pop3: {client.name} logged in as {user.name}"
                 + (" with a wrong password" if step == "bad-password" else "")
                 + f": {login['reply']}"]
        entry = self.entry(client.address)
        notes.append(f"drac: {MAP} {client.address} -> {entry}" if entry else
                     f"drac: no entry for {client.address} after the POP3 login")
        if step == "expired":
            notes.append(self.wait_expired(client.address, self.expire()))
        notes += [f"dracd: {line}" for line in self.server.log_since(mail_mark) if " dracd[" in line]
        notes += [f"dovecot: {line}" for line in hostexec.log_since(self.server.settings, self.server.name,
                                                                   pop_mark, DOVECOT_LOG) if "drac" in line]
        return notes

    def pop_login(self, client, user: str, password: str) -> dict:
        out = hostexec.run(self.server.settings, client.name,
                           ["python3", "-c", POP_LOGIN, self.server.host.fqdn, user, password])
        try:
            return json.loads(out.output.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            raise LabError(f"POP3 login from {client.name} printed no result: {out.output.strip()[-200:]}") from None

    def wait_expired(self, address: str, expire: int) -> str:
        """Wait until dracd has removed the entry; the deadline is the expiry plus a grace."""
        start = time.monotonic()
        if not waiting.until(lambda: not self.entry(address), expire + EXPIRY_GRACE):
            return f"drac: entry for {address} still present {expire + EXPIRY_GRACE:.0f} s after login (expire={expire}s)"
        return f"drac: entry for {address} gone after {time.monotonic() - start:.1f} s (expire={expire}s)"
