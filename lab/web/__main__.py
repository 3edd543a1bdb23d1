"""`make web`: the lab (LAB_NAME) or a class (CLASS) in a browser. Prints one link for the
instructor and one per lab, each carrying its token; Ctrl-C stops it.

    WEB_LISTEN=127.0.0.1:8025   where to listen (0.0.0.0:8025: the classroom's network)
    CLASS=<class>               every lab of that class (make class-up); else the one lab LAB_NAME names
    ROTATE=1                    new tokens (the old links stop working)
    WEB_CERT=cert.pem WEB_KEY=key.pem   serve HTTPS (and wss: for the terminals): the tokens
                                        cross the classroom's network encrypted
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from types import FrameType

from lab.errors import LabError, exit_status
from lab.model import settings
from lab.web import app as web_app
from lab.web import running, tokens
from lab.web.site import Site

DEFAULT_LISTEN = "127.0.0.1:8025"


def listen(value: str | None) -> tuple[str, int]:
    """WEB_LISTEN as (host, port); one line on a bad value."""
    text = (value or "").strip() or DEFAULT_LISTEN
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise LabError(f"WEB_LISTEN={text!r}: give HOST:PORT, e.g. 127.0.0.1:8025 or 0.0.0.0:8025")
    return host.strip("[]"), int(port)


def tls(environ: dict[str, str]) -> tuple[str, str] | None:
    """(certificate, key) from WEB_CERT and WEB_KEY (both or neither; files that exist), or
    None for plain HTTP."""
    cert, key = (environ.get(v, "").strip() for v in ("WEB_CERT", "WEB_KEY"))
    if not cert and not key:
        return None
    if not cert or not key:
        raise LabError(f"WEB_CERT and WEB_KEY go together: give both (only {'WEB_CERT' if cert else 'WEB_KEY'} is set)")
    for variable, path in (("WEB_CERT", cert), ("WEB_KEY", key)):
        if not Path(path).is_file():
            raise LabError(f"{variable}={path}: no such file (a PEM certificate and its private key)")
    return cert, key


def shown_host(host: str) -> str:
    """The host to print in links: the machine's address when listening on every interface."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            return str(probe.getsockname()[0])
    except OSError:
        return socket.gethostname()


def links(base: str, kept: tokens.Tokens, names: list[str]) -> list[str]:
    width = max([len("instructor"), *(len(n) for n in names)])
    lines = [f"{'instructor:'.ljust(width + 1)} {base}/class?token={kept.instructor}"]
    lines += [f"{(n + ':').ljust(width + 1)} {base}/lab/{n}?token={kept.labs[n]}" for n in names]
    return lines


def site_for(environ: dict[str, str]) -> Site:
    from lab.actions import classroom
    from lab.runtime import subnets

    if (environ.get("CLASS") or "").strip():
        cls = classroom.class_name(environ["CLASS"])
        return Site(settings.ROOT, cls)
    lab = subnets.current()
    return Site(settings.ROOT, None, {lab.name: lab})


def main() -> int:
    import uvicorn

    host, port = listen(os.environ.get("WEB_LISTEN"))
    secure = tls(dict(os.environ))
    site = site_for(dict(os.environ))
    names = sorted(site.labs(fresh=True))
    kept = tokens.ensure(site.root, names, rotate=os.environ.get("ROTATE", "") not in ("", "0"))
    base = f"{'https' if secure else 'http'}://{shown_host(host)}:{port}"
    app = web_app.create(site, site.root)
    for line in links(base, kept, names):
        print(line, flush=True)
    if site.cls and not names:
        print(f"class {site.cls} has no labs running yet: make class-up CLASS={site.cls} ... (their links: the roster)")
    print(f"tokens: {tokens.folder(site.root).relative_to(site.root)}/tokens.json (ROTATE=1 makes new ones); "
          f"stop: Ctrl-C", flush=True)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            app.state.stopping.set()  # the event streams end now, not after the grace period
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                            timeout_graceful_shutdown=1, lifespan="on",
                            ssl_certfile=secure[0] if secure else None, ssl_keyfile=secure[1] if secure else None)
    with running.announced(site.root, base, site.cls):
        Server(config).run()
    abandoned = app.state.runner.abandon()
    if abandoned:  # a probe in flight would hold the exit for seconds: the run is over for everyone
        print(f"stopped during {', '.join(abandoned)}: run it again (the lab heals itself at its next run)", flush=True)
        os._exit(130)
    return 0


if __name__ == "__main__":
    sys.exit(exit_status(main, "web"))
