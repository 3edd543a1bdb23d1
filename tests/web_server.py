"""`make web`'s application served for tests: real uvicorn on 127.0.0.1 and a free port, in a
thread of the test process, over the labs given (a tmp results folder, or real labs)."""

from __future__ import annotations

import shutil
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import uvicorn

from lab import waiting
from lab.model import results, settings
from lab.web import app as web_app
from lab.web import tokens
from lab.web.site import Site

RECORDED = Path(__file__).parent / "unit" / "recorded" / "teach"  # runs as make verify saved them


@dataclass
class Served:
    base: str
    tokens: tokens.Tokens
    app: object
    site: Site

    def url(self, path: str, token: str | None = None) -> str:
        return self.base + path + (("&" if "?" in path else "?") + f"token={token}" if token else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tmp_labs(root: Path, names: list[str]) -> dict[str, settings.Settings]:
    """Labs whose results live under `root` (no Docker: their pages read results/<lab>/; their
    topology is the checkout's compose.yaml)."""
    shutil.copy(settings.ROOT / "compose.yaml", root / "compose.yaml")
    nets = {"LAB_INTERNET_NET": "100.64.250", "LAB_LAN_NET": "10.77.250"}  # never started: any will do
    return {n: replace(settings.load({"LAB_NAME": n, **nets}), root=root) for n in names}


@contextmanager
def serve(site: Site, root: Path):
    kept = tokens.ensure(root, list(site.labs()))
    app = web_app.create(site, root)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    waiting.until(lambda: server.started, 20, "the web server to start", every=0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", kept, app, site)
    finally:
        app.state.stopping.set()
        server.should_exit = True
        thread.join(10)


@contextmanager
def chromium(width: int = 1024, height: int = 768):
    """Debian's chromium through Debian's chromedriver (Selenium; nothing downloaded), headless,
    its viewport exactly width × height."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--lang=en-US"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        yield driver
    finally:
        driver.quit()


def wait_for(driver, script: str, timeout: float = 30.0):
    """Until the page's `script` returns something true; that value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: d.execute_script(script))


def with_recorded_runs(root: Path, names: list[str], variants: tuple[str, ...] = ("method1", "method1-addendum")
                       ) -> Site:
    """A site of throwaway labs under `root`, each with the recorded runs of `variants` as its
    latest results (no Docker: the pages and the API read them)."""
    labs = tmp_labs(root, names)
    for s in labs.values():
        folder = results.results_dir(s)
        folder.mkdir(parents=True)
        for variant in variants:
            shutil.copy(RECORDED / f"{variant}.json", folder / f"{variant}.json")
    return Site(root, None, labs)
