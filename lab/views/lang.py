"""LAB_LANG: the language of the tables' headings, the report and the teaching views.
`LAB_LANG=ja` (or ja_JP.UTF-8, ...) gives Japanese; anything else English. Identifiers -
probe ids, outcomes, restriction names, commands - stay as they are in both."""

from __future__ import annotations

import os
from collections.abc import Mapping

JA = {
    # the run table's columns
    "probe": "プローブ", "from → to": "経路", "expected": "期待", "actual": "実際", "goal": "目標",
    "reply": "応答", "decided by": "判定ルール", "client seen as": "見えた送信元", "fate": "行き先",
    "maillog says": "maillog の記録", "reproduce": "再実行", "from": "送信元", "code": "コード", "stage": "段階",
    "mail log says": "maillog の記録", "what": "内容", "variant": "バリアント",
    # goal marks (a short cell)
    "goal:yes": "○", "goal:NO": "×", "goal:-": "－",
    # sentences and labels of the teaching views and the report
    "legend": "「期待」はサーバが実際にこう動くという記述（毎回の実行で確かめる）、「目標」はメモの目標"
              "（lab/model/goal.yaml）を満たすかどうか。この二つは別の問いである。",
    "goal met": "目標を満たす", "goal broken": "目標を破っている", "outside the goal": "目標の範囲外",
    "broken by": "目標を破っているプローブ", "the goal wants": "目標が求めるのは",
    "differs from the expected": "期待と異なる", "as expected": "期待通り", "not in the goal": "目標の範囲外",
    "lesson": "教訓", "configuration": "設定", "topology": "構成",
    "all variants": "全バリアント一覧", "your prediction": "あなたの予想", "meets the goal?": "目標を満たす?",
    "prediction sheet": "予想シート", "name": "名前", "outcomes": "結果の種類",
    "transcripts": "SMTP のやりとりとログの証拠", "configuration applied": "適用した設定",
    "all outcomes as expected": "すべて期待通り", "MISMATCHES": "期待と異なる結果あり",
    "started": "開始", "generated": "生成", "trace": "トレース", "steps": "ステップ",
    "main.cf, the note's lines": "main.cf（メモの行）", "main.cf, the lab's own lines": "main.cf（ラボ独自の行）",
    "class": "クラス", "labs": "ラボの数", "who ran what, when": "誰がいつ何を実行したか",
    "no runs yet": "まだ実行がない",
    "internal network": "内部（外へ出ない）", "the report": "結果のレポート", "results": "結果", "fate and logs": "行き先とログ",
    "seen as": "送信元として記録", "log": "ログ", "but quarantined": "実際は隔離", "token": "トークン",
    "(empty)": "（空）",
    "network": "ネットワーク", "role": "役割", "host": "ホスト",
    "sheet intro": "空欄に、予想する結果を書き込む。", "goal heading": "メモの目標", "your name": "名前", "all variants, empty": "全バリアントの予想表",
    # the report's nmap cell (make verify AUDIT=1)
    "nmap:agrees": "✓ 一致", "nmap:disagrees": "✗ 不一致", "nmap:untested": "? 未検査", "nmap:relayed": "中継",
}

EN = {"nmap:agrees": "✓ agrees", "nmap:disagrees": "✗ DISAGREES", "nmap:untested": "? untested",
      "nmap:relayed": "relayed", "internal network": "internal, no way out", "class": "Class", "who ran what, when": "Who ran what, when",
      "no runs yet": "No runs yet", "all variants, empty": "All variants: predict every cell",
      "your name": "Name", "(empty)": "(empty)","goal:yes": "yes", "goal:NO": "NO", "goal:-": "-", "transcripts": "SMTP transcripts and log evidence",
      "all variants": "All variants at a glance", "prediction sheet": "Prediction sheets", "topology": "Topology",
      "broken by": "goal BROKEN by", "lesson": "Lesson", "configuration applied": "Configuration applied",
      "outside the goal": "outside the goal", "goal heading": "The note's goal", "sheet intro": "Write in each empty cell the outcome you predict.",
      "legend": "expected = what the server does (checked on every run); goal = does it meet the note's goal "
                "(lab/model/goal.yaml): two different questions."}


LANGUAGES = ("en", "ja")  # every page is written in each (report.html, report.ja.html)


def steps(count: int, lang: str | None = None) -> str:
    """'3 steps' / '3 ステップ' (a trace's length)."""
    return f"{count} ステップ" if (lang or current()) == "ja" else f"{count} step{'' if count == 1 else 's'}"


# make logs-<host>: the line above the log
EN |= {"logs:shown": "{host}: {files}, the lines a person reads (verbose ones hidden; every line: {raw}).",
       "logs:raw": "{host}: {files}, every line.", "logs:stop": "Ctrl-C stops."}
JA |= {"logs:shown": "{host}: {files} の、読む人向けの行だけ（詳しすぎる行は隠す。全行は {raw}）。",
       "logs:raw": "{host}: {files} の全行。", "logs:stop": "Ctrl-C で終了。"}


def current(env: Mapping[str, str] | None = None) -> str:
    """"ja" when LAB_LANG starts with ja, else "en"."""
    value = (os.environ if env is None else env).get("LAB_LANG", "")
    return "ja" if value.lower().startswith("ja") else "en"


def t(key: str, lang: str | None = None) -> str:
    """`key` in the language (English: the key itself unless EN says otherwise)."""
    lang = lang or current()
    return (JA.get(key) if lang == "ja" else None) or EN.get(key, key)


def goal_mark(goal_met: bool | None, judged: bool = True, lang: str | None = None) -> str:
    """The goal column's cell: yes / NO / - (Japanese ○ × －); '' for a run never judged."""
    if not judged:
        return ""
    return t("goal:yes" if goal_met else "goal:NO" if goal_met is False else "goal:-", lang)

# make web (lab/web/templates): the pages' words
JA.update({
    "lab": "ラボ", "live matrix": "ライブ結果表", "the class": "クラス", "run it": "実行",
    "projector view": "プロジェクタ表示", "running": "実行中", "failed": "失敗", "busy": "実行中のため受け付けない",
    "SMTP dialogue": "SMTP のやりとり", "not its own address": "自分のアドレスではない",
    "the file expects": "ファイルの期待", "the server did": "サーバの結果", "as expected?": "期待通り?",
    "meets": "満たす", "breaks": "破る", "outside": "範囲外", "not run yet": "まだ実行していない",
    "variants": "バリアント", "whole matrix": "全体の表",
    "what the variant's file says the server does": "バリアントのファイルに書かれたサーバの動き",
    "labs": "ラボ", "what the class predicted": "クラスの予想", "run it in every lab": "全ラボで実行",
    "health": "状態", "active variant": "適用中のバリアント", "last run": "最後の実行", "grades": "採点",
    "now": "現在", "projector": "プロジェクタ", "checking": "確認中", "healthy": "正常", "students": "人",
    "show the answer": "答えを表示", "hide the answer": "答えを隠す", "right": "正答率",
    "not run in every lab yet: the answer shown is what the variant's file expects":
        "まだ全ラボで実行していない: 表示している答えはバリアントのファイルの期待値",
})
EN.update({"as expected?": "as expected?", "meets the goal?": "meets the note's goal?"})

# make web: the student's page (lab/web/templates/student.html.j2)
JA.update({
    "workshop": "ワークショップ", "try your own": "自分の設定を試す", "probe by hand": "手動プローブ", "terminal": "端末",
    "step:quiz": "クイズ", "step:predict": "予想", "step:run": "実行", "step:grade": "採点", "step:diff": "比較",
    "quiz intro": "設定とプローブを読み、各プローブの結果を考える（答えはここにはない）。",
    "the form of step 2": "ステップ 2 のフォーム",
    "predict intro": "各プローブの結果を一つ選んで保存する（make predict と同じ予想シートになる）。",
    "save my predictions": "予想を保存", "saved": "保存した",
    "run intro": "全プローブを実行する。結果は終わった順に表に入る。", "click a cell": "セルをクリックすると SMTP のやりとり・判定ルール・トレースを表示する。",
    "grade my sheet": "予想を採点", "grading": "採点中",
    "grade intro": "最新の実行結果で採点する（make grade と同じ）。", "compare with": "比較するバリアント", "diff": "比較",
    "try intro": "main.cf の断片（sendmail なら sendmail.mc の行）を書き、メモの目標に照らして判定する（make try と同じ）。",
    "server": "サーバ", "try it": "試す", "trying": "実行中", "the server refused it": "サーバが設定を拒否した",
    "from the host": "送信元ホスト", "a probe of the plan": "テスト計画のプローブ", "your own": "自分で指定",
    "none": "なし", "wrong password": "間違ったパスワード", "send it": "送信", "probing": "送信中",
    "remote recipient": "外部の宛先", "local recipient": "ローカルの宛先",
    "a shell on": "シェルを開く:", "connecting": "接続中", "the shell ended": "シェルが終了した",
})
EN.update({"step:quiz": "quiz", "step:predict": "predict", "step:run": "run", "step:grade": "grade", "step:diff": "diff",
           "quiz intro": "Read the configuration and the probes; think what each probe will do (no answers here).",
           "predict intro": "Choose one outcome a probe and save: the same sheet `make predict` writes.",
           "run intro": "Every probe, run now: each cell fills in as its probe ends.",
           "click a cell": "A click on a cell shows its SMTP dialogue, the rule that decided and the trace.",
           "grade intro": "Graded against the lab's latest run, as `make grade` grades it.",
           "try intro": "Write a main.cf fragment (or sendmail.mc lines for sendmail): it runs every probe and is "
                        "judged against the note's goal, as `make try` judges it. {{relay}} is the trusted relay's address.",
           "remote recipient": "a remote recipient", "local recipient": "a local one"})
