"""The lab's own words recorded in a run - the name it gives a deciding step that is no
restriction, a fate that is no path, a note on a trace, a warning - for the report, in the
reader's language, with the identifiers in them marked (page.ident). The runs keep them in
English (results JSON); each is written here once per language, keyed by the constant or
the pattern that wrote it. Anything else is an identifier (a rule, a host:path) or is
shown as recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from lab.maillogs.sendmail import WRAPPERS_RULE
from lab.servers.sendmail import ONLY_REFUSALS
from lab.servers.postfix import NOT_TRACED
from lab.verify.probe_run import NO_OBJECTION
from lab.views.page import ident
from lab.model.results import OLD_RUN_TRACE as OLD_RUN


@dataclass(frozen=True)
class Phrase:
    english: re.Pattern[str]  # the whole recorded text; named groups are identifiers
    en: str  # the text to show, {group} for each identifier
    ja: str


def _exact(text: str) -> re.Pattern[str]:
    return re.compile(re.escape(text))


ID = r"[^\s,()]+"  # an identifier inside a phrase: a host, a user, a map, a number
PHRASES = (
    Phrase(_exact(NO_OBJECTION), NO_OBJECTION, "どの制限も拒否しなかった"),
    Phrase(re.compile(r"SMTP AUTH \(SASL password check\)"), "SMTP AUTH (SASL password check)",
           "SMTP AUTH（SASL のパスワード検査）"),
    Phrase(re.compile(rf"SMTP AUTH \(authid=(?P<user>{ID})\)"), "SMTP AUTH (authid={user})", "SMTP AUTH（authid={user}）"),
    Phrase(re.compile(r"(?P<p>smtpd_sasl_auth_enable) \(password check\)"), "{p} (password check)",
           "{p}（パスワード検査）"),
    Phrase(re.compile(r"TCP wrappers \((?P<files>hosts\.allow/deny)\)"), WRAPPERS_RULE, "TCP wrappers（{files}）"),
    # a Sendmail ruleset and the reason it gave (the server's words)
    Phrase(re.compile(r"(?P<ruleset>check_\w+): (?P<reply>.+)"), "{ruleset}: {reply}", "{ruleset}: {reply}"),
    # fates that are no path (lab/verify/fate.py)
    Phrase(re.compile(rf"(?P<host>{ID}): (?P<status>{ID}), (?P<peer>{ID}) said (?P<code>\d+)"),
           "{host}: {status}, {peer} said {code}", "{host}: {status}（{peer} の応答は {code}）"),
    Phrase(re.compile(r"not found in (?P<s>\d+) s \(mailbox, quarantine, remote sink, logs\)"),
           "not found in {s} s (mailbox, quarantine, remote sink, logs)",
           "{s} 秒待っても見つからなかった（メールボックス、隔離ファイル、外部のシンク、ログ）"),
    # notes on a trace (lab/servers/*.py trace())
    Phrase(_exact(NOT_TRACED), NOT_TRACED,
           "トレースなし: Postfix が評価した制限をログに書くのは debug_peer_list のクライアントだけ"
           "（make verify はすべてのプローブをトレースする。手で試すなら lab probe ... --trace）"),
    Phrase(re.compile(r"no session of this probe's in Postfix's log"), "no session of this probe's in Postfix's log",
           "Postfix のログにこのプローブのセッションがない"),
    Phrase(re.compile(r"Postfix evaluated no restriction list: the session ended before RCPT TO, "
                      r"where smtpd_delay_reject has it evaluate them"),
           "Postfix evaluated no restriction list: the session ended before RCPT TO, "
           "where smtpd_delay_reject has it evaluate them",
           "Postfix はどの制限リストも評価しなかった。セッションが RCPT TO の前に終わった"
           "（smtpd_delay_reject により、制限は RCPT TO で評価される）"),
    Phrase(_exact(f"{ONLY_REFUSALS}: the steps are this session's refusals"),
           f"{ONLY_REFUSALS}: the steps are this session's refusals",
           "Sendmail がログに書くのは拒否だけ（TCP wrappers が通したクライアントや、check_relay・check_mail・"
           "check_rcpt が通したものは何も残らない）。ここに並ぶのはこのセッションの拒否"),
    Phrase(_exact(f"{ONLY_REFUSALS}, and this session's log has no refusal"),
           f"{ONLY_REFUSALS}, and this session's log has no refusal",
           "Sendmail がログに書くのは拒否だけ（TCP wrappers が通したクライアントや、check_relay・check_mail・"
           "check_rcpt が通したものは何も残らない）。このセッションのログに拒否はない"),
    Phrase(re.compile(r"(?P<mta>\w+): the lab reads no restriction trace from this server's log"),
           "{mta}: the lab reads no restriction trace from this server's log",
           "{mta}: このサーバのログから、ラボは制限のトレースを読まない"),
    Phrase(_exact(OLD_RUN), OLD_RUN, "トレースなし: ラボが制限をトレースするようになる前に記録された実行"),
    # warnings (lab/verify/probe_run.py, lab/servers/drac.py)
    Phrase(re.compile(rf"(?P<host>{ID}) logged the client as (?P<seen>{ID}), but (?P<client>{ID})'s own address is "
                      rf"(?P<address>{ID}): something \(NAT, a proxy\) stands between them and the test would lie"),
           "{host} logged the client as {seen}, but {client}'s own address is {address}: something (NAT, a proxy) "
           "stands between them and the test would lie",
           "{host} はクライアントを {seen} と記録したが、{client} 自身のアドレスは {address}。"
           "間に何か（NAT、プロキシ）があり、このテストは正しくない"),
    Phrase(re.compile(r"the SMTP session reached RCPT (?P<late>[\d.]+) s after the POP3 login, but a drac entry "
                      r"lasts only (?P<lasts>[\d-]+) s: this row tells nothing \(the machine was too busy\); run it again"),
           "the SMTP session reached RCPT {late} s after the POP3 login, but a drac entry lasts only {lasts} s: "
           "this row tells nothing (the machine was too busy); run it again",
           "SMTP セッションが RCPT に達したのは POP3 ログインの {late} 秒後だが、drac のエントリは {lasts} 秒しか"
           "もたない。この行からは何もわからない（マシンが忙しすぎた）。もう一度実行する"),
)


def _phrase(text: str, language: str) -> Markup | None:
    for phrase in PHRASES:
        m = phrase.english.fullmatch(text)
        if m:
            parts = {k: (Markup('<code class="reply">{}</code>').format(v) if k == "reply" else ident(v))
                     for k, v in m.groupdict().items()}
            return Markup(escape(phrase.ja if language == "ja" else phrase.en)).format(**parts)
    return None


def names(value: str | None, language: str) -> Markup:
    """A deciding rule or a fate: the lab's phrase in the language, else the identifier."""
    if not value:
        return Markup("—")
    return _phrase(value, language) or ident(value)


def says(text: str, language: str) -> Markup:
    """A note or a warning: the lab's sentence in the language, else as recorded."""
    return _phrase(text, language) or Markup(escape(text))
