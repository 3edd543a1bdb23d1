"""A prediction sheet: what a student expects each probe of a variant to do, written before
the run. The same shape as a scenario's `expect:` - a YAML mapping of probe id to outcome -
with comments saying where each probe comes from and which outcomes there are. `text()`
writes an empty one, `read()` reads a filled one; a mistake is one line naming the sheet's
line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NoReturn

import yaml

from lab.errors import LabError
from lab.model.outcomes import WORDS, Outcome
from lab.model.scenario import Scenario, yaml_error

PREDICTABLE = tuple(w for w in WORDS if w != "lost")  # lost is never a prediction: it is a failed run
MEANING = {
    "en": {"refused": "no SMTP session: connection refused or closed, or refused at the banner",
           "auth-failed": "AUTH refused", "rejected": "5xx at MAIL, RCPT or DATA (or a bounce by the next hop)",
           "deferred": "4xx: try again later", "delivered": "in the local recipient's mailbox",
           "quarantined": "in the quarantine file instead of the mailbox", "relayed": "arrived at the remote server",
           "lost": "accepted, but found nowhere: the run failed"},
    "ja": {"refused": "SMTP セッションにならない（接続拒否・切断、バナーで拒否）", "auth-failed": "AUTH が拒否された",
           "rejected": "MAIL・RCPT・DATA で 5xx（または次のホップでバウンス）", "deferred": "4xx（あとで再送）",
           "delivered": "ローカルの受信者のメールボックスに届いた", "quarantined": "メールボックスではなく隔離ファイルに入った",
           "relayed": "外部のサーバに届いた", "lost": "受け付けられたが、どこにも見つからない（実行の失敗）"},
}
HEAD = {
    "en": ("Prediction sheet: {id} ({server})",
           "For each probe, write after its colon the outcome you predict, one of:",
           "Read the configuration first: {quiz}", "Then run it and grade the sheet: {grade}"),
    "ja": ("予想シート: {id}（{server}）",
           "各プローブのコロンの後に、予想する結果を次の中から一つ書く:",
           "まず設定を読む: {quiz}", "実行して採点する: {grade}"),
}


def path_for(results: Path, variant: str) -> Path:
    """Where `predict` writes a variant's sheet by default: results/<lab>/sheets/<variant>.yaml."""
    return results / "sheets" / f"{variant}.yaml"


def text(s: Scenario, quiz: str, grade: str, routes: dict[str, str], lang: str = "en") -> str:
    """An empty sheet for the scenario: a comment header (what to write, the outcomes, the
    commands), then each probe, its route and what it does as a comment above it.
    `routes`: probe id -> "outside → postfix" as the table shows it."""
    title, how, read, then = HEAD[lang]
    width = max(len(w) for w in PREDICTABLE)
    lines = [f"# {title.format(id=s.id, server=s.server)}", f"# {how}"]
    lines += [f"#   {w:{width}}  {MEANING[lang][w]}" for w in PREDICTABLE]
    lines += [f"# {read.format(quiz=quiz)}", f"# {then.format(grade=grade)}", ""]
    for p in s.probes:
        lines += [f"# {routes.get(p.id, p.client)}: {p.what}", f"{p.id}:"]
    return "\n".join(lines) + "\n"


def filled(predicted: dict[str, Outcome | None]) -> str:
    """A sheet's text from predictions (probe -> outcome, None: left empty), as parse() reads it."""
    return "".join(f"{probe}: {outcome or ''}".rstrip() + "\n" for probe, outcome in predicted.items())


def _fail(path: Path, line: int | str, why: str) -> NoReturn:
    raise LabError(f"{path}: {'line ' + str(line) if isinstance(line, int) else line}: {why}")


NO_SPACE = re.compile(r"^(?P<probe>[\w-]+):(?P<outcome>[^\s#]\S*)\s*(?:#.*)?$")  # "auth-lan:relayed"
NO_COLON = re.compile(r"^(?P<probe>[\w-]+)\s+(?P<outcome>[\w-]+)\s*(?:#.*)?$")  # "auth-lan relayed"


def _plain_mistakes(path: Path, source: str, known: list[str]) -> None:
    """The slips a person makes in a sheet, named at their own line in plain words (YAML
    would see one line's slip lines later, as a problem of the document's structure)."""
    for number, line in enumerate(source.splitlines(), 1):
        if m := NO_SPACE.match(line):
            _fail(path, number, f"put a space after the colon ('{m['probe']}: {m['outcome']}')")
        if (m := NO_COLON.match(line)) and m["probe"] in known:
            _fail(path, number, f"put a colon after the probe ('{m['probe']}: {m['outcome']}')")


def read(path: Path, s: Scenario) -> dict[str, Outcome | None]:
    """probe id -> the predicted outcome (None: left empty) for every probe the scenario runs.
    An unknown probe or outcome, a probe named twice, anything but a mapping: one line naming
    the sheet and its line."""
    try:
        source = path.read_text()
    except FileNotFoundError:
        raise LabError(f"{path}: no such prediction sheet") from None
    return parse(source, path, s)


def parse(source: str, path: Path | str, s: Scenario) -> dict[str, Outcome | None]:
    """As read(), from the sheet's text (`path`: what the errors name it)."""
    path = Path(path)
    known = [p.id for p in s.probes]
    _plain_mistakes(path, source, known)
    try:
        node = yaml.compose(source)
    except yaml.YAMLError as exc:
        where, why = yaml_error(exc)
        _fail(path, where, f"not valid YAML ({why})")
    predicted: dict[str, Outcome | None] = dict.fromkeys(known)
    if node is None:
        return predicted
    if not isinstance(node, yaml.MappingNode):
        _fail(path, node.start_mark.line + 1, "a sheet maps probe ids to outcomes ('direct-inbound: rejected')")
    seen: dict[str, int] = {}
    for key, value in node.value:
        line = key.start_mark.line + 1
        pid = str(key.value)
        if pid not in predicted:
            _fail(path, line, f"unknown probe {pid!r}: {s.id} runs {', '.join(known)}")
        if pid in seen:
            _fail(path, line, f"{pid} predicted twice (first at line {seen[pid]})")
        seen[pid] = line
        if not isinstance(value, yaml.ScalarNode):
            _fail(path, line, f"{pid}: one outcome word, not a list or a mapping")
        word = str(value.value).strip()
        if value.tag.endswith(":null") or not word or word == "~":
            continue  # left empty: no prediction
        if word.lower() not in PREDICTABLE:
            _fail(path, value.start_mark.line + 1, f"{pid}: unknown outcome {word!r} (one of: {', '.join(PREDICTABLE)})")
        predicted[pid] = Outcome(word.lower())
    return predicted
