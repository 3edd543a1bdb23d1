"""Reading a Postfix mail log: which session was the probe's, who Postfix thought the
client was, which restriction decided, and what became of a queued message."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lab.maillogs.sessions import Delivery, DeliveryStatus, Session, pick

LINE = re.compile(r"postfix/(?P<daemon>[\w/-]+)\[(?P<pid>\d+)\]: (?P<text>.*)$")
CONNECT = re.compile(r"^connect from (?P<name>[^\[\s]+)\[(?P<addr>[^\]]+)\]")
QUEUED = re.compile(r"^(?P<qid>[0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}): client=")
DECISION = re.compile(r"^NOQUEUE: (?P<kind>reject|permit|defer|discard|hold): (?P<stage>[A-Z]+) from [^:]+: (?P<rest>.*)$")
REPLY = re.compile(r"^(?P<code>\d{3}) [\d.]+ (?:<[^>]*>: )?(?P<reason>[^;]*)")
KNOWN_STATUS = {s.value for s in DeliveryStatus}
STATUS = re.compile(r"^(?P<qid>\w+): to=<(?P<rcpt>[^>]*)>.*?status=(?P<status>\w+) \((?P<detail>.*)\)$")
MSGID = re.compile(r"^(?P<qid>\w+): message-id=<(?P<msgid>[^>]*)>")
CHAT = ("> ", "< ")  # with the client in debug_peer_list, smtpd logs every line sent and received
# what smtpd writes only for a client in debug_peer_list: lines that name the function that
# wrote them (match_list_match:, generic_checks:, dict lookups, ...), the SMTP dialogue, the
# trace's START/END marks and the attribute protocol it speaks with Postfix's other daemons
# (private/rewrite socket: wanted attribute: flags, send attr ..., input attribute ...)
VERBOSE = re.compile(r"^(?:[<>] |>>> |send attr |input attribute |connect to subsystem |(?:before|after) \w+: "
                     r"|table \S+ has changed|(?:private|public)/[\w-]+(?: socket)?: "
                     r"|(?!(?:warning|fatal|error|panic): )[a-z][a-z0-9_]*: )")

# reject reasons -> the restriction that produces them (Postfix does not name rejecting rules)
REASONS: list[tuple[str, str | dict[str, str]]] = [
    (r"Relay access denied", {"454": "defer_unauth_destination", "554": "reject_unauth_destination"}),
    # "Access denied" is the text of a bare `reject` (and of an access-map REJECT without
    # text of its own): the lab's maps give REJECT a text, so the bare text means `reject`
    (r"Client host rejected: Access denied", "reject"),
    (r"Client host rejected", "check_client_access"),
    (r"User unknown in local recipient table", "reject_unlisted_recipient"),
    (r"Recipient address rejected: Access denied", "reject"),
    (r"Recipient address rejected", "check_recipient_access"),
    (r"Sender address rejected", "sender restriction"),
    (r"Helo command rejected", "helo restriction"),
    (r"Access denied", "reject"),
]


def for_people(program: str, message: str) -> bool:
    """Whether a line Postfix wrote (`program`: postfix/smtpd, ...; `message`: after the tag)
    is one a person reads in the log - connect and disconnect, NOQUEUE: reject and permit,
    warnings and fatals, each queue id's client= (with the SASL user), from= and status=,
    reloads - rather than part of the verbose trace (anvil's statistics count as trace)."""
    return not VERBOSE.match(message)


def parsed(lines: Iterable[str]) -> Iterator[tuple[str, str, str, str]]:
    """(daemon, pid, text, line) of every Postfix line."""
    for line in lines:
        m = LINE.search(line)
        if m:
            yield m["daemon"], m["pid"], m["text"], line


def sessions(lines: list[str]) -> list[Session]:
    """smtpd sessions in order (one pid serves one session at a time)."""
    found: list[Session] = []
    open_by_pid: dict[str, Session] = {}
    for daemon, pid, text, line in parsed(lines):
        if not daemon.endswith("smtpd"):  # smtpd, or submission/smtpd (syslog_name of port 587)
            continue
        m = CONNECT.match(text)
        if m:
            open_by_pid[pid] = Session(pid, m["name"], m["addr"])
            found.append(open_by_pid[pid])
        session = open_by_pid.get(pid)
        if session is None:
            continue
        session.lines.append(line)
        q = QUEUED.match(text)
        if q:
            session.queue_ids.append(q["qid"])
        if text.startswith("disconnect from"):
            del open_by_pid[pid]
    return found


def queue_ids_for(lines: list[str], token: str) -> list[str]:
    """Queue ids of messages whose Message-ID carries the token (the probe puts it there)."""
    return [m["qid"] for _, _, text, _ in parsed(lines) if (m := MSGID.match(text)) and token in m["msgid"]]


def probe_session(lines: list[str], token: str, client_address: str | None = None) -> Session | None:
    return pick(sessions(lines), set(queue_ids_for(lines, token)), client_address)


def rule_for(reason: str, code: str) -> str | None:
    for pattern, rule in REASONS:
        if re.search(pattern, reason):
            return rule.get(code, rule["554"]) if isinstance(rule, dict) else rule
    return None


ACCESS_KINDS = {"Client host": "client", "Recipient address": "recipient", "Sender address": "sender",
                "Helo command": "helo", "Client name": "client", "Client address": "client"}


def permit_rule(rest: str) -> str:
    """'action=OK for Client host=x from hash:/etc/postfix/access' -> 'check_client_access hash:... (OK)'."""
    m = re.search(r"action=(?P<action>\S+) for (?P<what>[A-Za-z ]+?)=\S+(?: from (?P<map>[^\s;]+))?\s*(?:;|$)", rest)
    if not m:
        return "permit"
    if m["map"]:
        return f"check_{ACCESS_KINDS.get(m['what'], 'client')}_access {m['map']} ({m['action']})"
    return m["action"]


def decision(session: Session) -> tuple[str | None, list[str]]:
    """The deciding restriction named by the session's log, and the lines that say so."""
    rule, evidence = None, []
    for daemon, pid, text, line in parsed(session.lines):
        if text.startswith(CHAT):  # a traced session's dialogue ("> client: 535 ..."): the reply, not a decision
            continue
        if "warning:" in text and "127.0.0.1" not in text:
            evidence.append(line)
        m = DECISION.match(text)
        if m:
            evidence.append(line)
            if m["kind"] == "permit":
                rule = permit_rule(m["rest"])
            else:
                r = REPLY.match(m["rest"])
                rule = rule_for(r["reason"], r["code"]) if r else m["kind"]
        elif "authentication failed" in text:
            evidence.append(line)
            rule = "smtpd_sasl_auth_enable (password check)"
    return rule, evidence


def deliveries(lines: list[str], token: str) -> list[Delivery]:
    """What the log says happened to the token's message(s) on their way onwards."""
    ids = set(queue_ids_for(lines, token))
    out = []
    for _, _, text, line in parsed(lines):
        m = STATUS.match(text)
        if m and m["qid"] in ids and m["status"] in KNOWN_STATUS:  # not an address verification's
            out.append(Delivery(m["qid"], m["rcpt"], DeliveryStatus(m["status"]), m["detail"], line))
    return out
