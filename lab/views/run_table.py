"""A variant's run as a table: for the terminal (rich: fitted to the width, mismatches in red,
notes below) and as Markdown. Both read the RunResult (the JSON) and nothing else."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.text import Text

from lab.model.audit import Audit
from lab.model.outcomes import Outcome
from lab.model.results import ProbeResult, RunResult
from lab.views import audit_view, fit, goal_view, lang
from lab.views.words import Prose

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


# --- the terminal: a compact table that fits the width it gets, and notes below it ---------

MISMATCH, WARNING, QUARANTINE = "✗", "!", "*"  # marks in the actual cell; each has a note below
COMPACT = ("probe", "from → to", "expected", "actual", "goal", "reply", "decided by")
EXTRA = ("maillog says", "fate", "reproduce", "client seen as")  # shown when a line has room, in this order


def mismatch(p: ProbeResult) -> bool:
    """The outcome itself is wrong (not just doubted by a warning): the row's verdict says."""
    return p.verdict is not None and p.verdict.wrong_outcome


def foreign(p: ProbeResult) -> bool:
    """The server logged another address than the client's own: NAT or a proxy would make the row lie."""
    return p.client_address_seen not in (None, p.client_address)


def marks(p: ProbeResult) -> str:
    return ((MISMATCH if mismatch(p) else "") + (WARNING if p.warnings or foreign(p) else "")
            + (QUARANTINE if p.actual == Outcome.QUARANTINED else ""))


def _actual(p: ProbeResult) -> Text:
    text = Text(str(p.actual), style="green" if p.ok else "bold red")
    for mark in marks(p):
        text.append(" " + mark, style="bold yellow" if mark == QUARANTINE else "bold red")
    return text


def _seen(p: ProbeResult) -> Text:
    if foreign(p):
        return Text(f"{p.client_address_seen} (NOT {p.client_address}!)", style="bold red")
    return Text(p.client_address_seen or "-")


def _said(p: ProbeResult) -> Text:
    return Text(f"{said(p.claim)} ← but quarantined", style="bold yellow") if lies(p) else Text(said(p.claim))


def _goal(p: ProbeResult, judged: bool) -> Text:
    """Does the outcome meet the note's goal (a question apart from expected = actual)?"""
    style = "green" if p.goal_met else "bold red" if p.goal_met is False else "dim"
    return Text(lang.goal_mark(p.goal_met, judged), style=style)


def cells(p: ProbeResult, server: str, full_path: bool = False, judged: bool = True) -> dict[str, Text]:
    """Every terminal column's cell of one probe's row (`judged`: the run has a goal verdict)."""
    path = f"{p.client} → {p.server}" + (f" → {server}" if full_path and p.server != server else "")
    return {
        "probe": Text(p.probe, style="" if p.ok else "bold red"),
        "from → to": Text(path),
        "expected": Text(str(p.expected) if p.expected else "-"),
        "actual": _actual(p),
        "goal": _goal(p, judged),
        "reply": Text(f"{p.code or '-'} {p.stage.replace('->', '→')}"),
        "decided by": Text(p.rule or "-"),
        "client seen as": _seen(p),
        "fate": Text(short_fate(p.fate)),
        "maillog says": _said(p),
        "reproduce": Text(p.reproduce, style="dim"),
    }


def _columns(run: RunResult, names: Sequence[str], full_path: bool = False) -> list[fit.Column]:
    rows = [cells(p, run.server, full_path, judged=run.goal is not None) for p in run.probes]
    return [fit.Column(lang.t(name), [r[name] for r in rows], wrap=name not in ("probe", "expected", "actual", "goal"))
            for name in names]


class RunTable:
    """A run's table for the terminal. It chooses its layout when rich renders it, from the
    width it is given: one line per probe with as many columns as fit; else the compact columns
    wrapped at spaces (at most two lines a probe); else two lines per probe (the path and the
    deciding restriction below). `wide`: every column, whatever the width."""

    def __init__(self, run: RunResult, wide: bool = False):
        self.run, self.wide = run, wide

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        run, width = self.run, options.max_width
        title = run.title_ja if lang.current() == "ja" and run.title_ja else run.title
        yield Text.from_markup(f"[bold]{run.variant}[/] ({run.server}) - ") + Text(title)
        if not run.probes:
            yield Text("(no probes)")
            return
        claims = any(p.claim for p in run.probes)
        # the goal column: a run judged against the note's goal (older recorded runs are not)
        compact = COMPACT if run.goal is not None else tuple(n for n in COMPACT if n != "goal")
        if self.wide:
            names = compact + ("client seen as", "fate") + (("maillog says",) if claims else ()) + ("reproduce",)
            columns = _columns(run, names, full_path=True)
            narrow_first = ("reproduce", "maillog says", "decided by", "from → to", "reply")
            squeezed = fit.squeeze(columns, width, [names.index(n) for n in narrow_first if n in names])
            if fit.total(squeezed) <= width:
                yield fit.table(columns, squeezed)
            else:  # too narrow for every column side by side: each probe as a short record
                by_name = dict(zip(names, columns))
                heads = tuple(n for n in ("probe", "expected", "actual", "goal", "reply") if n in names)
                yield fit.records([by_name[n] for n in heads], [by_name[n] for n in names if n not in heads])
            return
        columns = _columns(run, compact)
        widths = fit.widths(console, columns, width)
        if widths is not None and widths == [c.full() for c in columns]:  # one line a probe: add detail columns while they fit
            seen = any(foreign(p) for p in run.probes)
            for name in (n for n in EXTRA if (claims or n != "maillog says") and (seen or n != "client seen as")):
                more = _columns(run, [name])[0]
                if fit.total(widths + [more.full()]) <= width:
                    columns, widths = columns + [more], widths + [more.full()]
            yield fit.table(columns, widths)
            return
        rows = len(run.probes)
        if widths and fit.row_lines(console, columns, widths) <= rows + rows // 3:
            yield fit.table(columns, widths)  # a few rows take a second line
            return
        by_name = dict(zip(compact, columns))
        # two lines a probe: the outcome columns on the first, the rest below (the reply moves
        # down too where the first line would not hold it)
        layouts = []
        for top in (("probe", "expected", "actual", "goal", "reply"), ("probe", "expected", "actual", "goal")):
            first = [by_name[n] for n in top if n in by_name]
            second = [by_name[n] for n in ("reply", "from → to", "decided by") if n not in top]
            layouts.append((fit.band_lines(console, first, second, width), first, second))
        most, first, second = min(layouts, key=lambda layout: layout[0])  # the first of the fewest lines
        if most < 1 << 16:
            yield fit.band(console, first, second, width)
        else:  # narrower than any layout: rich wraps what it must
            yield fit.table(columns)


def table(run: RunResult, wide: bool = False) -> RunTable:
    return RunTable(run, wide)


def summary(run: RunResult) -> str:
    return summary_text(run).plain


def summary_text(run: RunResult, saved: str = "") -> Text:
    """The line under a run's table: its probes, time and verdict (green when every outcome is
    as expected), then the goal's verdict in its own colour (the other question: a run as
    expected may still break the goal), then where it was saved."""
    bad = [p.probe for p in run.probes if not p.ok]
    verdict = "all as expected" if not bad else f"{len(bad)} MISMATCH: {', '.join(bad)}"
    out = Text(f"{run.variant}: {len(run.probes)} probes in {run.seconds} s, {verdict}",
               style="green" if run.ok else "bold red")
    if run.goal is not None:
        out += Text("; ") + Text(goal_view.verdict(run, "en"), style="green" if run.goal.met else "bold red")
    return out + Text(f" -> {saved}" if saved else "")


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{seconds:.1f} s"


def overall(runs: list[RunResult], seconds: float, where: str) -> str:
    """The closing line after several variants: how many, the mismatches by variant, the time
    it took, and where the results are."""
    bad = [r.variant for r in runs if not r.ok]
    wrong = sum(1 for r in runs for p in r.probes if not p.ok)
    verdict = (f"{wrong} MISMATCH{'ES' if wrong != 1 else ''} in {', '.join(bad)}" if bad
               else "every outcome as expected")
    return (f"verify: {len(runs)} variants, {sum(len(r.probes) for r in runs)} probes, {verdict}; "
            f"{duration(seconds)}; results in {where}")


def notes(run: RunResult) -> list[tuple[int, Text]]:
    """What the table's marks point to, keyed by probe, only for rows with something to say:
    a wrong outcome (with the command that runs it again and the log line it rests on), a
    warning, and a quarantined message beside what the server's mail log claims. Each note
    is (indent, text): a note's first line starts with its mark (indent 0), the lines that
    belong to it are indented."""
    out: list[tuple[int, Text]] = []
    for p in run.probes:
        head = Text(f"{p.probe}: ", style="bold")
        if mismatch(p):
            out.append((0, Text(f"{MISMATCH} ", style="bold red") + head + Text(
                f"{p.why} ({p.code or '-'} at {p.stage}; decided by {p.rule or '-'}; fate {short_fate(p.fate)})",
                style="red")))
        warnings = p.warnings or ([f"the server logged the client as {p.client_address_seen}, but {p.client}'s own "
                                   f"address is {p.client_address} (NAT or a proxy: this row proves nothing)"]
                                  if foreign(p) else [])
        for w in warnings:
            out.append((0, Text(f"{WARNING} ", style="bold red") + head + Text(f"WARNING {w}", style="bold red")))
        if not p.ok:
            out.append((4, Text(f"again: {p.reproduce}")))
            out += [(4, Text(e, style="dim")) for e in p.evidence[-1:]]
        if p.actual == Outcome.QUARANTINED:
            said_ = said(p.claim) if p.claim else "nothing"
            text = (f"the mail log says {said_}, yet the message is in quarantine:" if lies(p)
                    else f"quarantined (the mail log says {said_}):")
            style = "bold yellow" if lies(p) else ""
            out.append((0, Text(f"{QUARANTINE} ", style="bold yellow") + head + Text(text, style=style)))
            out.append((4, Text(p.fate or "-", style=style)))
            kept = [r for r in p.records if "Folder:" in r] or p.records  # procmail: the folder it really chose
            out += [(4, Text(r, style="dim")) for r in kept]
    return out


def notes_view(run: RunResult) -> Group:
    """The notes for a terminal, each line indented also where it wraps (a note's first line
    under its own text, past the mark), wrapped at spaces, a command whole."""
    return Group(*(Prose(Text(" " * indent) + text, hang=indent or 2) for indent, text in notes(run)))


def hint(run: RunResult) -> str:
    """One line: how to run a row again, shown with the first row's command as stored (it
    names the lab, e.g. LAB_NAME=student07 ...)."""
    example = next((p for p in run.probes if not p.ok), run.probes[0]) if run.probes else None
    return f"run a row again: {example.reproduce}" if example else ""



def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(run: RunResult) -> str:
    out = [f"# {run.variant}: {run.title}", "", f"Server under test: **{run.server}** · started {run.started} · "
           f"{run.seconds} s · {'**all as expected**' if run.ok else '**MISMATCHES**'}", ""]
    judged = run.goal is not None  # the goal's verdict beside expected/actual (older runs have none)
    names = COLUMNS[:4] + (("goal",) if judged else ()) + COLUMNS[4:]
    out += ["| " + " | ".join(lang.t(n) for n in names) + f" | {lang.t('reproduce')} |", "|" + " --- |" * (len(names) + 1)]
    for p in run.probes:
        cells = list(_row(p, run.server))
        if not p.ok:
            cells[3] = f"**{cells[3]} ✗**"
        if judged:
            mark = lang.goal_mark(p.goal_met)
            cells.insert(4, f"**{mark}**" if p.goal_met is False else mark)
        out.append("| " + " | ".join(_md(c) for c in cells) + f" | `{p.reproduce}` |")
    if judged:
        out += ["", f"## {lang.t('goal heading')}", ""] + [f"- {text.plain}" for _, text in goal_view.lines(run)]
    quarantined = [p for p in run.probes if p.actual == Outcome.QUARANTINED]
    if quarantined:
        out += ["", "## Quarantined, and what the logs say", "",
                "| probe | where the message really is | the mail log says | procmail's record |", "| --- | --- | --- | --- |"]
        for p in quarantined:
            out.append(f"| {p.probe} | `{_md(p.fate)}` | `{_md(p.claim or '(nothing)')}` | "
                       f"{'<br>'.join(f'`{_md(r)}`' for r in p.records) or '(none kept)'} |")
    if run.audit:  # nmap's second opinion (make verify AUDIT=1)
        out += audit_view.markdown(Audit.from_dict(run.audit))
    out += ["", "## Lesson", "", run.lesson, "", "## Configuration applied", ""]
    for key in ("postconf", "postconf_lab"):
        if run.config.get(key):
            out += [f"`{key}`:", "", "```", run.config[key].rstrip(), "```", ""]
    for path, text in (run.config.get("files") or {}).items():
        out += [f"`{path}`:", "", "```", text.rstrip() or "(empty)", "```", ""]
    out += ["## Versions", ""] + [f"- {k}: {v}" for k, v in run.versions.items()]
    return "\n".join(out) + "\n"
