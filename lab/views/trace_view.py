"""A probe's restriction trace as text: its steps grouped by the list they belong to, one
line each (restriction, result, what the server logged), and the note on what it leaves out.

    smtpd_recipient_restrictions
      permit_mynetworks                                 no-decision  mynetworks: no match for ...
      check_recipient_access hash:/etc/postfix/access   no-decision  not found: alice@postfix.lab.example, ...
      reject                                            reject       554 5.7.1 <alice@...>: ... Access denied
"""

from __future__ import annotations

from lab.model.results import ProbeResult, RunResult
from lab.model.trace import TraceStep
from lab.views.words import wrap

def groups(steps: list[TraceStep]) -> list[tuple[str, list[TraceStep]]]:
    """Consecutive steps of one list together, in evaluation order (a list may come back:
    client restrictions at a second RCPT)."""
    out: list[tuple[str, list[TraceStep]]] = []
    for step in steps:
        if out and out[-1][0] == step.list:
            out[-1][1].append(step)
        else:
            out.append((step.list, [step]))
    return out


def trace_lines(probe: ProbeResult, indent: str = "  ", width: int | None = None) -> list[str]:
    """The trace, a line a step; `width`: a step's detail wrapped at spaces under itself."""
    out = []
    size = max((len(s.restriction) for s in probe.trace), default=0)
    for name, steps in groups(probe.trace):
        out.append(f"{indent}{name}")
        for s in steps:
            line = f"{indent * 2}{s.restriction:<{size}}  {s.result!s:<11}  {s.detail}".rstrip()
            hang = len(indent) * 2 + size + 2 + 11 + 2
            out += [piece.plain for piece in wrap(line, width, hang if hang < width // 2 else len(indent) * 3)] if width else [line]
    note = probe.trace_note
    if note:
        out.append(f"{indent}({note})")
    return out


def headline(probe: ProbeResult, server: str) -> str:
    via = f" -> {server}" if probe.server != server else ""
    return (f"{probe.probe} from {probe.client} ({probe.client_address}) -> {probe.server}{via}: {probe.actual}"
            f" {probe.code or ''} at {probe.stage}; decided by {probe.rule or '-'}")


def run_traces(run: RunResult, only: str | None = None, width: int | None = None) -> str:
    """Every probe's trace of a run (or one probe's), each under its outcome."""
    out = [f"{run.variant} ({run.server}), run {run.started}"]
    for p in run.probes:
        if only is None or p.probe == only:
            out += ["", headline(p, run.server), *trace_lines(p, width=width)]
    return "\n".join(out)
