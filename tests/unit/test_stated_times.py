"""Every time the docs state is a measured one, and the measured ones are docs/bench.json's.

docs/bench.json is the record: `make bench RECORD=1` writes the figures its run measured
(lab/bench_record.py), the class's and the suite's are copied from their runs. Each sentence
below is what a doc must say, built from the record; a new record changes the sentence, and
this test names the one to change. Any other time in the docs' prose (a number with s, ms,
min, minutes, hours, 秒, 分, 時間) must be one of the settings listed here (a timeout, an
interval, drac's expiry, the class's plan): then it is not a measurement that can go stale."""

from __future__ import annotations

import json
import re

import pytest

from doc_regions import ROOT, markdown_files, prose

RECORD = json.loads((ROOT / "docs" / "bench.json").read_text())
BEFORE = json.loads((ROOT / "lab" / "bench" / "before.json").read_text())
LATIN = re.compile(r"(?<![\w.])\d+(?:\.\d+)?½?(?:\s*[–~-]\s*\d+(?:\.\d+)?½?)?(?:\s*|-)"
                   r"(?:ms|s|CPU-seconds|seconds?|min|minutes?|hours?)(?![A-Za-z])")
CJK = re.compile(r"\d+(?:\.\d+)?½?(?:\s*[〜～–-]\s*\d+(?:\.\d+)?½?)?\s*(?:秒|分|時間)")


def number(x: float) -> str:
    return f"{x:g}"


def span(value, sep: str = "–") -> str:
    """A figure as the docs print it: 27, 1.2–2.5 (ja: 1.2〜2.5)."""
    if isinstance(value, list):
        return number(value[0]) if value[0] == value[1] else f"{number(value[0])}{sep}{number(value[1])}"
    return number(value)


def minutes(seconds: int) -> str:
    return f"{seconds // 60} min {seconds % 60} s" if seconds % 60 else f"{seconds // 60} min"


def figure(name: str) -> str:
    return span(RECORD["figures"][name]["value"])


def class_run(labs: int, agent: bool = False) -> dict:
    return next(r for r in RECORD["class"]["runs"] if r["labs"] == labs and r["agent"] == agent)


MACHINE = RECORD["machine"]
V60 = class_run(60)["verify_seconds"]
CPU_SECONDS = 2 * V60 / 60  # a method1 run, in CPU-seconds: 2 cores busy for the whole class-verify
SUITE = RECORD["suite"]

# what each doc must say, from the record (whitespace as in the doc does not matter)
STATED = {
    "README.md": [
        f"takes {figure('verify_seconds')} s on {MACHINE} (measured by `make bench`",
        f"It took {round(BEFORE['seconds'])} s before",
        f"One variant's run takes {figure('variant_run_seconds')} s, one with the POP-before-SMTP probes "
        f"{figure('pop_variant_run_seconds')} s",
        f"about {figure('command_ms_agent')} ms a command instead of {figure('command_ms_docker_exec')} ms",
        f"about {figure('health_check_cpu_ms')} ms of CPU",
        f"about {round(class_run(20)['verify_seconds'] / class_run(20, True)['verify_seconds'], 1):g} times faster: "
        f"20 labs run method1 in {class_run(20, True)['verify_seconds']} s",
        f"starting a lab costs ~{round(class_run(60)['up_seconds'] / 60)} s of the machine (so 60 labs take "
        f"{round(class_run(60)['up_seconds'] / 60)} minutes",
        f"a `method1` run about {round(CPU_SECONDS)} CPU-seconds (2 cores × {V60} s / 60 labs) "
        f"(so 60 labs verify in {round(V60 / 60)} minutes",
        f"queue for ~{round(40 * CPU_SECONDS / 2 / 60)} minutes of CPU",
        f"{SUITE['tests']} tests take about {SUITE['make_test_minutes']} min with the images built",
        f"about {minutes(SUITE['ci_clean_clone_seconds'])} (setting the machine up - the Docker engine, the "
        f"virtualenv, the base image by debootstrap, every image's build, chromium, npm - takes about "
        f"{minutes(SUITE['ci_setup_seconds'])} of it",
    ],
    "docs/workshop.md": [
        f"every variant, {figure('verify_seconds')} s on {MACHINE} (measured by `make bench`",
        f"A variant's run takes {figure('variant_run_seconds')} s, a method2 one {figure('pop_variant_run_seconds')} s",
    ],
    "docs/workshop.ja.md": [
        f"全バリアントで {span(RECORD['figures']['verify_seconds']['value'], '〜')} 秒（{MACHINE} で `make bench` が測った値",
        f"一つの実行は {span(RECORD['figures']['variant_run_seconds']['value'], '〜')} 秒、method2 系は "
        f"{span(RECORD['figures']['pop_variant_run_seconds']['value'], '〜')} 秒",
    ],
}

# times that are settings, not measurements: (doc, the words around the time, what it is)
SETTINGS = [
    ("README.md", "waits up to 60 s", "lab.bootstrap's wait for the Docker engine"),
    ("README.md", "looks every 0.1 s", "lab.web.events.POLL: how often the web server looks at the live journals"),
    ("README.md", "within its 1 s grace", "lab.web's timeout_graceful_shutdown for open pages"),
    ("README.md", "expiring after 30 minutes", "dracd's default expiry"),
    ("README.md", "use 3 s", "the method-2 variants' drac_expire"),
    ("README.md", "inside those 3 s", "the method-2 variants' drac_expire"),
    ("README.md", "for 60 s and a reload", "Postfix's master: a failed service's throttle"),
    ("README.md", "waited 4 s for it", "Dovecot's auth penalty after a failed login (switched off)"),
    ("README.md", "every 5 minutes", "the images' HEALTHCHECK interval"),
    ("README.md", "the 20 s a single lab allows", "lab up's start grace for one lab"),
    ("README.md", "a 90 s start grace", "class-up's start grace"),
    ("README.md", "their 2-s deadline", "the health check's greeting deadline"),
    ("docs/workshop.md", "about 3½ hours", "the class's plan"),
    ("docs/workshop.md", "a 90-minute version", "the class's plan"),
    ("docs/workshop.md", "About 3½ hours with the break", "the class's plan"),
    ("docs/workshop.md", "A 90-minute version", "the class's plan"),
    ("docs/workshop.md", "the goal (5 min)", "the class's plan"),
    ("docs/workshop.ja.md", "約 3 時間半", "the class's plan"),
    ("docs/workshop.ja.md", "90 分版", "the class's plan"),
    ("docs/workshop.ja.md", "約 3 時間半です", "the class's plan"),
    ("docs/workshop.ja.md", "目標の説明（5 分）", "the class's plan"),
    ("docs/note.md", "last 3 seconds instead of drac's 30 minutes", "the method-2 variants' drac_expire, drac's default"),
    ("docs/note.ja.md", "drac の 30 分から 3 秒", "the method-2 variants' drac_expire, drac's default"),
]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", prose(text))


def covered(doc: str, text: str) -> list[tuple[int, int]]:
    phrases = STATED.get(doc, []) + [words for d, words, _ in SETTINGS if d == doc]
    spans = [(m.start(), m.end()) for p in phrases for m in re.finditer(re.escape(p), text)]
    if doc == "README.md":  # the class table's rows: checked cell by cell below
        for row in class_rows():
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(flat(row)), text)]
    return spans


def class_rows() -> list[str]:
    return [line for line in (ROOT / "README.md").read_text().splitlines() if re.match(r"\| (1|20|40|60)\b", line)]


@pytest.mark.parametrize("doc", sorted(STATED))
def test_the_docs_state_the_recorded_figures(doc):
    text = flat((ROOT / doc).read_text())
    missing = [p for p in STATED[doc] if p not in text]
    assert not missing, f"{doc} does not say, as docs/bench.json has it: " + " | ".join(missing)


@pytest.mark.parametrize("doc", [p.relative_to(ROOT).as_posix() for p in markdown_files()])
def test_every_other_time_in_the_docs_is_a_setting(doc):
    text = flat((ROOT / doc).read_text())
    spans = covered(doc, text)
    stray = [m.group(0) + f" (in '…{text[max(0, m.start() - 40):m.end() + 20]}…')"
             for pattern in (LATIN, CJK) for m in pattern.finditer(text)
             if not any(a <= m.start() and m.end() <= b for a, b in spans)]
    assert not stray, (f"{doc}: times that are neither docs/bench.json's figures nor a listed setting "
                       "(measure them with make bench and state them from the record, or say "
                       "'measured by `make bench`' without the number): " + "; ".join(stray))


def test_the_settings_listed_are_in_the_docs():
    """A setting's words that left the docs leave this list too."""
    gone = [(doc, words) for doc, words, _ in SETTINGS if words not in flat((ROOT / doc).read_text())]
    assert not gone, gone


def test_the_class_table_is_the_recorded_runs():
    text = (ROOT / "README.md").read_text()
    rows = class_rows()
    assert len(rows) == len(RECORD["class"]["runs"])
    for line, run in zip(rows, RECORD["class"]["runs"]):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0].startswith(str(run["labs"])) and ("with the agent" in cells[0]) == run["agent"], line
        for cell, key in ((cells[1], "up_seconds"), (cells[5], "verify_seconds"), (cells[6], "down_seconds")):
            assert re.sub(r"\*", "", cell).startswith(f"{span(run[key])} s"), f"{line}: {key} is {run[key]}"
    assert f"this machine: {RECORD['class']['machine']}" in flat(text)


def test_the_scanner_finds_times():
    found = [m.group(0) for m in LATIN.finditer("takes 24–27 s, 7 ms, about 2½ minutes, a 2-s deadline, 3 min")]
    assert found == ["24–27 s", "7 ms", "2½ minutes", "2-s", "3 min"]
    assert [m.group(0) for m in CJK.finditer("約 2 分半、10〜20 秒、3 時間半")] == ["2 分", "10〜20 秒", "3 時間"]
    assert not list(LATIN.finditer("Docker 20.10, 24 GiB, RFC 6409, 0.29 % of a core, ALL: ALL"))


def test_a_bench_run_refreshes_the_figures_it_measured_and_keeps_the_others(tmp_path):
    from lab.bench import record as bench_record
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(RECORD))
    report = {"commands": {"verify_seconds": [26.4, 24.2, 29.6], "command_ms": {"agent": 6.6, "docker-exec": 71.2},
                           "load_before": [0.4, 0.5, 0.6]},
              "variant_seconds": {"method1": {"seconds": 1.31}, "modern": {"seconds": 2.47},
                                  "method2": {"seconds": 5.6}, "method2-fixed": {"seconds": 6.49}}}
    changed = bench_record.record(report, {"method2", "method2-fixed"}, path, here=RECORD["machine"])
    saved = json.loads(path.read_text())
    got = {k: v["value"] for k, v in saved["figures"].items()}
    assert got == {"verify_seconds": [24, 30], "command_ms_agent": 7, "command_ms_docker_exec": 71,
                   "variant_run_seconds": [1.3, 2.5], "pop_variant_run_seconds": [6, 6],
                   "health_check_cpu_ms": RECORD["figures"]["health_check_cpu_ms"]["value"]}
    assert set(changed) == {"verify_seconds", "command_ms_docker_exec", "variant_run_seconds", "pop_variant_run_seconds"}
    assert "load average 0.4 when it started" in saved["figures"]["verify_seconds"]["measured"]
    assert RECORD["machine"] in saved["figures"]["verify_seconds"]["measured"]
    assert saved["figures"]["health_check_cpu_ms"] == RECORD["figures"]["health_check_cpu_ms"]  # not measured: kept
    assert saved["class"] == RECORD["class"] and saved["suite"] == RECORD["suite"]
    assert span(saved["figures"]["pop_variant_run_seconds"]["value"]) == "6"


def test_a_partial_run_on_another_machine_says_which_figures_are_from_elsewhere(tmp_path):
    from lab.bench import record as bench_record
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(RECORD))
    changed = bench_record.record({"idle_cpu": {"health_check_cpu_ms": 88.0}}, set(), path, here="8 cores, 32 GiB, Debian 13, Docker 26.1")
    assert any(c.startswith("machine (was 2 cores") and "verify_seconds" in c for c in changed)
    assert json.loads(path.read_text())["figures"]["health_check_cpu_ms"]["value"] == 90
