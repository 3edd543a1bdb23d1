"""A variant's run as a table: for the terminal (rich, mismatches in red) and as Markdown.
Both read the RunResult (the JSON) and nothing else."""

from __future__ import annotations

from rich import box
from rich.table import Table

from .results import ProbeResult, RunResult

COLUMNS = ("probe", "from", "expected", "actual", "code", "stage", "decided by", "client seen as", "fate")


def short_fate(fate: str | None) -> str:
    """host:/var/mail/sink/Maildir/new/1795...mx -> host:/var/mail/sink/Maildir/new/"""
    if not fate:
        return "-"
    host, sep, path = fate.partition(":")
    if sep and path.startswith("/") and "/" in path.rstrip("/"):
        return f"{host}:{path.rsplit('/', 1)[0]}/"
    return fate


def _row(p: ProbeResult, server: str) -> tuple[str, ...]:
    seen = p.client_address_seen or "-"
    if p.client_address_seen and p.client_address_seen != p.client_address:
        seen += f" (NOT {p.client_address}!)"
    path = f"{p.client} -> {p.server}" + (f" -> {server}" if p.server != server else "")
    return (p.probe, path, p.expected or "?", p.actual, str(p.code or "-"), p.stage,
            p.rule or "-", seen, short_fate(p.fate))


def table(run: RunResult) -> Table:
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
              title=f"[bold]{run.variant}[/] ({run.server}) - {run.title}")
    for column in COLUMNS:
        t.add_column(column, overflow="fold")
    for p in run.probes:
        cells = list(_row(p, run.server))
        colour = "green" if p.ok else "bold red"
        cells[3] = f"[{colour}]{cells[3]}[/]"
        if not p.ok:
            cells[0] = f"[bold red]✗ {cells[0]}[/]"
        t.add_row(*cells)
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
    out += ["", "## Lesson", "", run.lesson, "", "## Configuration applied", ""]
    for key in ("postconf", "postconf_lab"):
        if run.config.get(key):
            out += [f"`{key}`:", "", "```", run.config[key].rstrip(), "```", ""]
    for path, text in (run.config.get("files") or {}).items():
        out += [f"`{path}`:", "", "```", text.rstrip() or "(empty)", "```", ""]
    out += ["## Versions", ""] + [f"- {k}: {v}" for k, v in run.versions.items()]
    return "\n".join(out) + "\n"
