"""The remote image on its own: mx.remote.example, a catch-all sink for remote.example.

One container on an internal testcontainers network; the test process speaks SMTP to the
container's address and looks for each message's token in the sink Maildir.
"""

import os
import smtplib
import subprocess
import time
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.network import Network  # noqa: E402

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
MAILDIR = "/var/mail/sink/Maildir"
HEALTHY_WITHIN = 60  # seconds
ARRIVES_WITHIN = 15  # seconds


def build_image(name):
    """The tag of an up-to-date image of images/<name>."""
    try:
        from lab.images import ensure_built
    except ImportError:
        subprocess.run(["docker", "build", "-q", "-t", f"smtplab-{name}", f"images/{name}"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return f"smtplab-{name}"
    return ensure_built(name)


def wait_for(condition, timeout, what, details=lambda: ""):
    """Poll condition() until it returns something truthy; fail with details on timeout."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{details()}")
        time.sleep(0.2)
    return result


class Sink:
    """The running remote container: its address, a shell, its log and Maildir."""

    def __init__(self, container, network):
        self.container = container
        self.wrapped = container.get_wrapped_container()
        self.wrapped.reload()
        self.ip = self.wrapped.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]

    def health(self):
        self.wrapped.reload()
        state = self.wrapped.attrs["State"]
        return state["Health"]["Status"] if state["Status"] == "running" else state["Status"]

    def sh(self, command):
        code, output = self.container.exec(["sh", "-c", command])
        return code, output.decode(errors="replace")

    def log(self):
        return self.sh("cat /var/log/mail.log")[1]

    def stored(self, tok):
        """Paths of the Maildir messages that contain tok."""
        return self.sh(f"grep -rl '{tok}' {MAILDIR}")[1].split()


@pytest.fixture(scope="module")
def sink():
    image = build_image("remote")
    with Network(docker_network_kw={"internal": True}) as network:
        container = (DockerContainer(image)
                     .with_name(f"smtplab-test-remote-{uuid.uuid4().hex[:8]}")
                     .with_network(network)
                     # A resolver that answers nothing at once: Docker's own DNS on an
                     # internal network makes each client PTR lookup (and the banner) wait 10 s.
                     .with_env("LAB_DNS", "127.0.0.1")
                     .with_kwargs(hostname="mx", domainname="remote.example"))
        with container:
            srv = Sink(container, network)
            started = time.monotonic()
            wait_for(lambda: srv.health() != "starting", HEALTHY_WITHIN, "the container's health",
                     lambda: srv.wrapped.logs().decode(errors="replace"))
            srv.healthy_after = time.monotonic() - started
            yield srv


def token():
    return f"tok-{uuid.uuid4().hex}"


def send(srv, recipient, tok):
    with smtplib.SMTP(srv.ip, 25, local_hostname="tester.example", timeout=10) as smtp:
        return smtp.sendmail(f"{tok}@tester.example", [recipient],
                             f"To: <{recipient}>\r\nSubject: {tok}\r\n\r\nimage test {tok}\r\n")


def test_container_becomes_healthy(sink):
    assert sink.health() == "healthy", sink.wrapped.logs().decode(errors="replace")
    assert sink.healthy_after < HEALTHY_WITHIN


def test_banner_names_the_host(sink):
    conn = smtplib.SMTP(timeout=10)
    code, banner = conn.connect(sink.ip, 25)
    conn.quit()
    assert (code, banner.decode()) == (220, "mx.remote.example ESMTP Postfix")


@pytest.mark.parametrize("local_part", ["anyone", "postmaster", "x-{tok}"])
def test_any_recipient_at_remote_example_lands_in_the_sink(sink, local_part):
    tok = token()
    recipient = f"{local_part.format(tok=tok)}@remote.example"
    assert send(sink, recipient, tok) == {}
    [path] = wait_for(lambda: sink.stored(tok), ARRIVES_WITHIN, f"{tok} in {MAILDIR}",
                      lambda: sink.log()[-3000:])
    assert path.startswith(f"{MAILDIR}/new/")
    assert sink.sh(f"stat -c %U {path}")[1].strip() == "sink"
    assert f"Delivered-To: {recipient}" in sink.sh(f"cat {path}")[1]


def test_mail_for_another_domain_is_refused_at_rcpt(sink):
    tok = token()
    with smtplib.SMTP(sink.ip, 25, local_hostname="tester.example", timeout=10) as smtp:
        assert smtp.mail(f"{tok}@tester.example")[0] == 250
        code, text = smtp.rcpt("victim@elsewhere.example")
    assert (code, text) == (554, b"5.7.1 <victim@elsewhere.example>: Relay access denied")
    wait_for(lambda: f"from=<{tok}@tester.example> to=<victim@elsewhere.example>" in sink.log(),
             ARRIVES_WITHIN, "the reject in mail.log", lambda: sink.log()[-3000:])
    assert sink.stored(tok) == []
