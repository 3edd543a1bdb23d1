"""Building the lab's images, incrementally: an image is rebuilt only when its folder
(or the base image) changed, so a warm `make lab-up` builds nothing."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docker.errors

from lab.runtime import baseimage
from lab.runtime import engine
from lab import interrupt
from lab.errors import LabError
from lab.model.settings import Settings

SOURCE_LABEL = "org.smtplab.source"
SHARED = "base"  # images/base: the lab's shared layer; every other image builds FROM it


def folders(settings: Settings) -> dict[str, Path]:
    return {p.name: p for p in sorted((settings.root / "images").iterdir()) if (p / "Dockerfile").is_file()}


def tag(settings: Settings, name: str) -> str:
    return f"{settings.image_prefix}-{name}"


def source_hash(folder: Path, base_image: str) -> str:
    """Changes when the folder's files or the base image (by id) change."""
    try:
        base_id = engine.client().images.get(base_image).id
    except docker.errors.ImageNotFound:  # not there (yet): the name alone
        base_id = base_image
    digest = hashlib.sha256(base_id.encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
        digest.update(b"x" if path.stat().st_mode & 0o111 else b"-")
    return digest.hexdigest()[:16]


def current_hash(image_tag: str) -> str | None:
    try:
        return (engine.client().images.get(image_tag).labels or {}).get(SOURCE_LABEL)
    except docker.errors.ImageNotFound:  # not built yet
        return None


@dataclass(frozen=True)
class BuildResult:
    image: str
    built: bool
    seconds: float


def parent(settings: Settings, name: str) -> str:
    """What images/<name> builds FROM: the Debian base for the shared layer, the shared layer
    for every other image."""
    if name == SHARED or SHARED not in folders(settings):
        return settings.base_image
    return tag(settings, SHARED)


def build_one(settings: Settings, name: str) -> BuildResult:
    """images/<name>, built if its files or its parent changed; the parent must be built."""
    folder = folders(settings).get(name)
    if folder is None:
        raise LabError(f"unknown image {name!r}: images/ has {', '.join(folders(settings))}")
    base = parent(settings, name)
    image_tag, wanted = tag(settings, name), source_hash(folder, base)
    if current_hash(image_tag) == wanted:
        return BuildResult(image_tag, False, 0.0)
    start = time.monotonic()
    run = interrupt.run(
        ["docker", "build", "-q", "-t", image_tag, "--build-arg", f"BASE_IMAGE={base}",
         "--label", f"{SOURCE_LABEL}={wanted}", str(folder)],
        capture_output=True, text=True, env=engine.subprocess_env(),
    )
    if run.returncode != 0:
        last = [l for l in run.stderr.strip().splitlines() if l.strip()][-3:]
        raise LabError(f"building {image_tag} from {folder} failed: {' | '.join(last)}")
    return BuildResult(image_tag, True, round(time.monotonic() - start, 1))


def build_all(settings: Settings, say: Callable[[str], None] = print, jobs: int = 3,
              on_build: Callable[[str, BuildResult | None], None] | None = None) -> list[BuildResult]:
    """on_build(image folder, None) as an image's check or build starts, (image folder, result)
    when it is done - called from the worker threads (a progress display)."""
    baseimage.ensure(settings.base_image, say, again=settings.command("make lab-up"))
    names = list(folders(settings))

    def one(name: str) -> BuildResult:
        if on_build:
            on_build(name, None)
        result = build_one(settings, name)
        if on_build:
            on_build(name, result)
        return result

    first = [one(SHARED)] if SHARED in names else []  # the others build FROM it
    with interrupt.pool(jobs) as pool:
        return first + list(pool.map(one, [n for n in names if n != SHARED]))


def copy_to(settings: Settings, where: str) -> list[str]:
    """The lab's images on engine `where` as they are on this one: each that is missing there,
    or was built from other sources, is sent over (docker save | docker load; no registry).
    Returns the tags sent."""
    here = {tag(settings, n): current_hash(tag(settings, n)) for n in folders(settings) if n != SHARED}
    with engine.using(where):
        stale = [t for t, wanted in here.items() if current_hash(t) != wanted]
        there = engine.subprocess_env()
    if not stale:
        return []
    save = subprocess.Popen(["docker", "save", *stale], stdout=subprocess.PIPE, env=engine.subprocess_env())
    load = subprocess.run(["docker", "load", "-q"], stdin=save.stdout, capture_output=True, text=True, env=there)
    if save.stdout is not None:  # always (stdout=PIPE)
        save.stdout.close()
    if save.wait() != 0 or load.returncode != 0:
        last = [l for l in load.stderr.strip().splitlines() if l.strip()][-1:] or ["docker save failed"]
        raise LabError(f"copying {', '.join(stale)} to the engine at {where} failed: {last[0]}")
    return stale
