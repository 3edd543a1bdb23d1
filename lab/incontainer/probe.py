#!/usr/bin/env python3
"""lab-probe: one SMTP session, every command and reply recorded, printed as JSON.

Runs inside a lab host (standard library only, Debian's python3), so the server sees the
real source address. It never raises on an SMTP error: a refused connection, a 535 or a
554 is recorded and the session ends there.

    lab-probe --server postfix.lab.example --from a@isp.example --to alice@postfix.lab.example
    lab-probe --server postfix.lab.example --user alice --password wonderland --to x@remote.example
    lab-probe --server postfix.lab.example --pop-user alice --pop-password wonderland --to x@remote.example

With --pop-user it logs in over POP3 (port 110) first and starts the SMTP session at once:
POP-before-SMTP lets an address relay for seconds after a login, and a second process
started for the SMTP session could come too late on a busy machine.
"""

from __future__ import annotations

import argparse
import base64
import json
import smtplib
import socket
import ssl
import sys
import time
import uuid
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any


class Session:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.steps: list[dict[str, Any]] = []  # stage, command, code, reply
        self.answered: dict[str, float] = {}  # stage -> when the server answered it (time.time())
        self.smtp = smtplib.SMTP(timeout=args.timeout)

    def record(self, stage: str, command: str, code: int, reply: bytes | str) -> int:
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        self.steps.append({"stage": stage, "command": command, "code": code, "reply": text})
        return code

    def cmd(self, stage: str, verb: str, arg: str = "", shown: str | None = None) -> int:
        code, reply = self.smtp.docmd(verb, arg)
        self.answered[stage] = time.time()
        return self.record(stage, shown or f"{verb} {arg}".strip(), code, reply)

    def connect(self) -> int:
        # smtplib names the TLS server after the host given to SMTP(), not to connect(); given
        # to SMTP() it would connect at once and raise on a refusal, losing the reply to record
        self.smtp._host = self.args.server  # type: ignore[attr-defined]  # private, not in typeshed
        code, reply = self.smtp.connect(self.args.server, self.args.port)
        return self.record("connect", f"connect {self.args.server}:{self.args.port}", code, reply)

    def hello(self) -> int:
        code, reply = self.smtp.ehlo(self.args.helo or socket.getfqdn())
        return self.record("ehlo", f"EHLO {self.smtp.local_hostname}", code, reply)

    def starttls(self) -> int:
        context = ssl._create_unverified_context()  # the lab's own self-signed certificate
        code, reply = self.smtp.starttls(context=context)
        self.record("starttls", "STARTTLS", code, reply)
        return self.hello() if code == 220 else code

    def auth(self) -> int:
        a = self.args
        if a.mech == "PLAIN":
            token = base64.b64encode(f"\0{a.user}\0{a.password}".encode()).decode()
            return self.cmd("auth", "AUTH", f"PLAIN {token}", shown=f"AUTH PLAIN <{a.user}, password hidden>")
        if self.cmd("auth", "AUTH", "LOGIN") != 334:
            return self.steps[-1]["code"]
        self.cmd("auth", base64.b64encode(a.user.encode()).decode(), shown=f"<user {a.user}>")
        return self.cmd("auth", base64.b64encode(a.password.encode()).decode(), shown="<password hidden>")

    def message(self, token: str) -> bytes:
        a = self.args
        msg = EmailMessage()
        msg["From"], msg["To"] = a.sender or f"MAILER-DAEMON@{socket.getfqdn()}", a.recipient
        msg["Subject"] = f"lab probe {token}"
        # the token is in the Message-ID too, so a server's log line for the message names it
        msg["Date"], msg["Message-ID"] = formatdate(localtime=True), f"<{token}.probe@{socket.getfqdn()}>"
        msg["X-Lab-Token"] = token
        msg.set_content(f"This message was sent by the smtp-restriction lab.\ntoken: {token}\n")
        # CRLF line ends, as RFC 5321 demands: smtplib sends bytes unchanged, and Sendmail
        # 8.17 refuses bare LF (421 4.5.0 "Bare linefeed (LF) not allowed")
        return msg.as_bytes(policy=policy.SMTP)

    def data(self, token: str) -> int:
        reply: bytes | str
        try:
            code, reply = self.smtp.data(self.message(token))
        except smtplib.SMTPDataError as exc:  # DATA itself refused
            code, reply = exc.smtp_code, exc.smtp_error
        return self.record("data", "DATA <message>", code, reply)


def pop_login(args: argparse.Namespace) -> dict[str, Any]:
    """One POP3 login to the server: {"ok", "reply", "at", "took"} (at: when the server
    answered PASS; took: seconds from the start to the greeting, USER's answer, PASS's)."""
    import poplib

    started = time.time()
    took: dict[str, float] = {}  # seconds from the start to each answer: greeting, USER, PASS
    try:
        pop = poplib.POP3(args.server, args.pop_port, timeout=args.timeout)
        took["greeting"] = round(time.time() - started, 3)
        pop.user(args.pop_user)
        took["user"] = round(time.time() - started, 3)
        reply, ok = pop.pass_(args.pop_password).decode(errors="replace"), True
        at = time.time()
        took["pass"] = round(at - started, 3)
        pop.quit()
    except (poplib.error_proto, OSError) as exc:
        said = exc.args[0] if exc.args else exc
        reply, ok, at = said.decode(errors="replace") if isinstance(said, bytes) else str(said), False, time.time()
    return {"ok": ok, "reply": reply, "at": at, "took": took}


def run(args: argparse.Namespace) -> dict[str, Any]:
    token = args.token or uuid.uuid4().hex[:16]
    pop = pop_login(args) if args.pop_user else None
    session = Session(args)
    started = time.monotonic()
    plan: list[Callable[[], int]] = [session.connect, session.hello]
    if args.starttls:
        plan.append(session.starttls)
    if args.user:
        plan.append(session.auth)
    plan += [
        lambda: session.cmd("mail", "MAIL", f"FROM:<{args.sender}>"),
        lambda: session.cmd("rcpt", "RCPT", f"TO:<{args.recipient}>"),
        lambda: session.data(token),
    ]
    expected_ok = {"connect": 220, "ehlo": 250, "starttls": 250, "auth": 235, "mail": 250, "rcpt": 250, "data": 250}
    error = None
    try:
        for step in plan:
            code = step()
            stage = session.steps[-1]["stage"]
            if code != expected_ok[stage]:
                break
        else:
            stage = "done"
    except smtplib.SMTPServerDisconnected as exc:
        error = f"disconnected: {exc}"
    except (OSError, ValueError, smtplib.SMTPException) as exc:  # ssl errors are OSErrors
        error = f"{type(exc).__name__}: {exc}"
    if error:
        stage = session.steps[-1]["stage"] if session.steps else "connect"
        session.steps.append({"stage": stage, "command": None, "code": None, "reply": error})
    try:
        session.smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass
    last = session.steps[-1]
    if pop and "rcpt" in session.answered:  # how long the login's POP-before-SMTP grant had to last
        pop["rcpt_after"] = round(session.answered["rcpt"] - pop["at"], 3)
    return {
        "server": args.server,
        "port": args.port,
        "token": token,
        "sender": args.sender,
        "recipient": args.recipient,
        "accepted": stage == "done",
        "stage": last["stage"],
        "code": last["code"],
        "reply": last["reply"],
        "steps": session.steps,
        "seconds": round(time.monotonic() - started, 3),
        **({"pop": pop} if pop else {}),
    }


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="lab-probe", description=__doc__.splitlines()[0])
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=25)
    p.add_argument("--helo", help="name for EHLO (default: this host's FQDN)")
    p.add_argument("--from", dest="sender", default=None)
    p.add_argument("--to", dest="recipient")
    p.add_argument("--user")
    p.add_argument("--password", default="")
    p.add_argument("--mech", choices=["PLAIN", "LOGIN"], default="PLAIN")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--token", help="unique token to put in the message (default: random)")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--pop-user", help="log in over POP3 as this user first (POP-before-SMTP)")
    p.add_argument("--pop-password", default="")
    p.add_argument("--pop-port", type=int, default=110)
    p.add_argument("--pop-only", action="store_true", help="only the POP3 login; print its result")
    args = p.parse_args(argv)
    if not args.recipient and not args.pop_only:
        p.error("--to is required")
    if args.sender is None:  # --from '' is the null sender (MAIL FROM:<>), as a bounce has
        args.sender = f"{args.user or 'probe'}@{socket.getfqdn()}"
    return args


if __name__ == "__main__":
    options = parse(sys.argv[1:])
    print(json.dumps(pop_login(options) if options.pop_only else run(options), indent=1))
