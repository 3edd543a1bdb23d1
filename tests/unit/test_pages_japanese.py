"""LAB_LANG=ja: the report, the prediction sheets and the class report are Japanese
throughout - host roles, probe descriptions, the outcome legend, the lab's own notes - and
only identifiers, code, configuration and the servers' own replies stay as they are (the
pages mark those: <code>, <pre>, class id / reply / verbatim). Rendered from every recorded
run (tests/unit/recorded/teach/), written beside the English pages, never over them."""

import dataclasses
import functools
import json
import shutil
from pathlib import Path

import pagetext
import pytest

from lab.model import results, scenario, settings, topology
from lab.model.results import RunResult
from lab.views import class_report, report, teach_report

TOPO = topology.load(settings.load({}))
RECORDED = Path(__file__).with_name("recorded")


def recorded() -> list[RunResult]:
    order = scenario.ids()
    runs = [RunResult.from_dict(json.loads(p.read_text())) for p in (RECORDED / "teach").glob("*.json")]
    return sorted(runs, key=lambda r: order.index(r.variant))


@functools.cache
def pages(language: str) -> dict[str, str]:
    runs = recorded()
    variants = [s.rendered(TOPO) for s in scenario.check_all(TOPO)[0]]
    return {"report": report.render(runs, TOPO, language),
            "sheets": teach_report.render_sheets(variants, TOPO, "smtplab", language),
            "class report": class_report.render("monday", {"ann": runs, "bob": runs[:3]}, language)}


@pytest.mark.parametrize("page", ("report", "sheets", "class report"))
def test_no_four_english_words_in_a_row_on_a_japanese_page(page):
    html = pages("ja")[page]
    assert '<html lang="ja">' in html
    assert pagetext.english_rows(html) == []
    assert pagetext.english_rows(pages("en")[page]) != []  # the check does find English where it is


def test_the_japanese_report_says_roles_probes_outcomes_and_notes_in_japanese():
    shown = pagetext.text(pages("ja")["report"])
    assert TOPO.hosts["relay"].role_ja in shown and "ラボのゾーンの権威 DNS" in shown  # compose.yaml x-lab.roles_ja
    assert "LAN から SMTP AUTH で認証し、外部のアドレスへ送る" in shown  # probe_plan.yaml what_ja
    assert "relayed: 外部のサーバに届いた" in shown and "lost: 受け付けられたが" in shown  # the outcome legend
    assert "開始 2026-11-29" in shown and "トレース（" not in shown and "トレース (2 ステップ)" in shown
    assert "どの制限も拒否しなかった" in shown  # the lab's own "no restriction objected"
    assert "no restriction objected" not in shown and "started" not in shown


def test_server_replies_and_configuration_stay_as_they_are():
    html = pages("ja")["report"]
    assert '<span class="verbatim">&#34;Recipient address rejected: Access denied&#34;</span>' in html  # a lesson
    assert "smtpd_recipient_restrictions" in pagetext.text(html)
    assert '<span class="id">permit_sasl_authenticated</span>' in html


def test_the_japanese_pages_are_written_beside_the_english_ones(tmp_path, monkeypatch):
    shutil.copy(settings.ROOT / "compose.yaml", tmp_path)
    s = dataclasses.replace(settings.load({"LAB_NAME": "student07"}, nets=("100.64.1", "10.77.1")), root=tmp_path)
    run = recorded()[0]
    run.lab = results.lab_of(s)
    results.save(run, s)
    for language, suffix in (("", ""), ("ja_JP.UTF-8", ".ja")):
        monkeypatch.setenv("LAB_LANG", language)
        path, _ = report.write(s)
        assert path == results.results_dir(s) / f"report{suffix}.html"
    folder = results.results_dir(s)
    for name, lang in (("report.html", "en"), ("report.ja.html", "ja"), ("sheets.html", "en"), ("sheets.ja.html", "ja")):
        assert f'<html lang="{lang}">' in (folder / name).read_text(), name
    assert 'href="report.ja.html"' in (folder / "report.html").read_text()  # each links to the other
    assert 'href="sheets.html"' in (folder / "sheets.ja.html").read_text()


def test_every_phrase_of_the_lab_reads_back_as_itself_and_has_its_japanese():
    from lab.maillogs.sendmail import WRAPPERS_RULE
    from lab.servers.postfix import NOT_TRACED
    from lab.servers.sendmail import ONLY_REFUSALS
    from lab.verify.probe_run import NO_OBJECTION
    from lab.views import lab_words
    from lab.model.results import OLD_RUN_TRACE as OLD_RUN

    said = [NO_OBJECTION, "SMTP AUTH (SASL password check)", "SMTP AUTH (authid=alice)", WRAPPERS_RULE,
            "smtpd_sasl_auth_enable (password check)", "check_rcpt: Relaying denied",
            "relay: bounced, postfix.lab.example said 554", "not found in 20 s (mailbox, quarantine, remote sink, logs)",
            NOT_TRACED, "no session of this probe's in Postfix's log",
            "Postfix evaluated no restriction list: the session ended before RCPT TO, where smtpd_delay_reject has "
            "it evaluate them", f"{ONLY_REFUSALS}: the steps are this session's refusals",
            f"{ONLY_REFUSALS}, and this session's log has no refusal",
            "sendmail: the lab reads no restriction trace from this server's log", OLD_RUN,
            "postfix logged the client as 10.0.0.1, but outside's own address is 198.51.100.200: something (NAT, a "
            "proxy) stands between them and the test would lie",
            "the SMTP session reached RCPT 2.5 s after the POP3 login, but a drac entry lasts only 2-3 s: this row "
            "tells nothing (the machine was too busy); run it again"]
    matched = {next(i for i, p in enumerate(lab_words.PHRASES) if p.english.fullmatch(text)) for text in said}
    assert matched == set(range(len(lab_words.PHRASES)))  # every phrase has its example here
    for text in said:
        assert pagetext.text(lab_words.says(text, "en")) == text  # the English shown is the English recorded
        assert pagetext.english_rows(str(lab_words.says(text, "ja"))) == [], text
