"""Who may see what: one random token for the instructor (every lab, the class pages) and one
per lab (that lab only), kept in results/web/tokens.json (mode 0600) so that a restarted
server keeps the links it printed; ROTATE=1 makes new ones. Tokens are compared in constant
time and never logged: a URL with one is printed once, for the person who started the server.

The same file is read by `make class-up` (a running server's URL for each student) and may be
written by it (a lab added while the server runs): writes go through a lock and a rename."""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lab import locks
from lab.errors import LabError

BYTES = 24  # 192 bits of randomness (the issue asks for at least 128)
FOLDER = Path("results") / "web"


@dataclass(frozen=True)
class Access:
    """What a request's token reaches: everything (the instructor's) or one lab."""
    instructor: bool = False
    lab: str | None = None

    def reaches(self, lab: str) -> bool:
        return self.instructor or self.lab == lab


@dataclass
class Tokens:
    instructor: str
    labs: dict[str, str] = field(default_factory=dict)

    def who(self, token: str | None) -> Access | None:
        """The access a token gives, or None. Every known token is compared, in constant time."""
        if not token:
            return None
        given = token.encode()
        found = Access(instructor=True) if hmac.compare_digest(given, self.instructor.encode()) else None
        for lab, mine in self.labs.items():
            if hmac.compare_digest(given, mine.encode()):
                found = found or Access(lab=lab)
        return found


def folder(root: Path) -> Path:
    return root / FOLDER


def _path(root: Path) -> Path:
    return folder(root) / "tokens.json"


def new() -> str:
    return secrets.token_urlsafe(BYTES)


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    with locks.held(folder(root) / ".lock", folder_mode=0o700):
        yield


def read(root: Path) -> Tokens | None:
    """The tokens kept, or None when there are none yet."""
    path = _path(root)
    try:
        data = json.loads(path.read_text())
        return Tokens(str(data["instructor"]), {str(k): str(v) for k, v in dict(data.get("labs") or {}).items()})
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LabError(f"{path}: not a tokens file: remove it, or start with ROTATE=1 for new links") from None


def _write(root: Path, tokens: Tokens) -> None:
    path = _path(root)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"instructor": tokens.instructor, "labs": tokens.labs}, f, indent=1)
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def ensure(root: Path, labs: Iterable[str], rotate: bool = False) -> Tokens:
    """The tokens kept, with one for every lab named that has none yet (rotate: all new)."""
    with _locked(root):
        tokens = None if rotate else read(root)
        changed = tokens is None
        tokens = tokens or Tokens(new())
        for lab in labs:
            if lab not in tokens.labs:
                tokens.labs[lab] = new()
                changed = True
        if changed:
            _write(root, tokens)
        return tokens


@dataclass
class Kept:
    """The tokens as the file has them now: read again when it changes (`make class-up` may
    add a lab's while the server runs)."""
    root: Path
    _tokens: Tokens | None = None
    _stamp: tuple[float, int] = (0.0, 0)

    def now(self) -> Tokens:
        try:
            st = _path(self.root).stat()
            stamp = (st.st_mtime, st.st_ino)
        except FileNotFoundError:
            stamp = (0.0, 0)
        if self._tokens is None or stamp != self._stamp:
            self._tokens = read(self.root) or ensure(self.root, [])
            self._stamp = stamp
        return self._tokens
