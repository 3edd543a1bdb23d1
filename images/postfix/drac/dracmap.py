"""dracd's Berkeley DB btree map (bsddb3, the libdb5.3 that Debian's Postfix reads)."""

import fcntl
import os


class BtreeMap:
    """/var/lib/drac/dracd.db: key dotted quad, value login time (decimal). Postfix reads
    it without our lock, so every change is a new file renamed over the old one: a reader
    sees the old map or the new one, and smtpd notices the old file is gone (nlink 0) and
    restarts before its next connection."""

    def __init__(self, path: str):
        self.path = path

    def read(self) -> dict[str, int]:
        from bsddb3 import db  # noqa: imported here: only the image has it

        if not os.path.exists(self.path):
            return {}
        handle = db.DB()
        handle.open(self.path, dbtype=db.DB_BTREE, flags=db.DB_RDONLY)
        try:
            entries = {}
            for key, value in handle.items():
                try:
                    entries[key.rstrip(b"\0").decode()] = int(value.rstrip(b"\0"))
                except ValueError:
                    entries[key.rstrip(b"\0").decode(errors="replace")] = 0  # unreadable: expire it
            return entries
        finally:
            handle.close()

    def write(self, entries: dict[str, int]) -> None:
        from bsddb3 import db  # noqa: imported here: only the image has it

        temp = f"{self.path}.{os.getpid()}.tmp"
        handle = db.DB()
        handle.open(temp, dbtype=db.DB_BTREE, flags=db.DB_CREATE | db.DB_TRUNCATE, mode=0o644)
        for key, value in sorted(entries.items()):
            handle.put(key.encode(), str(value).encode())
        handle.close()
        os.chmod(temp, 0o644)
        os.replace(temp, self.path)

    def locked(self):
        """An exclusive lock for writers (dracd and `dracd --clear`)."""
        return _Lock(self.path + ".lock")


class _Lock:
    def __init__(self, path: str):
        self.path = path

    def __enter__(self):
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        os.close(self.fd)
