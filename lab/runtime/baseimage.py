"""The base image every lab image builds FROM: used if present, pulled if a registry
answers, else built with debootstrap from the host's own Debian mirror and imported."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator, Mapping

from lab.errors import LabError

DEBIAN_TAG = re.compile(r"^(?:docker\.io/)?(?:library/)?debian:(?P<suite>[a-z]+)(?:-slim)?$")


@dataclass(frozen=True)
class BaseImagePlan:
    image: str
    action: str  # "present", "pulled" or "debootstrap"
    suite: str | None = None
    mirror: str | None = None


def suite_of(image: str) -> str | None:
    """The Debian suite a tag names (debian:bookworm-slim -> bookworm), or None."""
    match = DEBIAN_TAG.match(image)
    return match["suite"] if match else None


def decide(
    image: str,
    present: Callable[[], bool],
    pull: Callable[[], bool],
    have_debootstrap: Callable[[], bool],
    mirror: Callable[[], str | None],
) -> BaseImagePlan:
    """What to do about the base image, trying the cheap answers first."""
    if present():
        return BaseImagePlan(image, "present")
    if pull():
        return BaseImagePlan(image, "pulled")
    suite = suite_of(image)
    if suite is None:
        raise LabError(f"BASE_IMAGE={image}: not present, cannot be pulled, and only debian:<suite> tags can be built offline")
    if not have_debootstrap():
        raise LabError(f"BASE_IMAGE={image}: not present and cannot be pulled; install debootstrap (apt-get install debootstrap) to build it offline")
    url = mirror()
    if not url:
        raise LabError(f"BASE_IMAGE={image}: not present and cannot be pulled, and no Debian mirror found in /etc/apt; set LAB_DEBIAN_MIRROR")
    return BaseImagePlan(image, "debootstrap", suite, url)


def _apt_entries(apt_dir: Path) -> Iterator[tuple[list[str], list[str]]]:
    """(uris, suites) for every 'deb' entry in the host's apt configuration."""
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in files:
        if path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                words = re.sub(r"\[[^\]]*\]", "", line.split("#", 1)[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    yield [words[1]], [words[2]]
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text(errors="replace")):
            fields = dict(
                (key.strip().lower(), value.split())
                for key, _, value in (l.partition(":") for l in stanza.splitlines() if not l.startswith("#"))
            )
            if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"]) != ["no"]:
                yield fields.get("uris", []), fields.get("suites", [])


def host_mirror(suite: str, apt_dir: Path = Path("/etc/apt"), environ: Mapping[str, str] = os.environ) -> str | None:
    """The host's Debian mirror: LAB_DEBIAN_MIRROR, else the apt entry for that suite."""
    if environ.get("LAB_DEBIAN_MIRROR"):
        return environ["LAB_DEBIAN_MIRROR"]
    fallback = None
    for uris, suites in _apt_entries(apt_dir):
        for uri in uris:
            if "security" in uri or not uri.rstrip("/").endswith("/debian"):
                continue
            if suite in suites:
                return uri
            fallback = fallback or uri
    return fallback


def pull(image: str) -> bool:
    try:
        return subprocess.run(["docker", "pull", "-q", image], capture_output=True, timeout=90).returncode == 0
    except subprocess.TimeoutExpired:
        return False


# like the official slim images: no apt caches, no documentation, manuals or translations
APT_CLEAN = """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
"""
DPKG_EXCLUDE = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
"""


def slim(rootfs: Path) -> None:
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker").write_text(DPKG_EXCLUDE)
    for junk in ("var/lib/apt/lists", "var/cache/apt", "usr/share/man", "usr/share/info", "usr/share/locale"):
        shutil.rmtree(rootfs / junk, ignore_errors=True)
    (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    for doc in (rootfs / "usr/share/doc").glob("*/*"):
        if doc.name != "copyright":
            shutil.rmtree(doc, ignore_errors=True) if doc.is_dir() else doc.unlink()


def bootstrap(plan: BaseImagePlan, say: Callable[[str], None], again: str = "make lab-up") -> None:
    """debootstrap a minbase root file system and import it as plan.image. `again`: the
    command that runs this once more (for this lab), to be run as root when we are not."""
    if plan.suite is None or plan.mirror is None:  # decide() gives a debootstrap plan both
        raise ValueError(f"{plan.image}: a plan to debootstrap names its suite and mirror")
    if os.geteuid() != 0:
        # sudo drops the environment, so the lab's variables go after it: sudo LAB_NAME=x make ...
        raise LabError(f"building {plan.image} with debootstrap needs root: run 'sudo {again}' once")
    say(f"{plan.image}: not present, no registry; building it with debootstrap from {plan.mirror} (about 30 s)")
    with tempfile.TemporaryDirectory(prefix="smtplab-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        run = subprocess.run(
            ["debootstrap", "--variant=minbase", plan.suite, str(rootfs), plan.mirror],
            capture_output=True, text=True,
        )
        if run.returncode != 0:
            last = (run.stdout + run.stderr).strip().splitlines()[-1:] or ["no output"]
            raise LabError(f"debootstrap {plan.suite} from {plan.mirror} failed: {last[0]}")
        slim(rootfs)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["docker", "import", "-c", 'CMD ["bash"]', "-c", "LABEL org.smtplab.origin=debootstrap", "-", plan.image],
            stdin=tar.stdout, capture_output=True, text=True,
        )
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise LabError(f"docker import of {plan.image} failed: {imported.stderr.strip()[:200]}")
    say(f"{plan.image}: imported")


def ensure(image: str, say: Callable[[str], None], again: str = "make lab-up") -> BaseImagePlan:
    from lab.runtime import engine

    suite = suite_of(image) or ""
    plan = decide(
        image,
        present=lambda: engine.image_exists(image),
        pull=lambda: pull(image),
        have_debootstrap=lambda: shutil.which("debootstrap") is not None,
        mirror=lambda: host_mirror(suite),
    )
    if plan.action == "debootstrap":
        bootstrap(plan, say, again)
    return plan
