"""What the image tests share: build an image, start it on an internal network, wait on
conditions, and talk to the running container (shell, files, mail log, SMTP).

    with support.alone("remote", hostname="mx", domainname="remote.example") as sink:
        assert sink.send("anyone@remote.example", support.token()) == {}

`alone` gives an image its own internal network and waits until it is healthy; `started`
puts one more container on a network the caller owns (the relay tests start three).
Nothing here sleeps for a fixed time: the lab's own `waiting.until` polls a condition until a
deadline and fails naming what it waited for, with the state that explains the time-out (a log
tail, the container's output) as its last seen.
"""

import base64
import os
import smtplib
import uuid
from contextlib import contextmanager
from pathlib import Path

from lab import waiting

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")  # its image cannot be pulled here

from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.network import Network  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NAME_PREFIX = "smtplab-test-"  # every container these tests start: smtplab-test-<name>-<hex>
MAIL_LOG = "/var/log/mail.log"
SINK_MAILDIR = "/var/mail/sink/Maildir"  # where the remote image keeps every message
HEALTHY_WITHIN = 60  # seconds


def build_image(name):
    """The tag of an up-to-date image of images/<name> (built only when it changed; the
    base image first if it is missing; LAB_IMAGE_PREFIX names the tags). images/base, the
    shared layer the others build FROM, is brought up to date first."""
    from lab.model import settings
    from lab.runtime import baseimage, images

    s = settings.load()
    baseimage.ensure(s.base_image, print)
    if name != images.SHARED:
        images.build_one(s, images.SHARED)
    return images.build_one(s, name).image


def auth_plain(smtp, user, password):
    """(code, text) of AUTH PLAIN with an initial response."""
    blob = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    return smtp.docmd("AUTH", f"PLAIN {blob}")


def token():
    """A unique string to put in a message and find again in a mailbox or log."""
    return f"tok-{uuid.uuid4().hex}"


def message(sender, recipient, tok):
    """A minimal message whose subject and body carry tok."""
    return (f"From: <{sender}>\r\nTo: <{recipient}>\r\nSubject: {tok}\r\n\r\n"
            f"image test {tok}\r\n")


class RunningImage:
    """A started container on a network: its address there, its health, a shell, its files
    and mail log, and SMTP to it. Subclasses set `client_name` (our HELO name) and
    `log_within` (how long to wait for a log line or a message) when they differ."""

    client_name = "tester.example"
    log_within = 15  # seconds

    def __init__(self, container, network):
        self.container = container
        self.wrapped = container.get_wrapped_container()
        self.wrapped.reload()
        self.ip = self.wrapped.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]

    def health(self):
        """healthy when the image's own check passes now, else "failing" - or the container's
        status when it is not running. Measured now, as the lab does (lifecycle.check_now):
        Docker itself runs the check only every 5 minutes."""
        self.wrapped.reload()
        state = self.wrapped.attrs["State"]
        if state["Status"] != "running":
            return state["Status"]
        return "healthy" if self.healthcheck()[0] == 0 else "failing"

    def healthcheck(self):
        """(exit code, output) of the image's own HEALTHCHECK command, run now."""
        kind, *argv = self.wrapped.attrs["Config"]["Healthcheck"]["Test"]
        return self.exec(*argv) if kind == "CMD" else self.sh(argv[0])

    def output(self):
        """What the container wrote to stdout and stderr (`docker logs`)."""
        return self.wrapped.logs().decode(errors="replace")

    def wait_healthy(self, timeout=HEALTHY_WITHIN):
        """Wait until the healthcheck has decided (within `timeout`, or fail saying so), then
        require healthy."""
        waiting.until(lambda: self.health() != "failing", timeout, what="the container to become healthy",
                      last=self.output)
        assert self.health() == "healthy", self.output()

    def exec(self, *argv):
        """(exit code, output) of argv run in the container, no shell."""
        code, output = self.container.exec(list(argv))
        return code, output.decode(errors="replace")

    def sh(self, command, *args):
        """(exit code, output) of a shell command; args are its $1, $2, …"""
        return self.exec("sh", "-c", command, "sh", *args)

    def read(self, path):
        """The file's text, empty when it does not exist."""
        return self.sh(f"cat {path} 2>/dev/null")[1]

    def owner(self, path):
        """The name of the user owning path."""
        return self.exec("stat", "-c", "%U", path)[1].strip()

    def files_with(self, text, folder):
        """Paths of the files under folder that contain text."""
        return self.exec("grep", "-rl", text, folder)[1].split()

    def file_with(self, text, folder, details=None):
        """The one file under folder that contains text, waited for. A Maildir's tmp/ is
        left out: a message there is still being written and moves on to new/."""
        def find():
            return self.exec("grep", "-rl", "--exclude-dir=tmp", text, folder)[1].split()
        [path] = waiting.until(find, self.log_within, what=f"{text} in {folder}", last=details or self.log_tail)
        return path

    def log(self, path=MAIL_LOG):
        """The whole mail log (or another log) as it is now."""
        return self.read(path)

    def log_tail(self, path=MAIL_LOG):
        """The end of the log, for failure messages."""
        return self.read(path)[-3000:]

    def log_line(self, *needles, path=MAIL_LOG):
        """The first line of the log that contains every needle, waited for."""
        def find():
            return next((line for line in self.read(path).splitlines()
                         if all(n in line for n in needles)), None)
        return waiting.until(find, self.log_within, what=f"a line with {needles} in {path}",
                             last=lambda: self.log_tail(path))

    def smtp(self):
        """An SMTP session with the container, greeting as client_name."""
        return smtplib.SMTP(self.ip, 25, local_hostname=self.client_name, timeout=10)

    def banner(self):
        """(code, text) of the greeting a new connection gets."""
        conn = smtplib.SMTP(timeout=10)
        try:
            return conn.connect(self.ip, 25)
        finally:
            conn.quit()

    def send(self, recipient, tok, sender=None, login=None):
        """Send a message carrying tok; the refused recipients ({} when all were taken).
        sender defaults to tok@client_name; login is (user, password) for AUTH first."""
        sender = sender or f"{tok}@{self.client_name}"
        with self.smtp() as smtp:
            if login:
                smtp.login(*login)
            return smtp.sendmail(sender, [recipient], message(sender, recipient, tok))

    def rcpt(self, recipient, sender=None):
        """(code, text) of RCPT TO after EHLO and a MAIL FROM that must be accepted."""
        with self.smtp() as smtp:
            smtp.ehlo()  # Sendmail wants a greeting first; smtplib's mail() does not send one
            assert smtp.mail(sender or f"tester@{self.client_name}")[0] == 250
            return smtp.rcpt(recipient)


class Sink(RunningImage):
    """A container of the remote image: it keeps every message it accepts in one Maildir."""

    def stored(self, tok):
        """Paths of the sink Maildir messages that contain tok."""
        return self.files_with(tok, SINK_MAILDIR)

    def arrived(self, tok, details=None):
        """The stored message carrying tok, waited for."""
        return self.read(self.file_with(tok, SINK_MAILDIR, details))


@contextmanager
def internal_network():
    """A Docker network with no way out of the machine, removed afterwards."""
    with Network(docker_network_kw={"internal": True}) as network:
        yield network


@contextmanager
def started(image, network, *, hostname, domainname, env=None, name=None,
            kind=RunningImage, **kwargs):
    """A container of images/<image> on network, as kind (not yet waited for); removed
    afterwards. name (default: image) goes into the container name
    smtplab-test-<name>-<hex>; env adds environment; kwargs go to `docker run`."""
    container = (DockerContainer(build_image(image))
                 .with_name(f"{NAME_PREFIX}{name or image}-{uuid.uuid4().hex[:8]}")
                 .with_network(network)
                 # A resolver that answers nothing at once: with Docker's own DNS on an
                 # internal network every client PTR lookup (and so the banner) waits 10 s.
                 .with_env("LAB_DNS", "127.0.0.1")
                 .with_kwargs(hostname=hostname, domainname=domainname, **kwargs))
    for key, value in (env or {}).items():
        container.with_env(key, value)
    with container:
        yield kind(container, network)


@contextmanager
def alone(image, *, hostname, domainname, env=None, kind=RunningImage, **kwargs):
    """images/<image> alone on its own internal network, healthy."""
    with internal_network() as network:
        with started(image, network, hostname=hostname, domainname=domainname, env=env,
                     kind=kind, **kwargs) as running:
            running.wait_healthy()
            yield running
