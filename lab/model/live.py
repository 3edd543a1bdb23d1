"""A lab's runs as they happen: results/<lab>/live.jsonl, one JSON line per event, appended
by the one writer of results/<lab>/ (lab.actions.records) whoever runs (`make verify`,
`make class-verify`, `make try`, the web pages), and read by whoever shows runs live (`make
web`, in another process: it follows the file's size).

Events, each with the variant and the time it happened (`at`, seconds since the epoch):
- "probe": a probe finished - its outcome, its goal mark and verdict judged on the row alone
  (the run's final verdicts come with its JSON document), and the whole row (`row`);
- "done": the run is recorded - ok, the goal met, where its JSON document is;
- "failed": the run stopped before it was recorded - why, in one line.

Every event is one write() of one line to a file opened for appending: lines of two writers
never mix, and a reader takes only whole lines."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from lab.model.verdict import Kind

FILE = "live.jsonl"
ROTATE_AT = 2 * 1024 * 1024  # bytes: the journal starts afresh (its readers follow) past this size


class EventKind(str, Enum):
    PROBE = "probe"
    DONE = "done"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Event:
    kind: EventKind
    variant: str
    at: float = field(default_factory=time.time)
    tried: bool = False  # one's own configuration (`try`), not a variant of scenarios/
    # kind PROBE: the row judged alone (the goal clause of another probe is not known yet)
    probe: str | None = None
    expected: str | None = None
    actual: str | None = None
    goal_met: bool | None = None
    verdict: Kind | None = None
    row: dict[str, Any] | None = None  # the ProbeResult as the run's JSON document will have it
    # kind DONE: the run as recorded; kind FAILED: why it stopped
    ok: bool | None = None
    goal: bool | None = None  # the run meets the note's goal
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if v is not None and v != ""}
        data["kind"] = str(self.kind)
        if self.verdict is not None:
            data["verdict"] = str(self.verdict)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Event":
        return cls(**{**data, "kind": EventKind(data["kind"]),
                      "verdict": Kind(data["verdict"]) if data.get("verdict") else None})


def path(results: Path) -> Path:
    """The journal in a lab's results folder (results/<lab>/)."""
    return results / FILE


def append(journal: Path, event: Event) -> None:
    """Add one event as one line (one write: whole lines, whatever else appends at once)."""
    journal.parent.mkdir(parents=True, exist_ok=True)
    try:
        if journal.stat().st_size > ROTATE_AT:
            os.replace(journal, journal.with_suffix(".1.jsonl"))
    except FileNotFoundError:
        pass
    line = (json.dumps(event.to_dict(), ensure_ascii=False) + "\n").encode()
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


@dataclass
class Follower:
    """Reads a journal's new events as they are appended (a reader polls `new()`); starts at
    the end of what is there. A journal started afresh (rotated) is read from its start."""
    journal: Path
    offset: int = -1
    inode: int = -1

    def new(self) -> list[Event]:
        try:
            st = self.journal.stat()
        except FileNotFoundError:
            self.offset, self.inode = 0, -1
            return []
        if self.offset < 0:  # the first look: only what comes from now on
            self.offset, self.inode = st.st_size, st.st_ino
            return []
        if st.st_ino != self.inode or st.st_size < self.offset:
            self.offset, self.inode = 0, st.st_ino
        if st.st_size == self.offset:
            return []
        with open(self.journal, "rb") as f:
            f.seek(self.offset)
            chunk = f.read(st.st_size - self.offset)
        whole = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits for the next look
        self.offset += len(whole)
        events = []
        for line in whole.splitlines():
            try:
                events.append(Event.from_dict(json.loads(line)))
            except (ValueError, TypeError, KeyError):
                continue  # not an event of this version: skipped, never fatal to a reader
        return events
