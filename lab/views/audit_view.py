"""`make audit` on the terminal and in Markdown: each of nmap's tests (the envelope, the
server's reply, what nmap concluded), for every test nmap calls a relay whether its message
really reached the remote sink, the lab's own rows, and the one line saying who agrees."""

from __future__ import annotations

import re

from rich.console import Group
from rich.table import Table
from rich.text import Text

from lab.model.audit import Audit, NmapTest, Verdict
from lab.views import lang

STYLE = {Verdict.CLOSED: "bold green", Verdict.RELAY: "bold red", Verdict.DISAGREE: "bold yellow",
         Verdict.UNTESTED: "bold yellow"}
# "554 5.7.1 <carol@remote.example>: Recipient address rejected: ..." -> "554 Recipient address rejected: ..."
_REPLY = re.compile(r"^(?P<code>\d{3})[ -](?:\d\.\d{1,3}\.\d{1,3} )?(?:<[^>]*>(?::|\.\.\.) ?)?(?P<text>.*)$")


def short_reply(reply: str) -> str:
    m = _REPLY.match(reply)
    return f"{m['code']} {m['text']}".strip() if m else reply


def nmap_says(test: NmapTest) -> str:
    return "relay" if test.claimed else "no"


def sink_says(test: NmapTest) -> str:
    """For a test nmap calls a relay: did its message reach the remote sink (the lab's fate check)?"""
    if not test.claimed:
        return "-"
    return "relayed" if test.relayed else f"not relayed: {test.sink or 'not sent'}"


def heading(audit: Audit, variant: str) -> str:
    return f"{audit.tool} {audit.version} -> {audit.target} ({variant}); nmap: {audit.said}"


def table(audit: Audit, variant: str) -> Group:
    t = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    t.add_column("#", justify="right", no_wrap=True, min_width=2)
    t.add_column("MAIL FROM, RCPT TO", overflow="fold", ratio=3, min_width=24)
    t.add_column("server said", overflow="fold", ratio=2, min_width=12)
    t.add_column("nmap", no_wrap=True, min_width=5)
    t.add_column("remote sink", overflow="fold", min_width=11)
    for test in audit.tests:
        sink = sink_says(test)
        envelope = f"<{test.mail_from}>\n" + ("(RCPT TO not sent)" if test.rcpt_to is None else f"<{test.rcpt_to}>")
        t.add_row(str(test.number), envelope, short_reply(test.reply),
                  Text(nmap_says(test), style="red" if test.claimed else ""),
                  Text(sink, style="bold red" if test.relayed else "green" if test.claimed else "dim"))
    rows = ", ".join(f"{p}: {o}" for p, o in audit.lab_rows.items()) or "none for an untrusted internet host"
    below = [Text(f"the lab's rows ({audit.lab_source}): {rows}", style="dim")]
    below += [Text(note, style="dim") for note in audit.notes]
    return Group(Text(heading(audit, variant), style="bold"), t, *below)


def line(audit: Audit) -> Text:
    return Text(f"audit: {audit.line} [{audit.seconds} s, exit {audit.exit_status}]", style=STYLE[audit.verdict])


def markdown(audit: Audit) -> list[str]:
    """The audit's section of a run's Markdown."""
    out = ["", "## nmap's second opinion (smtp-open-relay)", "",
           f"{audit.tool} {audit.version} -> `{audit.target}`; nmap: *{audit.said}*", "",
           f"**{audit.line}**", "", "| # | MAIL FROM | RCPT TO | server said | nmap | remote sink |",
           "| --- | --- | --- | --- | --- | --- |"]
    for test in audit.tests:
        recipient = "(not sent)" if test.rcpt_to is None else f"`<{test.rcpt_to}>`"
        out.append(f"| {test.number} | `<{test.mail_from}>` | {recipient} | {short_reply(test.reply).replace('|', '/')} "
                   f"| {nmap_says(test)} | {sink_says(test)} |")
    rows = ", ".join(f"{p}: {o}" for p, o in audit.lab_rows.items()) or "none for an untrusted internet host"
    return out + ["", f"The lab's rows ({audit.lab_source}): {rows}."] + [f"{note}." for note in audit.notes]


def cell(audit: Audit, language: str | None = None) -> tuple[str, str]:
    """The report's nmap note in a relay row (under the row's fate), two short parts:
    agreement, and how many of nmap's tests really reached the remote sink (the whole line
    is its title, and the sentence under the table)."""
    word = {Verdict.CLOSED: "agrees", Verdict.RELAY: "agrees", Verdict.DISAGREE: "disagrees",
            Verdict.UNTESTED: "untested"}[audit.verdict]
    return lang.t(f"nmap:{word}", language), f"{len(audit.relayed)}/{len(audit.tests)} {lang.t('nmap:relayed', language)}"
