"""A run against the note's goal, for the terminal: the verdict in one line, each probe that
breaks the goal with what the goal wants and why (the note's words, lab/model/goal.yaml), the
findings outside the goal listed apart, and the legend - "as the server does" (expected =
actual) and "meets the goal" are two different questions. Reads the run (its `goal` and
`goal_met`) and the goal file's texts, nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.text import Text

from lab.model import goal as goals
from lab.model import scenario
from lab.model.outcomes import Outcome
from lab.model.results import RunResult
from lab.model.verdict import Kind
from lab.views import lang
from lab.views.words import Prose

BROKEN, OUTSIDE = "✗", "·"  # marks of a note's first line


def wanted(outcomes: Sequence[Outcome], language: str) -> str:
    """The outcomes a clause allows, as a reader says them."""
    words = [str(o) for o in outcomes]
    if language == "ja":
        return "、".join(words) + (" のいずれか" if len(words) > 1 else "")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def verdict(run: RunResult, language: str | None = None, short: bool = False) -> str:
    """'goal met' / 'goal BROKEN by direct-inbound' ('' for a run never judged); short: 'met' /
    'BROKEN by direct-inbound' (Japanese: 満たす / 破っている: ...)."""
    language = language or lang.current()
    if run.goal is None:
        return ""
    broken = ", ".join(run.goal.broken)
    if language == "ja":
        return ("満たす" if short else lang.t("goal met", language)) if run.goal.met else f"目標を破っている: {broken}"
    if run.goal.met:
        return "met" if short else lang.t("goal met", language)
    return f"BROKEN by {broken}" if short else f"goal BROKEN by {broken}"


def config_error_lines(run: RunResult, language: str | None = None) -> list[tuple[int, Text]]:
    """The server's own configuration errors, named before anything else: the rows it answered
    with one (they meet no goal), its reply and what its log says about the configuration."""
    language = language or lang.current()
    bad = [p for p in run.probes if p.verdict == Kind.CONFIG_ERROR]
    if not bad:
        return []
    probes = ", ".join(p.probe for p in bad)
    if language == "ja":
        head = (f"✗ 設定の誤り: {run.server} は {len(bad)}/{len(run.probes)} 件のプローブ（{probes}）に "
                f"{bad[0].code} {bad[0].reply} と答えた。これらの行は設定の意図を何も示さず、目標を満たしたとは数えない。"
                "設定を直してから試すこと。")
    else:
        head = (f"✗ configuration error: {run.server} answered {bad[0].code} {bad[0].reply} to "
                f"{len(bad)} of {len(run.probes)} probes ({probes}); these rows tell nothing about what the "
                "configuration means and none counts as meeting the goal: fix it, then try again.")
    return [(0, Text(head, style="bold red"))] + [(4, Text(line, style="red")) for line in errors_said(run)]


def errors_said(run: RunResult) -> list[str]:
    """What the server's log says beside its configuration-error replies (e.g. Postfix's
    `warning: unknown smtpd restriction: "permit_sasl_authenticatd"`), each once."""
    said = [line.split("]: ", 1)[-1] for p in run.probes if p.verdict == Kind.CONFIG_ERROR
            for line in p.evidence if "warning:" in line]
    return list(dict.fromkeys(said))


def lines(run: RunResult, language: str | None = None) -> list[tuple[int, Text]]:
    """(indent, text) for each note: the verdict, the probes breaking the goal, the findings
    outside it, the legend."""
    language = language or lang.current()
    if run.goal is None:
        return []
    g = goals.note()
    out = [(0, Text(verdict(run, language), style="bold green" if run.goal.met else "bold red"))]
    out += config_error_lines(run, language)
    for p in run.probes:
        clause = g.clause(p.probe)
        if p.goal_met is False and clause is not None and clause.meets is not None and p.verdict != Kind.CONFIG_ERROR:
            why = clause.why_ja if language == "ja" else clause.why
            if language == "ja":
                said = f"{p.probe}: {p.actual}。目標が求めるのは {wanted(clause.meets, language)}（{why}）"
            else:
                said = f"{p.probe}: {p.actual}, but the goal wants {wanted(clause.meets, language)} ({why})"
            out.append((0, Text(f"{BROKEN} ", style="bold red") + Text(said, style="red")))
    for p in run.probes:
        clause = g.clause(p.probe)
        if p.goal_met is None and clause is not None:
            found = clause.finding(p.actual, language) or (clause.why_ja if language == "ja" else clause.why)
            head = f"{lang.t('outside the goal', language)}: {p.probe} {p.actual}"
            out.append((0, Text(f"{OUTSIDE} ") + Text(f"{head}{'：' if language == 'ja' else ' - '}{found}")))
    out.append((0, Text(lang.t("legend", language), style="dim")))
    return out


def view(run: RunResult, language: str | None = None) -> Group:
    """The notes for a terminal, a note's wrapped lines under its text, past its mark."""
    return Group(*(Prose(Text(" " * indent) + text, hang=indent or (2 if text.plain[:2] in (f"{BROKEN} ", f"{OUTSIDE} ") else 0))
                   for indent, text in lines(run, language)))


def overall(runs: list[RunResult], language: str | None = None) -> str:
    """One line over several variants: which meet the goal, which break it and by what."""
    language = language or lang.current()
    order = {v: n for n, v in enumerate(scenario.ids())}  # streams end in any order: the workshop's
    judged = sorted(((r.variant, r.goal) for r in runs if r.goal is not None),
                    key=lambda vg: (order.get(vg[0], len(order)), vg[0]))
    met = [variant for variant, goal in judged if goal.met]
    broken = [f"{variant} ({', '.join(goal.broken)})" for variant, goal in judged if not goal.met]
    if language == "ja":
        return (f"目標: 満たす {len(met)} 件（{', '.join(met) or 'なし'}）、"
                f"破っている {len(broken)} 件（{', '.join(broken) or 'なし'}）")
    return (f"goal: met by {len(met)} ({', '.join(met) or 'none'}); "
            f"BROKEN by {len(broken)} ({', '.join(broken) or 'none'})")
