"""The sendmail image on its own: Sendmail (TCP wrappers) + Cyrus SASL + procmail, baseline
(what it offers a client alike with Postfix: test_mail_servers.py).

One container on an internal testcontainers network; the test process speaks SMTP to the
container's address on that network and reads mailboxes and the log with `docker exec`.
"""

import docker
import pytest

from lab import waiting
from support import RunningImage, auth_plain, internal_network, message, started, token

pytestmark = pytest.mark.docker

FQDN = "sendmail.lab.example"
USERS = "alice:wonderland bob:builder"
CLIENT = "tester.isp.example"  # the test process's name, as the lab DNS would give it
DELIVERED_WITHIN = 20  # seconds; procmail sleeps 8 s when a mailbox is locked


class Server(RunningImage):
    """The running sendmail container; local mail goes to mboxes in /var/mail."""

    client_name = CLIENT
    log_within = DELIVERED_WITHIN

    def delivered(self, user, tok):
        """The message carrying tok in /var/mail/<user> (mbox), waited for."""
        def find():
            messages = ("\n" + self.read(f"/var/mail/{user}")).split("\nFrom ")
            return next((m for m in messages if tok in m), None)
        return waiting.until(find, DELIVERED_WITHIN, what=f"{tok} in /var/mail/{user}", last=self.log_tail)


@pytest.fixture(scope="module")
def server():
    with internal_network() as network:
        gateway = docker.from_env().networks.get(network.id).attrs["IPAM"]["Config"][0]["Gateway"]
        # LAB_DNS=127.0.0.1 (support.started) answers nothing, so the test process's PTR
        # comes from /etc/hosts instead: Sendmail defers relaying (450) for a client whose
        # PTR lookup failed.
        with started("sendmail", network, hostname="sendmail", domainname="lab.example",
                     env={"LAB_USERS": USERS}, kind=Server,
                     extra_hosts={CLIENT: gateway}) as srv:
            srv.wait_healthy()
            yield srv


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
    assert server.owner("/var/mail/alice") == "alice"


def test_unauthenticated_mail_to_a_local_user_is_delivered_too(server):
    tok = token()
    assert server.send(f"bob@{FQDN}", tok, sender=f"{tok}@isp.example") == {}
    mail = server.delivered("bob", tok)
    assert "authenticated" not in mail
    assert " with ESMTP id " in mail


def test_unauthenticated_relay_is_refused_at_rcpt(server):
    tok = token()
    code, text = server.rcpt("someone@remote.example", sender=f"{tok}@isp.example")
    assert code == 550
    assert text == b"5.7.1 <someone@remote.example>... Relaying denied. Proper authentication required."
    line = server.log_line("ruleset=check_rcpt, arg1=<someone@remote.example>",
                           f"relay={CLIENT} [", "reject=550 5.7.1")
    assert "Relaying denied" in line


def test_mail_log_has_the_sendmail_lines(server):
    tok = token()
    sender, recipient = f"{tok}@isp.example", f"bob@{FQDN}"
    server.send(recipient, tok, sender=sender, login=("alice", "wonderland"))
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
        server.sh('printf %s "$1" > /etc/mail/variant.m4', variant)
        code, out = server.sh("sendmail-rebuild --restart")
        assert code == 0, out
        assert b"lab variant" in server.banner()[1]
    finally:
        code, out = server.sh("rm -f /etc/mail/variant.m4 && sendmail-rebuild --restart")
        assert code == 0, out
    server.log_line("]: restarting /usr/sbin/sendmail-mta due to signal")
    assert b"lab variant" not in server.banner()[1]


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
