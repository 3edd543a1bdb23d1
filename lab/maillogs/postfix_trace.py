"""Postfix's restriction trace, read from its verbose smtpd log.

With the client's address in debug_peer_list, smtpd logs every restriction list it
evaluates: `>>> START Recipient address RESTRICTIONS <<<`, then per restriction
`generic_checks: name=<restriction>`, the lookups it makes, the reply it logs, and
`generic_checks: name=<restriction> status=<n>` (0 no decision, 1 permit, 2 reject or
defer - the reply's code tells which), then `>>> END ... <<<`. A restriction Postfix skips
gets a warning of its own ("restriction `check_relay_domains' after `reject' is ignored").

The START line names the list by the words of its replies ("Recipient address"), not by
its parameter: smtpd_relay_restrictions (Postfix >= 2.10) and smtpd_recipient_restrictions
both say "Recipient address", the relay list first, and an empty list is not evaluated at
all. Which block is which therefore needs the configured lists (`lists`, from postconf),
which also give each restriction as configured, with its map."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lab.maillogs.postfix import parsed
from lab.model.outcomes import transient
from lab.model.trace import StepResult, TraceStep

# the parameters a trace can name, as `postconf` lists them
PARAMS = ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
          "smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_data_restrictions",
          "smtpd_end_of_data_restrictions", "smtpd_etrn_restrictions")
RELAY, RECIPIENT = "smtpd_relay_restrictions", "smtpd_recipient_restrictions"
# the START line's words (smtpd_check.c's reply classes) -> the parameter
WORDS = {"Client host": "smtpd_client_restrictions", "Helo command": "smtpd_helo_restrictions",
         "Sender address": "smtpd_sender_restrictions", "Recipient address": RECIPIENT,
         "Data command": "smtpd_data_restrictions", "End-of-data": "smtpd_end_of_data_restrictions",
         "Etrn command": "smtpd_etrn_restrictions"}
# Postfix's own recipient check (smtpd_reject_unlisted_recipient = yes), logged as
# ">>> CHECKING Recipient address VALIDATION MAPS <<<" with no END line
UNLISTED = ("smtpd_reject_unlisted_recipient", "reject_unlisted_recipient")

START = re.compile(r"^>>> START (?P<words>.+?) RESTRICTIONS <<<$")
END = re.compile(r"^>>> END (?P<words>.+?) RESTRICTIONS <<<$")
CHECKING = re.compile(r"^>>> CHECKING (?P<words>.+?) VALIDATION MAPS <<<$")
CHECK = re.compile(r"^generic_checks: name=(?P<name>\S+)(?: status=(?P<status>-?\d+))?$")
COMMAND = re.compile(r"^< \S+\[[^\]]*\]: (?P<command>.*)$")  # what the client sent
SENT = re.compile(r"^> \S+\[[^\]]*\]: ")  # what smtpd answered
MISS = re.compile(r"^maps_find: (?P<map>\S+?): (?P<key>\S*): not found$")
HIT = re.compile(r"^maps_find: (?P<map>\S+?): \S+?\([^)]*\): (?P<key>\S*) = (?P<value>.*)$")
LISTED = re.compile(r"^match_host(?:name|addr): (?P<list>\w+): ")
NO_MATCH = re.compile(r"^match_list_match: (?P<what>\S+): no match$")
ACTION = re.compile(r"^(?:NOQUEUE|[0-9A-Za-z]+): (?P<kind>reject|reject_warning|permit|defer|discard|hold|warn|filter|"
                    r"redirect): [A-Z-]+ from \S+: (?P<text>.*?)(?:; from=<.*)?$")
CODE = re.compile(r"^(?P<code>[245]\d\d) ")
IGNORED = re.compile(r"^warning: restriction `(?P<name>[^']+)' after `(?P<after>[^']+)' is ignored$")
# restrictions whose next word is their argument (a map, a policy server, a DNS list)
TAKES_ARGUMENT = re.compile(r"^(?:check_\w+_access|check_policy_service|reject_rbl_client|reject_rhsbl_\w+|"
                            r"permit_dnswl_client|permit_rhswl_client)$", re.IGNORECASE)


def entries(value: str) -> list[str]:
    """A restriction list's value -> its restrictions as configured, each with its argument:
    'permit_mynetworks, check_recipient_access hash:/etc/postfix/access, reject' ->
    ['permit_mynetworks', 'check_recipient_access hash:/etc/postfix/access', 'reject']."""
    out: list[str] = []
    for word in re.split(r"[\s,]+", value.strip()):
        if not word:
            continue
        if out and " " not in out[-1] and TAKES_ARGUMENT.match(out[-1]):
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def lists_from_postconf(text: str, service: str = "smtp") -> dict[str, list[str]]:
    """`postconf <params>` and `postconf -P` output -> each list's restrictions for one
    master.cf service: main.cf's value, unless the service overrides it with -o."""
    lists: dict[str, list[str]] = {}
    overrides: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(" = ")
        if not sep and line.rstrip().endswith(" ="):
            name, sep, value = line.rstrip()[:-2], " =", ""
        if not sep:
            continue
        parts = name.strip().split("/")
        if len(parts) == 1:
            lists[parts[0]] = entries(value)
        elif len(parts) == 3 and parts[0] == service:
            overrides[parts[2]] = entries(value)
    return {**lists, **overrides}


def service_of(lines: list[str]) -> str:
    """The master.cf service whose smtpd logged these lines: 'smtpd' -> smtp, and a
    service with its own syslog_name ('submission/smtpd') -> that name."""
    for daemon, _, _, _ in parsed(lines):
        if daemon.endswith("smtpd"):
            return daemon.rsplit("/", 1)[0] if "/" in daemon else "smtp"
    return "smtp"


@dataclass
class _Block:
    """One evaluation of one restriction list."""
    param: str
    configured: list[str]
    cursor: int = 0  # restrictions before it were evaluated or passed over

    def configured_as(self, name: str) -> str | None:
        """The next configured restriction called `name`, with its argument."""
        for i in range(self.cursor, len(self.configured)):
            if self.configured[i].split()[0].lower() == name.lower():
                self.cursor = i + 1
                return self.configured[i]
        return None


@dataclass
class _Step:
    param: str
    name: str
    restriction: str | None
    result: StepResult | None = None
    misses: dict[str, list[str]] = field(default_factory=dict)  # map -> keys not found
    hits: list[tuple[str, str]] = field(default_factory=list)  # (map, "key = value")
    listed: str | None = None  # the address list asked (mynetworks)
    unmatched: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # the reply or permit Postfix logged
    code: str | None = None
    ignored: list[TraceStep] = field(default_factory=list)  # skipped after this one, with the warning
    status: str | None = None

    def finish(self, status: str | None) -> None:
        self.status = status
        if status == "1":
            self.result = StepResult.PERMIT
        elif status == "2":
            self.result = StepResult.DEFER if transient(self.code) else StepResult.REJECT
        elif status is None and self.code:  # no status line: Postfix's own check, or a cut-off log
            self.result = StepResult.DEFER if transient(self.code) else StepResult.REJECT
        else:
            self.result = StepResult.NO_DECISION

    def as_steps(self) -> list[TraceStep]:
        restriction = self.restriction or self.name
        maps = list(self.misses) + [m for m, _ in self.hits]
        if " " not in restriction and TAKES_ARGUMENT.match(restriction) and maps:
            restriction = f"{restriction} {maps[0]}"
        own = restriction.partition(" ")[2]  # the restriction's own map needs no naming again

        def where(map_name: str) -> str:
            return "" if map_name == own else f"{map_name}: "

        parts = [f"{where(m)}not found: {', '.join(keys)}" for m, keys in self.misses.items()]
        parts += [f"{where(m)}{found}" for m, found in self.hits]
        if self.unmatched:
            parts.append(f"{self.listed or 'list'}: no match for {', '.join(self.unmatched)}")
        parts += self.said
        if self.status not in (None, "0", "1", "2"):
            parts.append(f"status={self.status}")
        return [TraceStep(self.param, restriction, self.result or StepResult.NO_DECISION, "; ".join(parts)),
                *self.ignored]


def _list_for(words: str, recipient_blocks: int, lists: dict[str, list[str]]) -> str:
    param = WORDS.get(words, f"({words} restrictions)")
    # at RCPT, smtpd_relay_restrictions first - unless it is empty (then it is not evaluated);
    # without the configuration, assume Postfix's default relay list (not empty)
    if param == RECIPIENT and recipient_blocks == 0 and lists.get(RELAY, ["?"]):
        return RELAY
    return param


def trace(lines: list[str], lists: dict[str, list[str]] | None = None) -> list[TraceStep]:
    """Every restriction one smtpd session evaluated, in order (see the module's docstring).
    `lines`: the session's log lines; `lists`: the configured restriction lists of the
    session's service (lists_from_postconf), parameter -> restrictions."""
    lists = lists or {}
    order: list[_Step] = []  # in the order evaluation started (nested classes inside their caller)
    blocks: list[_Block] = []
    open_steps: list[_Step] = []
    validation: _Step | None = None
    recipient_blocks = 0  # "Recipient address" lists evaluated for the current command
    for _, _, text, _ in parsed(lines):
        if COMMAND.match(text) or SENT.match(text) or START.match(text) or text.startswith("disconnect from"):
            if validation is not None:
                validation.finish(None)
                validation = None
        if COMMAND.match(text):
            recipient_blocks = 0
        elif m := START.match(text):
            if blocks:  # a restriction class (or an access map's restriction list) inside a list
                blocks.append(_Block(blocks[-1].param, []))
            else:
                param = _list_for(m["words"], recipient_blocks, lists)
                recipient_blocks += m["words"] == "Recipient address"
                blocks.append(_Block(param, lists.get(param, [])))
        elif END.match(text):
            if blocks:
                blocks.pop()
        elif CHECKING.match(text):
            validation = _Step(UNLISTED[0], UNLISTED[1], UNLISTED[1])
            order.append(validation)
        elif (m := CHECK.match(text)) and blocks:
            if m["status"] is None:
                step = _Step(blocks[-1].param, m["name"], blocks[-1].configured_as(m["name"]))
                order.append(step)
                open_steps.append(step)
            else:
                for i in range(len(open_steps) - 1, -1, -1):
                    if open_steps[i].name == m["name"]:
                        open_steps.pop(i).finish(m["status"])
                        break
        else:
            noted = open_steps[-1] if open_steps else validation
            if noted is not None:
                _note(noted, text, blocks[-1] if blocks else None)
    for step in open_steps:  # a session cut short (the log read before smtpd finished)
        step.finish(None)
    if validation is not None:
        validation.finish(None)
    return [s for step in order if _told(step) for s in step.as_steps()]


def _told(step: _Step) -> bool:
    """Every restriction is a step; Postfix's own recipient validation only when it found
    the recipient or refused it (otherwise it only looked through empty alias maps)."""
    return step.name != UNLISTED[1] or bool(step.hits or step.said)


def _note(step: _Step, text: str, block: _Block | None) -> None:
    """What one log line inside a step says about it."""
    if m := MISS.match(text):
        if step.name != UNLISTED[1]:  # the validation's misses are every canonical/alias map
            step.misses.setdefault(m["map"], []).append(m["key"])
    elif m := HIT.match(text):
        step.hits.append((m["map"], f"{m['key']} = {m['value']}"))
    elif m := LISTED.match(text):
        step.listed = m["list"]
    elif m := NO_MATCH.match(text):
        step.unmatched.append(m["what"])
    elif m := ACTION.match(text):
        step.said.append(m["text"].strip())
        if c := CODE.match(m["text"]):
            step.code = c["code"]
    elif (m := IGNORED.match(text)) and block is not None:
        skipped = block.configured_as(m["name"]) or m["name"]
        step.ignored.append(TraceStep(block.param, skipped, StepResult.IGNORED, text))
