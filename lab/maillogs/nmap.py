"""Reading what nmap wrote about smtp-open-relay: its XML report (version, nmap's conclusion
and, with -vv, every envelope it calls a relay) and its script trace (--script-trace: every
command the script sent and every reply, so each test is shown with the server's own answer).

The trace prints a payload either as text (`NSE: TCP a > b | RCPT TO:<x>`) or, when nmap
finds it not printable enough, as a hex dump whose first line follows the `|` and whose
further lines stand alone (`00000010: 65 78 ...  ascii`). Pure: text in, data out."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lab.errors import LabError
from lab.model.audit import Conclusion, NmapScan, NmapTest

SCRIPT = "smtp-open-relay"
EVENT = re.compile(r"^NSE: TCP \S+ (?P<way>[<>]) \S+ \| (?P<data>.*)$")
HEX_LINE = re.compile(r"^(?P<offset>[0-9a-f]{8}): (?P<bytes>.{48})")
MARKERS = {"CONNECT", "SEND", "CLOSE"}  # what the trace says of the socket, not data sent
CLAIM = re.compile(r"^MAIL FROM:<(?P<sender>.*)> -> RCPT TO:<(?P<recipient>.*)>$")
CLOSED_WORDS = ("doesn't seem to be an open relay", "isn't an open relay")


def _hex(chunk: str) -> bytes:
    return bytes.fromhex(chunk.replace(" ", ""))


def events(trace: str) -> list[tuple[str, str]]:
    """(">" sent or "<" received, the payload as text without its line end), in order."""
    found: list[tuple[str, str]] = []
    lines = trace.splitlines()
    i = 0
    while i < len(lines):
        m = EVENT.match(lines[i])
        i += 1
        if not m:
            continue
        data = m["data"]
        dump = HEX_LINE.match(data.ljust(58))
        if dump and dump["offset"] == "00000000":
            raw = _hex(dump["bytes"])
            while i < len(lines) and (more := HEX_LINE.match(lines[i].ljust(58))) and more["offset"] != "00000000":
                raw += _hex(more["bytes"])
                i += 1
            data = raw.decode("utf-8", errors="replace")
        if m["way"] == ">" and data in MARKERS:
            continue
        found.append((m["way"], data.rstrip("\r\n")))
    return found


def _code(reply: str) -> int | None:
    return int(reply[:3]) if reply[:3].isdigit() else None


def tests_from_trace(trace: str) -> list[NmapTest]:
    """Every test as it ran: a test starts with MAIL FROM; the last reply in it is its answer."""
    tests: list[dict] = []
    waiting = None  # the command whose reply comes next: "mail", "rcpt" or another one
    for way, data in events(trace):
        if way == ">":
            verb = data.split(":", 1)[0].upper()
            if verb == "MAIL FROM":
                tests.append({"mail_from": data.split("<", 1)[-1].rsplit(">", 1)[0], "rcpt_to": None,
                              "code": None, "reply": "no reply"})
                waiting = "mail"
            elif verb == "RCPT TO" and tests:
                tests[-1]["rcpt_to"] = data.split("<", 1)[-1].rsplit(">", 1)[0]
                waiting = "rcpt"
            else:
                waiting = None
        elif waiting in ("mail", "rcpt") and tests:
            first = data.splitlines()[0] if data else ""
            tests[-1].update(code=_code(first), reply=first)
            waiting = None
    return [NmapTest(number=n, **t) for n, t in enumerate(tests, 1)]


def parse(xml_text: str, trace: str) -> NmapScan:
    """nmap's report of one smtp-open-relay run (-oX) and its trace (--script-trace, -vv)."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise LabError(f"nmap wrote no readable XML report ({exc})") from None
    version = root.get("version", "?")
    address = root.find("host/address")
    target = address.get("addr", "?") if address is not None else "?"
    state = root.find("host/ports/port/state")
    script = root.find(f"host/ports/port/script[@id='{SCRIPT}']")
    output = (script.get("output", "") if script is not None else "").strip()
    lines = [line.strip() for line in output.splitlines()]
    if script is None:
        said = f"port {state.get('state') if state is not None else 'not scanned'}: {SCRIPT} did not run"
    else:
        said = lines[0] if lines else "(no output)"
    claims = [(m["sender"], m["recipient"]) for line in lines[1:] if (m := CLAIM.match(line))]
    if said.startswith("Server is an open relay"):
        conclusion = Conclusion.RELAY
    elif any(words in said for words in CLOSED_WORDS):
        conclusion = Conclusion.CLOSED
    else:
        conclusion = Conclusion.UNTESTED
    tests = tests_from_trace(trace)
    marked, pending = [], list(claims)
    for t in tests:  # nmap lists its claims in test order
        hit = bool(pending) and pending[0] == (t.mail_from, t.rcpt_to)
        if hit:
            pending.pop(0)
        marked.append(NmapTest(t.number, t.mail_from, t.rcpt_to, t.code, t.reply, claimed=hit))
    if pending:
        raise LabError(f"nmap calls {len(pending)} envelope(s) a relay that its trace never shows "
                       f"(first: MAIL FROM:<{pending[0][0]}> -> RCPT TO:<{pending[0][1]}>)")
    return NmapScan(version=version, target=target, conclusion=conclusion, said=said, tests=tuple(marked))
