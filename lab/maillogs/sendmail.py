"""Reading a Sendmail mail log: which session was the probe's, who Sendmail thought the client
was, what decided (TCP wrappers, a check_* ruleset, SMTP AUTH), and what Sendmail says became
of a message ("stat=Sent" even when procmail put it in the quarantine).

One SMTP session is one sendmail child (syslog tag sendmail[pid]); its AUTH lines carry no
queue id, its other lines the session's queue id. Deliveries (`to=` lines) come from other
children and are tied to the message by queue id, the message to the probe by its msgid."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lab.maillogs.sessions import Delivery, DeliveryStatus, Session, pick
from lab.model.outcomes import transient
from lab.model.trace import StepResult, TraceStep

LINE = re.compile(r"\bsendmail\[(?P<pid>\d+)\]: (?:(?P<qid>[0-9A-Za-z]{12,}|NOQUEUE): )?(?P<text>.*)$")
CLIENT = re.compile(r"\brelay=(?:(?P<name>[^\s,\[]+) )?\[(?P<addr>[0-9a-fA-F.:]+)\]")
WRAPPERS = re.compile(r"^tcpwrappers \((?P<name>[^,]*), (?P<addr>[^)]+)\) rejection")
MSGID = re.compile(r"^from=.*\bmsgid=<(?P<msgid>[^>]*)>")
REJECT = re.compile(r"^ruleset=(?P<ruleset>\w+), arg1=(?P<arg>\S+?),.* reject=(?P<code>\d{3}) (?P<dsn>[\d.]+ )?(?:\S+\.\.\. )?(?P<reason>.*)$")
AUTH_OK = re.compile(r"^AUTH=server, .*\bauthid=(?P<user>[^,\s]+)")
TO = re.compile(r"^to=<?(?P<rcpt>[^>,]*)>?,.*\bstat=(?P<stat>.*)$")
REPLY = re.compile(r"\breply=(?P<reply>(?P<code>\d{3})[^,]*)")
NOISE = "did not issue MAIL/EXPN/VRFY/ETRN"  # the healthcheck's connections, every 2 s
# what Sendmail writes each time the lab restarts it, nothing a student looks for
HOUSEKEEPING = re.compile(r"^(?:alias database \S+ rebuilt|/etc/mail/aliases: \d+ aliases)")
WRAPPERS_RULE = "TCP wrappers (hosts.allow/deny)"
RULESETS = "sendmail.cf rulesets"  # a trace step's "list" for check_relay, check_mail, check_rcpt


def for_people(program: str, message: str) -> bool:
    """Whether a line Sendmail wrote is one a person reads in the log: every line but the alias
    database's housekeeping at each restart (Sendmail has no verbose trace in the lab)."""
    return not HOUSEKEEPING.match(message)


def parsed(lines: Iterable[str]) -> Iterator[tuple[str, str | None, str, str]]:
    """(pid, queue id or None, text, line) of every sendmail line but the healthcheck's."""
    for line in lines:
        m = LINE.search(line)
        if m and NOISE not in line:
            yield m["pid"], m["qid"], m["text"], line


def sessions(lines: list[str]) -> list[Session]:
    """SMTP sessions in order, grouped by the sendmail child that served them."""
    found: dict[str, Session] = {}
    for pid, qid, text, line in parsed(lines):
        if text.startswith("to=") or text.startswith("done "):
            continue  # a delivery child, not a session
        session = found.get(pid)
        if session is None:
            m = WRAPPERS.match(text) or CLIENT.search(text)
            if not m:
                continue
            session = found[pid] = Session(pid, m["name"] or "", m["addr"])
        session.lines.append(line)
        if qid and qid != "NOQUEUE" and qid not in session.queue_ids:
            session.queue_ids.append(qid)
    return list(found.values())


def queue_ids_for(lines: list[str], token: str) -> list[str]:
    """Queue ids of messages whose msgid carries the token (the probe puts it there)."""
    return [qid for _, qid, text, _ in parsed(lines) if qid and (m := MSGID.match(text)) and token in m["msgid"]]


def probe_session(lines: list[str], token: str, client_address: str | None = None) -> Session | None:
    """The probe's session: the one that queued the token's message, else the first from the
    probe's client address (sessions.pick)."""
    return pick(sessions(lines), set(queue_ids_for(lines, token)), client_address)


def decision(session: Session) -> tuple[str | None, list[str]]:
    """What decided the session, as Sendmail's log names it, and the lines that say so."""
    rule, evidence = None, []
    for _, _, text, line in parsed(session.lines):
        if WRAPPERS.match(text):
            rule = WRAPPERS_RULE
        elif m := REJECT.match(text):
            rule = f"{m['ruleset']}: {m['reason'].split('.')[0]}"
        elif text.startswith("AUTH failure"):
            rule = "SMTP AUTH (SASL password check)"
        elif m := AUTH_OK.match(text):
            rule = f"SMTP AUTH (authid={m['user']})"
        elif not MSGID.match(text):
            continue
        evidence.append(line)
    return rule, evidence


def trace(lines: list[str]) -> list[TraceStep]:
    """What a session's log shows of Sendmail's checks, in order: a TCP-wrappers refusal and
    each check_* ruleset's refusal (Sendmail logs nothing for a check that lets a client pass)."""
    steps = []
    for _, _, text, _ in parsed(lines):
        if WRAPPERS.match(text):
            steps.append(TraceStep("TCP wrappers", "hosts.allow, hosts.deny", StepResult.REJECT, text))
        elif m := REJECT.match(text):
            result = StepResult.DEFER if transient(m["code"]) else StepResult.REJECT
            reply = f"{m['code']} {m['dsn'] or ''}{m['reason']}"
            steps.append(TraceStep(RULESETS, m["ruleset"], result, f"arg1={m['arg']}: {reply}"))
    return steps


@dataclass(frozen=True)
class SendmailDelivery(Delivery):
    code: int | None = None

    @property
    def reply_code(self) -> int | None:
        return self.code


def status_of(stat: str) -> DeliveryStatus:
    """Sendmail's stat= text -> what became of the message (sent, deferred, bounced)."""
    if stat.startswith("Sent"):
        return DeliveryStatus.SENT
    if stat.startswith("Deferred"):
        return DeliveryStatus.DEFERRED
    return DeliveryStatus.BOUNCED


def deliveries(lines: list[str], token: str) -> list[SendmailDelivery]:
    """What the log says Sendmail did with the token's message(s): one per to= line."""
    ids = set(queue_ids_for(lines, token))
    out = []
    for _, qid, text, line in parsed(lines):
        m = TO.match(text)
        if m and qid in ids:
            r = REPLY.search(text)
            detail = m["stat"] + (f" (host said: {r['reply']})" if r else "")
            out.append(SendmailDelivery(qid, m["rcpt"], status_of(m["stat"]), detail, line,
                                        int(r["code"]) if r else None))
    return out


def procmail_abstract(text: str, token: str) -> list[str]:
    """procmail's LOGABSTRACT entry for the token's message: From, Subject and Folder lines."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(" Subject:") and token in line:
            entry = lines[max(i - 1, 0):i + 2]
            return [" ".join(e.split()) for e in entry if e.startswith(("From ", " Subject:", "  Folder:"))]
    return []
