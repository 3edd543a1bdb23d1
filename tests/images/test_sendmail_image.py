"""The sendmail image on its own: Sendmail (TCP wrappers) + Cyrus SASL + procmail, baseline.

One container on an internal testcontainers network; the test process speaks SMTP to the
container's address on that network and reads mailboxes and the log with `docker exec`.
"""

import base64
import os
import smtplib
import subprocess
import time
import uuid
from pathlib import Path

import docker
import pytest

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.network import Network  # noqa: E402

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FQDN = "sendmail.lab.example"
USERS = "alice:wonderland bob:builder"
CLIENT = "tester.isp.example"  # the test process's name, as the lab DNS would give it
HEALTHY_WITHIN = 60  # seconds
DELIVERED_WITHIN = 20  # seconds; procmail sleeps 8 s when a mailbox is locked
POLL = 0.2  # seconds between two looks


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
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{details()}")
        time.sleep(POLL)


class Server:
    """The running container: its address, a shell, its mailboxes and log."""

    def __init__(self, container, network):
        self.container = container
        self.wrapped = container.get_wrapped_container()
        self.wrapped.reload()
        self.ip = self.wrapped.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]

    def health(self):
        """healthy, unhealthy, starting, or the container's status when it is not running."""
        self.wrapped.reload()
        state = self.wrapped.attrs["State"]
        return state["Health"]["Status"] if state["Status"] == "running" else state["Status"]

    def sh(self, command):
        code, output = self.container.exec(["sh", "-c", command])
        return code, output.decode(errors="replace")

    def read(self, path):
        return self.sh(f"cat {path} 2>/dev/null")[1]

    def log_tail(self):
        return self.read("/var/log/mail.log")[-3000:]

    def log_line(self, *needles):
        """The first line of /var/log/mail.log that contains every needle, waited for."""
        def find():
            return next((line for line in self.read("/var/log/mail.log").splitlines()
                         if all(n in line for n in needles)), None)
        return wait_for(find, DELIVERED_WITHIN, f"a line with {needles} in the mail log",
                        self.log_tail)

    def delivered(self, user, tok):
        """The message carrying tok in /var/mail/<user> (mbox), waited for."""
        def find():
            messages = ("\n" + self.read(f"/var/mail/{user}")).split("\nFrom ")
            return next((m for m in messages if tok in m), None)
        return wait_for(find, DELIVERED_WITHIN, f"{tok} in /var/mail/{user}", self.log_tail)

    def smtp(self):
        return smtplib.SMTP(self.ip, 25, local_hostname=CLIENT, timeout=10)


@pytest.fixture(scope="module")
def server():
    image = build_image("sendmail")
    with Network(docker_network_kw={"internal": True}) as network:
        gateway = docker.from_env().networks.get(network.id).attrs["IPAM"]["Config"][0]["Gateway"]
        container = (DockerContainer(image)
                     .with_name(f"smtplab-test-sendmail-{uuid.uuid4().hex[:8]}")
                     .with_network(network)
                     .with_env("LAB_USERS", USERS)
                     # A resolver that answers nothing at once (Docker's own DNS on an
                     # internal network makes each lookup wait ~15 s before the banner);
                     # the test process's PTR comes from /etc/hosts instead. Sendmail
                     # defers relaying (450) for a client whose PTR lookup failed.
                     .with_env("LAB_DNS", "127.0.0.1")
                     .with_kwargs(hostname="sendmail", domainname="lab.example",
                                  extra_hosts={CLIENT: gateway}))
        with container:
            srv = Server(container, network)
            started = time.monotonic()
            wait_for(lambda: srv.health() in ("healthy", "unhealthy", "exited"), HEALTHY_WITHIN,
                     "the container to become healthy",
                     lambda: srv.wrapped.logs().decode(errors="replace"))
            assert srv.health() == "healthy", srv.wrapped.logs().decode(errors="replace")
            srv.healthy_after = time.monotonic() - started
            yield srv


def token():
    return f"tok-{uuid.uuid4().hex}"


def message(sender, recipient, tok):
    return (f"From: <{sender}>\r\nTo: <{recipient}>\r\nSubject: {tok}\r\n\r\n"
            f"image test {tok}\r\n")


def auth_plain(smtp, user, password):
    """(code, text) of AUTH PLAIN with an initial response."""
    blob = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    return smtp.docmd("AUTH", f"PLAIN {blob}")


def test_container_becomes_healthy(server):
    assert server.health() == "healthy"
    assert server.healthy_after < HEALTHY_WITHIN


def test_banner_names_the_host(server):
    conn = smtplib.SMTP(timeout=10)
    code, banner = conn.connect(server.ip, 25)
    conn.quit()
    assert code == 220
    assert banner.decode().startswith(f"{FQDN} ESMTP Sendmail 8.")


def test_ehlo_offers_auth_plain_without_tls(server):
    with server.smtp() as smtp:
        smtp.ehlo()
        assert "starttls" not in smtp.esmtp_features
        assert smtp.esmtp_features["auth"].split() == ["PLAIN", "LOGIN"]


@pytest.mark.parametrize("password, code", [("wonderland", 235), ("not-wonderland", 535)])
def test_auth_plain(server, password, code):
    with server.smtp() as smtp:
        smtp.ehlo()
        assert auth_plain(smtp, "alice", password)[0] == code


def test_authenticated_mail_to_a_local_user_is_delivered_to_mbox(server):
    tok = token()
    recipient = f"alice@{FQDN}"
    with server.smtp() as smtp:
        smtp.ehlo()
        assert auth_plain(smtp, "alice", "wonderland")[0] == 235
        assert smtp.sendmail(recipient, [recipient], message(recipient, recipient, tok)) == {}
    mail = server.delivered("alice", tok)
    # The line procmail patterns (the note's `authenticated\ bits=0`) are written against.
    assert f"Received: from {CLIENT} ({CLIENT} [" in mail
    assert "\n\t(authenticated bits=0)\n\tby sendmail.lab.example (8." in mail
    assert " with ESMTPA id " in mail
    assert server.sh("stat -c %U /var/mail/alice")[1].strip() == "alice"


def test_unauthenticated_mail_to_a_local_user_is_delivered_too(server):
    tok = token()
    sender, recipient = f"{tok}@isp.example", f"bob@{FQDN}"
    with server.smtp() as smtp:
        assert smtp.sendmail(sender, [recipient], message(sender, recipient, tok)) == {}
    mail = server.delivered("bob", tok)
    assert "authenticated" not in mail
    assert " with ESMTP id " in mail


def test_unauthenticated_relay_is_refused_at_rcpt(server):
    tok = token()
    with server.smtp() as smtp:
        smtp.ehlo()
        assert smtp.mail(f"{tok}@isp.example")[0] == 250
        code, text = smtp.rcpt("someone@remote.example")
    assert code == 550
    assert text == b"5.7.1 <someone@remote.example>... Relaying denied. Proper authentication required."
    line = server.log_line("ruleset=check_rcpt, arg1=<someone@remote.example>",
                           f"relay={CLIENT} [", "reject=550 5.7.1")
    assert "Relaying denied" in line


def test_mail_log_has_the_sendmail_lines(server):
    tok = token()
    sender, recipient = f"{tok}@isp.example", f"bob@{FQDN}"
    with server.smtp() as smtp:
        smtp.login("alice", "wonderland")
        smtp.sendmail(sender, [recipient], message(sender, recipient, tok))
    server.log_line("]: starting daemon (8.")
    server.log_line("AUTH=server, relay=", "authid=alice, mech=PLAIN, bits=0")
    received = server.log_line(f"from=<{sender}>", "proto=ESMTPA", "daemon=MTA-v4")
    queue_id = received.split("]: ", 1)[1].split(":", 1)[0]
    sent = server.log_line(f"{queue_id}: to=<{recipient}>", "mailer=local", "stat=Sent")
    assert " mail.info sendmail[" in sent


def test_rebuild_and_restart_serves_a_variant(server):
    """The adapter's one command: a variant's lines in variant.m4, rebuild, restart."""
    variant = "define(`confSMTP_LOGIN_MSG', `$j lab variant')dnl\n"
    try:
        server.container.exec(["sh", "-c", 'printf %s "$1" > /etc/mail/variant.m4', "sh", variant])
        code, out = server.sh("sendmail-rebuild --restart")
        assert code == 0, out
        conn = smtplib.SMTP(timeout=10)
        assert b"lab variant" in conn.connect(server.ip, 25)[1]
        conn.quit()
    finally:
        code, out = server.sh("rm -f /etc/mail/variant.m4 && sendmail-rebuild --restart")
        assert code == 0, out
    server.log_line("]: restarting /usr/sbin/sendmail-mta due to signal")
    conn = smtplib.SMTP(timeout=10)
    assert b"lab variant" not in conn.connect(server.ip, 25)[1]
    conn.quit()


def test_baseline_files_are_in_place(server):
    for name in ("sendmail.mc", "access"):
        assert server.sh(f"cmp /etc/mail/{name} /etc/mail/baseline/{name}")[0] == 0
    for name in ("aliases", "hosts.allow", "hosts.deny", "procmailrc"):
        assert server.sh(f"cmp /etc/{name} /etc/mail/baseline/{name}")[0] == 0
    assert server.read("/etc/procmailrc") == ""
    assert server.read("/etc/mail/local-host-names").split() == [FQDN]
    assert server.read("/etc/resolv.conf") == "nameserver 127.0.0.1\nsearch lab.example\n"
    linked = server.sh("ldd /usr/libexec/sendmail/sendmail")[1]
    assert "libwrap.so" in linked and "libsasl2.so" in linked
