"""The relay image: relay.lab.example, the trusted MX that forwards the lab domains.

On one internal testcontainers network: the relay and two containers of the remote image
told to accept the lab domains (REMOTE_DOMAINS), standing in for servers under test. With
no lab DNS here the relay is routed to them by address: `postfix.lab.example=[<ip>]`.
The test process speaks SMTP to the relay and finds each message's token in a sink.
"""

import os
import smtplib
import subprocess
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.network import Network  # noqa: E402

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
LAB_DOMAINS = ("postfix.lab.example", "sendmail.lab.example")
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


class Host:
    """A running container: its address, a shell, its mail log and sink Maildir."""

    def __init__(self, stack, network, image, name, env, hostname, domainname):
        container = (DockerContainer(image)
                     .with_name(f"smtplab-test-{name}-{uuid.uuid4().hex[:8]}")
                     .with_network(network)
                     # A resolver that answers nothing at once: Docker's own DNS on an
                     # internal network makes each client PTR lookup (and the banner) wait 10 s.
                     .with_env("LAB_DNS", "127.0.0.1")
                     .with_kwargs(hostname=hostname, domainname=domainname))
        for key, value in env.items():
            container.with_env(key, value)
        self.container = stack.enter_context(container)
        self.started = time.monotonic()
        self.wrapped = container.get_wrapped_container()
        self.wrapped.reload()
        self.ip = self.wrapped.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]

    def health(self):
        self.wrapped.reload()
        state = self.wrapped.attrs["State"]
        return state["Health"]["Status"] if state["Status"] == "running" else state["Status"]

    def wait_healthy(self):
        wait_for(lambda: self.health() != "starting", HEALTHY_WITHIN, "the container's health",
                 lambda: self.wrapped.logs().decode(errors="replace"))
        self.healthy_after = time.monotonic() - self.started
        assert self.health() == "healthy", self.wrapped.logs().decode(errors="replace")

    def sh(self, *argv):
        code, output = self.container.exec(list(argv))
        return code, output.decode(errors="replace")

    def log(self):
        return self.sh("cat", "/var/log/mail.log")[1]

    def stored(self, tok):
        """Paths of the sink Maildir messages that contain tok."""
        return self.sh("grep", "-rl", tok, MAILDIR)[1].split()


@pytest.fixture(scope="module")
def network():
    with Network(docker_network_kw={"internal": True}) as net:
        yield net


@pytest.fixture(scope="module")
def lab(network):
    """Two stand-in servers (a, b) and the relay, first routed to a."""
    relay_image, remote_image = build_image("relay"), build_image("remote")
    sink_env = {"REMOTE_DOMAINS": " ".join(LAB_DOMAINS)}
    with ExitStack() as stack:
        a = Host(stack, network, remote_image, "relay-sink-a", sink_env, "postfix", "lab.example")
        b = Host(stack, network, remote_image, "relay-sink-b", sink_env, "sendmail", "lab.example")
        routes = " ".join(f"{domain}=[{a.ip}]" for domain in LAB_DOMAINS)
        relay = Host(stack, network, relay_image, "relay", {"RELAY_ROUTES": routes},
                     "relay", "lab.example")
        for host in (a, b, relay):
            host.wait_healthy()
        yield relay, a, b


def token():
    return f"tok-{uuid.uuid4().hex}"


def send(relay, recipient, tok):
    with smtplib.SMTP(relay.ip, 25, local_hostname="tester.example", timeout=10) as smtp:
        return smtp.sendmail(f"{tok}@tester.example", [recipient],
                             f"To: <{recipient}>\r\nSubject: {tok}\r\n\r\nimage test {tok}\r\n")


def rcpt(relay, recipient):
    with smtplib.SMTP(relay.ip, 25, local_hostname="tester.example", timeout=10) as smtp:
        assert smtp.mail("tester@tester.example")[0] == 250
        return smtp.rcpt(recipient)


def arrives(target, tok, relay):
    """Wait until tok is in target's sink; return the stored message."""
    [path] = wait_for(lambda: target.stored(tok), ARRIVES_WITHIN, f"{tok} at {target.ip}",
                      lambda: relay.log()[-3000:])
    return target.sh("cat", path)[1]


def route(relay, *pairs):
    code, out = relay.sh("relay-routes", *pairs)
    assert code == 0, out
    return out


def test_relay_becomes_healthy(lab):
    relay, _, _ = lab
    assert relay.health() == "healthy"
    assert relay.healthy_after < HEALTHY_WITHIN


def test_relay_routes_from_env(lab):
    relay, a, _ = lab
    assert relay.sh("postconf", "-h", "relay_domains")[1].strip() == ", ".join(LAB_DOMAINS)
    for domain in LAB_DOMAINS:
        found = relay.sh("postmap", "-q", domain, "hash:/etc/postfix/transport")[1].strip()
        assert found == f"smtp:[{a.ip}]:25"


@pytest.mark.parametrize("recipient", [f"alice@{d}" for d in LAB_DOMAINS])
def test_mail_for_a_lab_domain_reaches_the_routed_server(lab, recipient):
    relay, a, b = lab
    tok = token()
    assert send(relay, recipient, tok) == {}
    stored = arrives(a, tok, relay)
    assert f"Delivered-To: {recipient}" in stored
    assert "Received: from relay.lab.example (" in stored  # smtp_helo_name
    assert b.stored(tok) == []
    assert f"to=<{recipient}>, relay={a.ip}[{a.ip}]:25" in relay.log()


def test_relay_routes_switches_the_target_at_run_time(lab):
    relay, a, b = lab
    recipient = "alice@postfix.lab.example"
    out = route(relay, f"postfix.lab.example=[{b.ip}]", f"sendmail.lab.example={a.ip}")
    assert f"postfix.lab.example\tsmtp:[{b.ip}]:25" in out
    first = token()
    assert send(relay, recipient, first) == {}
    arrives(b, first, relay)

    route(relay, f"postfix.lab.example=[{a.ip}]")
    second = token()
    assert send(relay, recipient, second) == {}
    arrives(a, second, relay)
    assert a.stored(first) == [] and b.stored(second) == []


def test_unnamed_lab_domains_keep_their_default_route(lab):
    relay, a, _ = lab
    try:
        route(relay, f"postfix.lab.example=[{a.ip}]", "test.example=192.0.2.1:2525")
        lookup = lambda d: relay.sh("postmap", "-q", d, "hash:/etc/postfix/transport")[1].strip()
        assert lookup("sendmail.lab.example") == "smtp:[sendmail.lab.example]:25"
        assert lookup("test.example") == "smtp:[192.0.2.1]:2525"
        assert "test.example" in relay.sh("postconf", "-h", "relay_domains")[1]
    finally:
        route(relay, *(f"{domain}=[{a.ip}]" for domain in LAB_DOMAINS))


def test_a_malformed_route_is_refused_and_changes_nothing(lab):
    relay, _, _ = lab
    before = relay.sh("cat", "/etc/postfix/transport")[1]
    code, out = relay.sh("relay-routes", "postfix.lab.example")
    assert code == 2
    assert "bad route 'postfix.lab.example' (want domain=host)" in out
    assert relay.sh("cat", "/etc/postfix/transport")[1] == before


def test_relaying_for_another_domain_is_refused_at_rcpt(lab):
    relay, _, _ = lab
    code, text = rcpt(relay, "victim@remote.example")
    assert (code, text) == (554, b"5.7.1 <victim@remote.example>: Relay access denied")


@pytest.mark.parametrize("local_part, code", [("postmaster", 250), ("root", 550), ("alice", 550)])
def test_only_postmaster_is_local(lab, local_part, code):
    relay, _, _ = lab
    assert rcpt(relay, f"{local_part}@relay.lab.example")[0] == code
