"""The teaching views, as plain text for a terminal: a variant as a quiz (its configuration
and probes, no expectations, no lesson), a graded prediction sheet, two variants' difference,
one's own configuration judged against the goal. English, or Japanese with LAB_LANG=ja."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.text import Text

from lab.model import goal as goals
from lab.model.results import RunResult
from lab.model.scenario import Probe, Scenario
from lab.model.sheet import MEANING, PREDICTABLE
from lab.model.verdict import Kind
from lab.model.topology import Topology
from lab.teach.diff import VariantDiff
from lab.teach.grade import Grade, reply
from lab.views import fit, goal_view, lang
from lab.views.goal_view import wanted
from lab.views.run_table import cells
from lab.views.words import Prose, columns

JA = {
    "quiz": "クイズ: 設定を読んで、各プローブの結果を予想する（答えはここにはない）",
    "the goal": "メモの目標", "from the note": "main.cf（メモの行）", "lab's own": "main.cf（ラボ独自の行）",
    "hosts": "ラボのホスト", "probes": "プローブ: それぞれの結果を予想する", "outcomes": "結果の種類",
    "write": "予想を書く", "empty": "（空）", "wrong": "はずれ", "you predicted": "予想",
    "it was": "実際", "reply": "応答", "decided by": "判定ルール", "lesson": "教訓", "nothing": "（予想なし）",
    "graded against": "採点に使った結果", "grade saved": "採点結果", "differs": "結果が異なるプローブ",
    "config differs": "異なる設定行", "same outcomes": "すべてのプローブで結果が同じ", "only in": "片方だけのプローブ",
    "beside": "関係する設定行", "your configuration": "あなたの設定", "meets": "目標を満たす",
    "breaks": "目標を破っている", "saved": "保存先", "server says": "サーバの警告",
}


JUDGED = {"en": "judged against the note's goal", "ja": "メモの目標に照らして判定"}


def _t(key: str, language: str, english: str) -> str:
    return JA.get(key, english) if language == "ja" else english


def route(p: Probe, server: str) -> str:
    """'outside → relay → postfix', as the tables show a probe's way."""
    return f"{p.client} → {p.via + ' → ' if p.via else ''}{server}"


def quiz(s: Scenario, topo: Topology, commands: dict[str, str], language: str = "en",
         addresses: bool = True) -> Group:
    """The variant without its answers: the configuration, the hosts it names, every probe
    with its way and what it does, the outcomes to choose from. No expectations, no lesson -
    and no title (some titles give the answer away). `addresses`: the lab's addresses are
    known (else the hosts go without, and the configuration keeps its {{relay}})."""
    g = goals.note()
    heading = _t("quiz", language, "quiz: read the configuration, predict every probe (no answers here)")
    out: list[RenderableType] = [Prose(f"{s.id} ({s.server}) - {heading}", markup=False), Text(""),
                                 Prose(f"{_t('the goal', language, 'the goal of the note')}: "
                                       f"{g.text('statement', language)}", markup=False), Text("")]
    if not addresses:
        out += [Prose(commands["unresolved"], style="yellow", markup=False), Text("")]
    for label, text in ((_t("from the note", language, "main.cf, from the note"), s.postconf),
                        (_t("lab's own", language, "main.cf, the lab's own lines"), s.postconf_lab),
                        ("master.cf", s.master_cf)):
        if text:
            out += [Text(f"--- {label}"), Prose(text.rstrip(), hang=8, markup=False), Text("")]
    for path, text in s.files.items():
        out += [Text(f"--- {path}"), Prose(text.rstrip() or _t("empty", language, "(empty)"), hang=8, markup=False),
                Text("")]
    out.append(Text(f"--- {_t('hosts', language, 'the hosts of the lab')}"))
    # the hosts a probe of this variant meets: its clients, the server, the relay, the sink
    meets = {s.server, topo.relay.name, topo.sink.host} | {p.client for p in s.probes}
    out.append(columns([(h.name, h.fqdn, *((" ".join(h.addresses.values()),) if addresses else ()), h.role)
                        for h in topo.hosts.values() if h.name in meets], indent=2))
    out += [Text(""), Text(f"--- {_t('probes', language, 'probes: predict the outcome of each')}")]
    out.append(columns([(p.id, route(p, s.server), p.what) for p in s.probes], indent=2))
    out += [Text(""), Text(f"{_t('outcomes', language, 'outcomes')}:")]
    out.append(columns([(str(w), MEANING[language][w]) for w in PREDICTABLE], indent=2))
    out += [Text(""), Prose(f"{_t('write', language, 'write your predictions')}: {commands['predict']}", markup=False)]
    return Group(*out)


def grade(g: Grade, root: Path, language: str = "en") -> list[Text]:
    """N/M on the first line, what it was graded against, then each wrong cell: the
    prediction, the real outcome, the reply, the deciding rule, the lesson's sentence."""
    head = Text(f"{g.variant}: {g.score}/{g.total}", style="bold green" if g.score == g.total else "bold yellow")
    out = [head, Text(f"{_t('graded against', language, 'graded against')}: {g.source.describe(root, lang=language)}",
                      style="dim")]
    for c in g.cells:
        if c.right:
            continue
        said = c.predicted or _t("nothing", language, "nothing")
        said = (f"予想は {said}、実際は {c.actual}" if language == "ja"
                else f"you predicted {said}, it was {c.actual}")
        out.append(Text(f"✗ {c.probe}: ", style="bold red") + Text(said, style="red"))
        out.append(Text(f"    {_t('reply', language, 'reply')}: {c.reply}"))
        out.append(Text(f"    {_t('decided by', language, 'decided by')}: {c.rule or '-'}"))
        if c.lesson:
            out.append(Text(f"    {_t('lesson', language, 'lesson')}: {c.lesson}"))
    return out


def diff(d: VariantDiff, sources: list[str], language: str = "en") -> list[Text]:
    """The probes whose outcome differs, each beside the configuration lines its deciding
    rule points at; then every configuration line that differs; then the goal verdicts."""
    a, b = d.a.variant, d.b.variant
    out = [Text(f"diff {a} → {b}", style="bold")] + [Text(f"  {line}", style="dim") for line in sources]
    out.append(Text(""))
    if d.changes:
        out.append(Text(f"{_t('differs', language, 'probes whose outcome differs')}:", style="bold"))
        width = max(len(c.probe) for c in d.changes)
        for c in d.changes:
            out.append(Text(f"  {c.probe:{width}}  ") + Text(f"{c.before} → {c.after}", style="bold") +
                       Text(f"   {_t('decided by', language, 'decided by')} {c.rule_before or '-'} → {c.rule_after or '-'}"))
            for line in c.beside:
                out.append(Text(f"  {'':{width}}    {line.sign} {line.text}", style="green" if line.sign == "+" else "red")
                           + Text(f"   ({line.where})", style="dim"))
    else:
        out.append(Text(_t("same outcomes", language, "the same outcome for every probe both run")))
    if d.only_a or d.only_b:
        out.append(Text(f"{_t('only in', language, 'probes only one runs')}: {a}: {', '.join(d.only_a) or '-'}; "
                        f"{b}: {', '.join(d.only_b) or '-'}"))
    if d.lines:
        out += [Text(""), Text(f"{_t('config differs', language, 'configuration lines that differ')} ({a} → {b}):",
                               style="bold")]
        where = None
        for line in d.lines:
            if line.where != where:
                out.append(Text(f"  {line.where}"))
                where = line.where
            out.append(Text(f"    {line.sign} {line.text}", style="green" if line.sign == "+" else "red"))
    verdicts = [f"{r.variant} {goal_view.verdict(r, language, short=True)}" for r in (d.a, d.b) if r.goal is not None]
    if verdicts:
        out += [Text(""), Text(f"{lang.t('goal', language)}: " + "; ".join(verdicts))]
    return out


def tried(run: RunResult, console: Console, language: str = "en", source: str = "") -> Group:
    """One's own configuration: a heading naming the file; the server's configuration errors
    first, when it answered with one; each probe's way, outcome, goal verdict, reply and
    deciding rule (fitted to the width, at most two lines a probe), then the verdict and why,
    and the server's own complaints. (No legend: there is no expected column.)"""
    names = ("probe", "from → to", "actual", "goal", "reply", "decided by")
    rows = [cells(p, run.server, judged=True) for p in run.probes]
    for p, row in zip(run.probes, rows):  # judged against the goal (the run's basis): the verdict says
        row["actual"] = Text(str(p.actual), style="bold red" if not p.ok else "green" if p.goal_met else "")
        row["probe"] = Text(p.probe, style="" if p.ok else "bold red")
    columns = [fit.Column(lang.t(n, language), [r[n] for r in rows], wrap=n in ("from → to", "reply", "decided by"))
               for n in names]
    widths = fit.widths(console, columns, console.width)
    g = goals.note()
    out: list[RenderableType] = [Prose(Text(f"{run.variant} ({run.server}): ", style="bold")
                                       + Text(f"{source or run.title.split(':', 1)[0]}, " + JUDGED[language]))]
    out += config_errors(run, language)
    if widths is None:  # too narrow for a row's cells side by side: the way and the rule below
        by_name = dict(zip(names, columns))
        out.append(fit.band(console, [by_name[n] for n in ("probe", "actual", "goal", "reply")],
                            [by_name[n] for n in ("from → to", "decided by")], console.width))
    else:
        out.append(fit.table(columns, widths))
    met = run.goal is not None and run.goal.met  # a run tried is always judged (verdict.decide)
    out.append(Prose(Text(f"{_t('your configuration', language, 'your configuration')}: "
                          f"{lang.t('goal met', language) if met else lang.t('goal', language) + ' ' + goal_view.verdict(run, language, short=True)}",
                          style="bold green" if met else "bold red")))
    for p in run.probes:
        clause = g.clause(p.probe)
        if clause is None or p.verdict == Kind.CONFIG_ERROR:  # said above, first
            continue
        if p.goal_met is False and clause.meets is not None:
            out.append(Prose(Text(f"✗ {p.probe}: {p.actual} ({lang.t('decided by', language)} {p.rule or '-'}) - "
                                  f"{lang.t('the goal wants', language)} {wanted(clause.meets, language)}: "
                                  f"{clause.why_ja if language == 'ja' else clause.why}", style="red"), hang=2))
            out.append(Prose(Text(f"    {_t('reply', language, 'reply')}: {reply(p)}")))
        elif p.goal_met is None:
            found = clause.finding(p.actual, language)
            out.append(Prose(Text(f"· {lang.t('outside the goal', language)}: {p.probe} {p.actual}"
                                  + (f" - {found}" if found else ""), style="dim" if not found else ""), hang=2))
    said = [line for line in complaints(run) if line not in goal_view.errors_said(run)]
    if said:  # the server's own words on a mistake it still served
        out.append(Text(f"{_t('server says', language, run.server + ' says')}:", style="bold yellow"))
        out += [Prose(Text(f"    {line}", style="yellow")) for line in said]
    return Group(*out)


def config_errors(run: RunResult, language: str = "en") -> list[RenderableType]:
    """The server's own configuration errors, as goal_view says them, to come first."""
    return [Prose(Text(" " * indent) + text, hang=indent or 2) for indent, text in goal_view.config_error_lines(run, language)]


def complaints(run: RunResult) -> list[str]:
    """The warnings the server gave about the configuration: at apply (postfix check) and in
    the log evidence of the probes that break the goal, each once, without the syslog prefix."""
    found = list(run.config.get("server_warnings") or [])
    for p in (p for p in run.probes if p.goal_met is False and p.verdict != Kind.CONFIG_ERROR):
        found += [line.split("]: ", 1)[-1] for line in p.evidence if "warning:" in line]
    return list(dict.fromkeys(found))
