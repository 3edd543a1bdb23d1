"""LAB_LANG: the language of the tables' headings, the report and the teaching views.
`LAB_LANG=ja` (or ja_JP.UTF-8, ...) gives Japanese; anything else English. Identifiers -
probe ids, outcomes, restriction names, commands - stay as they are in both."""

from __future__ import annotations

import os

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
    "goal": "目標", "lesson": "教訓", "configuration": "設定", "topology": "構成",
    "all variants": "全バリアント一覧", "your prediction": "あなたの予想", "meets the goal?": "目標を満たす?",
    "prediction sheet": "予想シート", "name": "名前", "outcomes": "結果の種類",
    "transcripts": "SMTP のやりとりとログの証拠", "configuration applied": "適用した設定",
    "all outcomes as expected": "すべて期待通り", "MISMATCHES": "期待と異なる結果あり",
    "started": "開始", "generated": "生成", "trace": "トレース", "steps": "ステップ",
    "main.cf, the note's lines": "main.cf（メモの行）", "main.cf, the lab's own lines": "main.cf（ラボ独自の行）",
    "network": "ネットワーク", "role": "役割", "host": "ホスト",
    "sheet intro": "空欄に、予想する結果を書き込む。", "goal heading": "メモの目標", "your name": "名前", "all variants, empty": "全バリアントの予想表",
}

EN = {"goal:yes": "yes", "goal:NO": "NO", "goal:-": "-", "transcripts": "SMTP transcripts and log evidence",
      "all variants": "All variants at a glance", "prediction sheet": "Prediction sheets", "topology": "Topology",
      "broken by": "goal BROKEN by", "lesson": "Lesson", "configuration applied": "Configuration applied",
      "outside the goal": "outside the goal", "goal heading": "The note's goal", "sheet intro": "Write in each empty cell the outcome you predict.",
      "legend": "expected = what the server does (checked on every run); goal = does it meet the note's goal "
                "(lab/model/goal.yaml): two different questions."}


# make logs-<host>: the line above the log
EN |= {"logs:shown": "{host}: {files}, the lines a person reads (verbose ones hidden; every line: {raw}).",
       "logs:raw": "{host}: {files}, every line.", "logs:stop": "Ctrl-C stops."}
JA |= {"logs:shown": "{host}: {files} の、読む人向けの行だけ（詳しすぎる行は隠す。全行は {raw}）。",
       "logs:raw": "{host}: {files} の全行。", "logs:stop": "Ctrl-C で終了。"}


def current(env=None) -> str:
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
