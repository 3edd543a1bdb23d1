"""`make audit` as data: nmap's smtp-open-relay tests against the server under test, what the
lab's own fate check made of every test nmap calls a relay, and the one verdict - do nmap and
the lab's rows agree? Pure: no Docker, no files.

nmap decides a relay by the server's replies alone (MAIL FROM and RCPT TO accepted; it never
sends DATA). The lab therefore sends each test nmap calls a relay again as a real message,
with a token, and looks for it in the remote sink: a claim the sink does not confirm is a
false claim, as visible as a relay the lab's own rows missed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import Enum

from lab.model.outcomes import Outcome
from lab.model.scenario import Probe
from lab.model.topology import Topology

TOOL = "nmap smtp-open-relay"


class Conclusion(str, Enum):
    """What nmap concluded about the server as a whole, from its script's output."""
    RELAY = "relay"  # "Server is an open relay (n/16 tests)"
    CLOSED = "closed"  # "doesn't seem to be an open relay" / "isn't an open relay, authentication needed"
    UNTESTED = "untested"  # an error, a closed port: nmap ran no test to the end

    def __str__(self) -> str:
        return self.value


class Verdict(str, Enum):
    CLOSED = "closed"  # nmap and the lab agree: nothing relays
    RELAY = "relay"  # a trick's message reached the remote sink, and the lab's rows say it relays too
    DISAGREE = "disagree"  # one side says relay, the other not (or nmap claims what the sink refutes)
    UNTESTED = "untested"  # nmap ran no test: no second opinion

    def __str__(self) -> str:
        return self.value


EXIT = {Verdict.CLOSED: 0, Verdict.RELAY: 1, Verdict.DISAGREE: 2, Verdict.UNTESTED: 2}


@dataclass(frozen=True)
class NmapTest:
    """One of nmap's tests as it ran: the envelope it sent, the server's last reply, nmap's call."""
    number: int  # 1.. in nmap's order
    mail_from: str  # without the angle brackets; "" is the null sender
    rcpt_to: str | None  # None: nmap never got to RCPT TO (MAIL FROM refused)
    code: int | None  # the server's reply to the last command of the test
    reply: str
    claimed: bool = False  # nmap lists the test as a relay
    # for a claimed test: the lab's fate check of the same envelope sent as a real message
    sink: Outcome | None = None  # relayed (found in the remote sink), or where else it went
    fate: str | None = None  # where it was found, or the reply that stopped it
    token: str | None = None

    @property
    def envelope(self) -> str:
        if self.rcpt_to is None:
            return f"MAIL FROM:<{self.mail_from}> (refused: no RCPT TO)"
        return f"MAIL FROM:<{self.mail_from}> -> RCPT TO:<{self.rcpt_to}>"

    @property
    def relayed(self) -> bool:
        return self.sink == Outcome.RELAYED


@dataclass(frozen=True)
class NmapScan:
    """What nmap itself reported (lab.maillogs.nmap reads it from its XML and script trace)."""
    version: str
    target: str  # the address nmap scanned
    conclusion: Conclusion
    said: str  # nmap's first line about the server, verbatim
    tests: tuple[NmapTest, ...]


@dataclass
class Audit:
    """One audit: nmap's tests, the sink's answer to each claim, the lab's rows, the verdict.
    `to_dict()` is the `audit` key of a run's JSON."""
    tool: str
    version: str
    target: str  # "<fqdn> [<address>]:25"
    conclusion: Conclusion
    said: str  # nmap's own words
    tests: list[NmapTest]
    relayed: list[int]  # the tests whose message really reached the remote sink
    lab_rows: dict[str, Outcome]  # the lab's rows for an untrusted internet host: probe -> outcome
    lab_source: str  # where those rows come from (this run, the latest run, the variant's file)
    agrees: bool
    verdict: Verdict
    line: str  # one line saying which
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # e.g. the server's tarpit lifted while nmap ran

    @property
    def exit_status(self) -> int:
        return EXIT[self.verdict]

    @property
    def claimed(self) -> list[int]:
        return [t.number for t in self.tests if t.claimed]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["claimed"] = self.claimed
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Audit":
        tests = [NmapTest(**{**t, "sink": Outcome(t["sink"]) if t.get("sink") else None}) for t in data["tests"]]
        fields = {k: v for k, v in data.items() if k not in ("tests", "claimed")}
        return cls(**{**fields, "tests": tests, "conclusion": Conclusion(data["conclusion"]),
                      "verdict": Verdict(data["verdict"]),
                      "lab_rows": {p: Outcome(o) for p, o in data["lab_rows"].items()}})


def stands_for_scanner(probe: Probe, topo: Topology) -> bool:
    """The lab's rows that ask what nmap asks: unauthenticated mail to a remote address on
    port 25, straight from a host on the internet that no variant trusts (not the trusted
    relay, not on the LAN) and that has not logged in over POP3 first."""
    client = topo.host(probe.client)
    return (probe.auth is None and probe.to == "remote" and probe.via is None and probe.port == 25
            and probe.pop in (None, "none") and set(client.addresses) == {"internet"}
            and client.name != topo.relay.name)


def judge(scan: NmapScan, tests: list[NmapTest], lab_rows: dict[str, Outcome], lab_source: str,
          target: str, seconds: float = 0.0) -> Audit:
    """The verdict, from nmap's claims, the sink's answers (tests with `sink` set) and the lab's rows."""
    claimed = [t for t in tests if t.claimed]
    relayed = [t.number for t in tests if t.relayed]
    lab_relays = any(o == Outcome.RELAYED for o in lab_rows.values())
    rows = ", ".join(f"{p}: {o}" for p, o in lab_rows.items()) or "no row for an untrusted internet host"
    total = len(tests)
    if scan.conclusion == Conclusion.UNTESTED and not claimed:
        verdict, line = Verdict.UNTESTED, f"no second opinion: nmap ran no test to the end (nmap: {scan.said})"
    elif relayed and lab_relays:
        verdict, line = Verdict.RELAY, (f"open relay, and both say so: {len(relayed)} of nmap's {total} tests reached "
                                        f"the remote sink; the lab's rows: {rows}")
    elif relayed:
        verdict, line = Verdict.DISAGREE, (f"disagreement: {len(relayed)} of nmap's {total} tests reached the remote "
                                           f"sink, but the lab's rows say nothing relays ({rows}): the lab's probes "
                                           f"miss a way")
    elif lab_relays:
        verdict, line = Verdict.DISAGREE, (f"disagreement: the lab's rows say an outside host relays ({rows}), but "
                                           f"none of nmap's {total} tests got a message to the remote sink")
    elif claimed:
        went = ", ".join(sorted({str(t.sink) for t in claimed}))
        verdict, line = Verdict.DISAGREE, (f"disagreement: nmap calls {len(claimed)} of its {total} tests a relay, but "
                                           f"none of their messages reached the remote sink (the lab's fate check: "
                                           f"{went}); the lab's rows: {rows}")
    else:
        verdict, line = Verdict.CLOSED, (f"nmap and the lab agree: nothing relays (nmap: 0 of {total} tests; "
                                         f"the lab's rows: {rows})")
    return Audit(tool=TOOL, version=scan.version, target=target, conclusion=scan.conclusion, said=scan.said,
                 tests=list(tests), relayed=relayed, lab_rows=dict(lab_rows), lab_source=lab_source,
                 agrees=verdict in (Verdict.CLOSED, Verdict.RELAY), verdict=verdict, line=line,
                 seconds=round(seconds, 1))


def with_fate(test: NmapTest, sink: Outcome, fate: str | None, token: str) -> NmapTest:
    return replace(test, sink=sink, fate=fate, token=token)


@dataclass
class AuditSweep:
    """`make audit-all`: every variant's audit, and the one line over them."""
    audits: dict[str, Audit] = field(default_factory=dict)  # variant -> its audit

    @property
    def exit_status(self) -> int:
        return max((a.exit_status for a in self.audits.values()), default=0)

    @property
    def line(self) -> str:
        by = {v: [name for name, a in self.audits.items() if a.verdict == v] for v in Verdict}
        parts = [f"{len(self.audits)} variants audited with {TOOL}: {len(by[Verdict.CLOSED])} agree nothing relays"]
        for verdict, word in ((Verdict.RELAY, "relay"), (Verdict.DISAGREE, "disagree"), (Verdict.UNTESTED, "untested")):
            if by[verdict]:
                parts.append(f"{len(by[verdict])} {word} ({', '.join(by[verdict])})")
        return "; ".join(parts)
