"""A variant's run as a table: for the terminal (rich, mismatches in red) and as Markdown.
Both read the RunResult (the JSON) and nothing else."""

from __future__ import annotations

import re

from rich import box
from rich.table import Table

from lab.model.outcomes import Outcome
from lab.model.results import ProbeResult, RunResult

COLUMNS = ("probe", "from", "expected", "actual", "code", "stage", "decided by", "client seen as", "fate",
           "maillog says")


def short_fate(fate: str | None) -> str:
    """host:/var/mail/sink/Maildir/new/1795...mx -> host:/var/mail/sink/Maildir/new/ (an mbox
    file such as /var/mail/alice or /var/tmp/filterd-mails is named whole)"""
    if not fate:
        return "-"
    host, sep, path = fate.partition(":")
    if sep and re.search(r"/Maildir/(new|cur|tmp)/[^/]+$", path):
        return f"{host}:{path.rsplit('/', 1)[0]}/"
    return fate


def _row(p: ProbeResult, server: str) -> tuple[str, ...]:
    seen = p.client_address_seen or "-"
    if p.client_address_seen and p.client_address_seen != p.client_address:
        seen += f" (NOT {p.client_address}!)"
    path = f"{p.client} -> {p.server}" + (f" -> {server}" if p.server != server else "")
    return (p.probe, path, p.expected or "?", p.actual, str(p.code or "-"), p.stage,
            p.rule or "-", seen, short_fate(p.fate), said(p.claim))


def said(claim: str | None) -> str:
    """A server's delivery line in a few words: 'stat=Sent (mailer=local)'."""
    if not claim:
        return "-"
    stat = re.search(r"\b(stat|status)=([^(,]*)", claim)
    mailer = re.search(r"\bmailer=(\w+)", claim)
    return f"{stat[1]}={stat[2].strip()}" + (f" (mailer={mailer[1]})" if mailer else "") if stat else claim


def lies(p: ProbeResult) -> bool:
    """The message was quarantined, yet the server's log calls it delivered."""
    return p.actual == Outcome.QUARANTINED and bool(p.claim) and said(p.claim).lower().startswith(("stat=sent", "status=sent"))


# the terminal is narrower than a page: code and stage share a column, and the last one
# is the command that runs the row's probe again
TERMINAL_COLUMNS = COLUMNS[:4] + ("reply",) + COLUMNS[6:] + ("reproduce",)


def table(run: RunResult) -> Table:
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
              title=f"[bold]{run.variant}[/] ({run.server}) - {run.title}")
    claims = any(p.claim for p in run.probes)  # only servers that log a claim get the column
    for column in TERMINAL_COLUMNS:
        if column != "maillog says" or claims:
            t.add_column(column, overflow="fold", no_wrap=column in ("probe", "actual", "expected"))
    for p in run.probes:
        cells = list(_row(p, run.server))
        colour = "green" if p.ok else "bold red"
        cells[3] = f"[{colour}]{cells[3]}[/]"
        if not p.ok:
            cells[0] = f"[bold red]✗ {cells[0]}[/]"
        if lies(p):
            cells[9] = f"[bold yellow]{cells[9]} ← but quarantined[/]"
        cells[4:6] = [f"{cells[4]} {cells[5]}"]
        if not claims:
            del cells[8]
        t.add_row(*cells, f"[dim]{p.reproduce}[/]")
    return t


def summary(run: RunResult) -> str:
    bad = [p.probe for p in run.probes if not p.ok]
    verdict = "all outcomes as expected" if not bad else f"{len(bad)} MISMATCH: {', '.join(bad)}"
    return f"{run.variant}: {len(run.probes)} probes in {run.seconds} s, {verdict}"


def details(run: RunResult) -> list[str]:
    """Warnings and the reproduce command for every row that did not match."""
    lines = []
    for p in run.probes:
        for w in p.warnings:
            lines.append(f"WARNING {p.probe}: {w}")
        if not p.ok:
            lines.append(f"{p.probe}: expected {p.expected}, got {p.actual} ({p.code} at {p.stage}); "
                         f"reproduce: {p.reproduce}")
            lines += [f"    {e}" for e in p.evidence[-3:]]
    for p in run.probes:
        if p.actual == Outcome.QUARANTINED:
            lines.append(f"{p.probe}: quarantined in {p.fate}; the mail log says: {p.claim or 'nothing'}")
            lines += [f"    {r}" for r in p.records]
    return lines


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(run: RunResult) -> str:
    out = [f"# {run.variant}: {run.title}", "", f"Server under test: **{run.server}** · started {run.started} · "
           f"{run.seconds} s · {'**all as expected**' if run.ok else '**MISMATCHES**'}", ""]
    out += ["| " + " | ".join(COLUMNS) + " | reproduce |", "|" + " --- |" * (len(COLUMNS) + 1)]
    for p in run.probes:
        cells = list(_row(p, run.server))
        if not p.ok:
            cells[3] = f"**{cells[3]} ✗**"
        out.append("| " + " | ".join(_md(c) for c in cells) + f" | `{p.reproduce}` |")
    quarantined = [p for p in run.probes if p.actual == Outcome.QUARANTINED]
    if quarantined:
        out += ["", "## Quarantined, and what the logs say", "",
                "| probe | where the message really is | the mail log says | procmail's record |", "| --- | --- | --- | --- |"]
        for p in quarantined:
            out.append(f"| {p.probe} | `{_md(p.fate)}` | `{_md(p.claim or '(nothing)')}` | "
                       f"{'<br>'.join(f'`{_md(r)}`' for r in p.records) or '(none kept)'} |")
    out += ["", "## Lesson", "", run.lesson, "", "## Configuration applied", ""]
    for key in ("postconf", "postconf_lab"):
        if run.config.get(key):
            out += [f"`{key}`:", "", "```", run.config[key].rstrip(), "```", ""]
    for path, text in (run.config.get("files") or {}).items():
        out += [f"`{path}`:", "", "```", text.rstrip() or "(empty)", "```", ""]
    out += ["## Versions", ""] + [f"- {k}: {v}" for k, v in run.versions.items()]
    return "\n".join(out) + "\n"
