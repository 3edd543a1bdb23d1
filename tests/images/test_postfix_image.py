"""The postfix image on its own: Postfix + Cyrus SASL + Dovecot POP3, baseline config.

One container on an internal testcontainers network; the test process speaks SMTP and
POP3 to the container's address on that network and reads its logs with `docker exec`.
"""

import os
import poplib
import re
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
FQDN = "postfix.lab.example"
USERS = "alice:wonderland bob:builder"
HEALTHY_WITHIN = 60  # seconds
LOG_WITHIN = 15  # seconds


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
        time.sleep(0.2)


class Server:
    """The running container: its address, a shell, its logs."""

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

    def log_line(self, *needles, path="/var/log/mail.log"):
        """The first line of the log that contains every needle, waited for."""
        def find():
            return next((line for line in self.read(path).splitlines()
                         if all(n in line for n in needles)), None)
        return wait_for(find, LOG_WITHIN, f"a line with {needles} in {path}",
                        lambda: self.read(path)[-3000:])

    def smtp(self):
        return smtplib.SMTP(self.ip, 25, local_hostname="tester.example", timeout=10)


@pytest.fixture(scope="module")
def server():
    image = build_image("postfix")
    with Network(docker_network_kw={"internal": True}) as network:
        container = (DockerContainer(image)
                     .with_name(f"smtplab-test-postfix-{uuid.uuid4().hex[:8]}")
                     .with_network(network)
                     .with_env("LAB_USERS", USERS)
                     # A resolver that answers nothing at once. With Docker's own DNS on an
                     # internal network every PTR lookup of a client takes 10 s (smtpd waits
                     # that long before its banner); without DNS clients are "unknown[ip]".
                     .with_env("LAB_DNS", "127.0.0.1")
                     .with_kwargs(hostname="postfix", domainname="lab.example"))
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


def test_container_becomes_healthy(server):
    assert server.health() == "healthy"
    assert server.healthy_after < HEALTHY_WITHIN


def test_banner_names_the_host(server):
    conn = smtplib.SMTP(timeout=10)
    code, banner = conn.connect(server.ip, 25)
    conn.quit()
    assert code == 220
    assert banner.decode().startswith(f"{FQDN} ESMTP Postfix")


def test_ehlo_offers_auth_plain_without_tls(server):
    with server.smtp() as smtp:
        smtp.ehlo()
        assert "starttls" not in smtp.esmtp_features
        assert "PLAIN" in smtp.esmtp_features["auth"].split()
        assert "LOGIN" in smtp.esmtp_features["auth"].split()


def test_auth_plain_accepts_the_right_password(server):
    with server.smtp() as smtp:
        smtp.ehlo()
        smtp.user, smtp.password = "alice", "wonderland"
        code, _ = smtp.auth("PLAIN", smtp.auth_plain)
        assert code == 235


def test_auth_plain_refuses_a_wrong_password(server):
    with server.smtp() as smtp:
        smtp.ehlo()
        smtp.user, smtp.password = "alice", "not-wonderland"
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp.auth("PLAIN", smtp.auth_plain)
        assert refused.value.smtp_code == 535


def test_unauthenticated_mail_to_a_local_user_is_delivered_to_maildir(server):
    tok = token()
    recipient = f"alice@{FQDN}"
    with server.smtp() as smtp:
        refused = smtp.sendmail(f"{tok}@tester.example", [recipient],
                                message(f"{tok}@tester.example", recipient, tok))
        assert refused == {}

    def delivered():
        code, out = server.sh(f"grep -l '{tok}' /home/alice/Maildir/new/* 2>/dev/null")
        return code == 0 and out.strip()
    path = wait_for(delivered, LOG_WITHIN, f"{tok} in /home/alice/Maildir/new",
                    lambda: server.read("/var/log/mail.log")[-3000:])
    assert server.sh(f"stat -c %U {path}")[1].strip() == "alice"
    server.log_line(f"to=<{recipient}>", "relay=local", "status=sent (delivered to maildir)")


def test_unauthenticated_relay_is_deferred_at_rcpt(server):
    tok = token()
    with server.smtp() as smtp:
        assert smtp.mail(f"{tok}@tester.example")[0] == 250
        code, text = smtp.rcpt("someone@remote.example")
    # Debian's smtpd_relay_restrictions ends in defer_unauth_destination: 454, not 554.
    assert code == 454
    assert b"Relay access denied" in text
    line = server.log_line("NOQUEUE: reject: RCPT from", f"from=<{tok}@tester.example>")
    assert "454 4.7.1 <someone@remote.example>: Relay access denied" in line


def test_mail_log_names_the_permitting_rule(server):
    tok = token()
    recipient = f"bob@{FQDN}"
    with server.smtp() as smtp:
        smtp.login("alice", "wonderland")
        smtp.sendmail(f"{tok}@tester.example", [recipient],
                      message(f"{tok}@tester.example", recipient, tok))
    permit = server.log_line("NOQUEUE: permit: RCPT from", f"from=<{tok}@tester.example>")
    assert "action=permit_sasl_authenticated" in permit
    server.log_line("postfix/smtpd[", ": client=", "sasl_method=PLAIN", "sasl_username=alice")


def test_pop3_login_with_the_right_password(server):
    pop = poplib.POP3(server.ip, 110, timeout=10)
    try:
        assert pop.getwelcome().startswith(b"+OK")
        pop.user("alice")
        assert pop.pass_("wonderland").startswith(b"+OK")
        pop.stat()
    finally:
        pop.quit()
    server.log_line("pop3-login: Info: Login: user=<alice>", path="/var/log/dovecot.log")


def test_pop3_login_with_a_wrong_password_fails(server):
    pop = poplib.POP3(server.ip, 110, timeout=10)
    try:
        pop.user("bob")
        with pytest.raises(poplib.error_proto):
            pop.pass_("not-builder")
    finally:
        pop.close()


def test_reload_is_logged(server):
    # The master's pid is 1 here; under `init: true` (compose) it is not.
    reload_line = re.compile(r"postfix/master\[\d+\]: reload -- version 3\.\d+\.\d+, "
                             r"configuration /etc/postfix$", re.M)
    before = len(reload_line.findall(server.read("/var/log/mail.log")))
    assert server.sh("postfix reload")[0] == 0
    wait_for(lambda: len(reload_line.findall(server.read("/var/log/mail.log"))) > before,
             LOG_WITHIN, "the reload line", lambda: server.read("/var/log/mail.log")[-3000:])


def test_baseline_copy_matches_the_running_config(server):
    for name in ("main.cf", "master.cf", "access"):
        code, out = server.sh(f"cmp /etc/postfix/{name} /etc/postfix/baseline/{name}")
        assert code == 0, out
    assert server.sh("postconf -h myhostname")[1].strip() == FQDN
    assert server.read("/etc/mailname").strip() == FQDN
    assert server.read("/etc/resolv.conf") == "nameserver 127.0.0.1\nsearch lab.example\n"
    chroot = server.sh("postconf -F '*/*/chroot'")[1].splitlines()
    assert chroot and all(line.endswith("= n") for line in chroot)
