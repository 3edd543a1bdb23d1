"""One live line for the long steps (verifying variants, building images): what is running
and for how long. Quiet where nobody watches a line being redrawn - stdout is not a terminal,
or CI=true -: then it prints nothing, and the results that follow say it all."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from lab.runtime.images import BuildResult


def wanted(console: Console) -> bool:
    return console.is_terminal and os.environ.get("CI", "").lower() not in ("true", "1", "yes")


class Line:
    """`with Line(console) as line: line.update("method1: probe 3/8 via-relay")` - a spinner,
    the text and the time since the line began, below anything printed meanwhile; gone when
    the block ends."""

    def __init__(self, console: Console):
        self.live = wanted(console)
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                  console=console, transient=True) if self.live else None
        self._task: TaskID | None = None

    def __enter__(self) -> "Line":
        if self._progress:
            self._progress.start()
            self._task = self._progress.add_task("", total=None)
        return self

    def update(self, text: str) -> None:
        if self._progress and self._task is not None:
            self._progress.update(self._task, description=text)

    def __exit__(self, *exc: object) -> None:
        if self._progress:
            self._progress.stop()

    def probes(self, step: str) -> Callable[[str, int, int], None]:
        """A callback for run_variant(on_probe=...): which probe of how many is running."""
        return lambda probe, index, total: self.update(f"{step}: probe {index + 1}/{total} {probe}")

    def images(self, total: int) -> Callable[[str, BuildResult | None], None]:
        """A callback for images.build_all(on_build=...), called from its worker threads with
        (image, None) when an image starts and (image, result) when it is done."""
        lock, running, done = threading.Lock(), set[str](), list[BuildResult]()

        def on_build(name: str, result: BuildResult | None) -> None:
            with lock:
                if result is None:
                    running.add(name)
                else:
                    running.discard(name)
                    done.append(result)
                built = sum(1 for r in done if r.built)
                if running:
                    self.update(f"images: building {', '.join(sorted(running))} ({len(done)}/{total} done)")
                else:
                    self.update(f"images: {len(done)}/{total} ready ({built} built)"
                                + ("; starting the lab" if len(done) == total else ""))
        return on_build
