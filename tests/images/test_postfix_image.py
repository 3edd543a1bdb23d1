"""The postfix image on its own: Postfix + Cyrus SASL + Dovecot POP3, baseline config
(what it offers a client alike with Sendmail: test_mail_servers.py).

One container on an internal testcontainers network; the test process speaks SMTP and
POP3 to the container's address on that network and reads its logs with `docker exec`.
"""

import poplib
import re
import socket

import pytest

from lab import waiting
from support import token

pytestmark = pytest.mark.docker

FQDN = "postfix.lab.example"


@pytest.fixture(scope="module")
def server(postfix_alone):
    return postfix_alone


def test_unauthenticated_mail_to_a_local_user_is_delivered_to_maildir(server):
    tok = token()
    recipient = f"alice@{FQDN}"
    assert server.send(recipient, tok) == {}
    path = server.file_with(tok, "/home/alice/Maildir/new")
    assert server.owner(path) == "alice"
    server.log_line(f"to=<{recipient}>", "relay=local", "status=sent (delivered to maildir)")


def test_unauthenticated_relay_is_deferred_at_rcpt(server):
    tok = token()
    code, text = server.rcpt("someone@remote.example", sender=f"{tok}@tester.example")
    # Debian's smtpd_relay_restrictions ends in defer_unauth_destination: 454, not 554.
    assert code == 454
    assert b"Relay access denied" in text
    line = server.log_line("NOQUEUE: reject: RCPT from", f"from=<{tok}@tester.example>")
    assert "454 4.7.1 <someone@remote.example>: Relay access denied" in line


def test_mail_log_names_the_permitting_rule(server):
    tok = token()
    server.send(f"bob@{FQDN}", tok, login=("alice", "wonderland"))
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


def refused_pop3_login(server, user, password):
    """A POP3 login that must fail at PASS."""
    pop = poplib.POP3(server.ip, 110, timeout=10)
    try:
        pop.user(user)
        with pytest.raises(poplib.error_proto):
            pop.pass_(password)
    finally:
        pop.close()


def test_pop3_login_with_a_wrong_password_fails(server):
    refused_pop3_login(server, "bob", "not-builder")


def test_a_failed_pop3_login_leaves_no_penalty_on_the_address(server):
    """Dovecot's anvil would slow every later login from an address that failed once (2 s,
    then 4, up to 15): the lab's bad-password probe would delay the next variant's login."""
    refused_pop3_login(server, "alice", "not-wonderland")
    server.log_line("auth failed", path="/var/log/dovecot.log")
    code, listed = server.exec("doveadm", "penalty")
    assert code == 0 and listed.split()[:4] == ["IP", "penalty", "last_penalty", "last_update"], listed
    assert len(listed.strip().splitlines()) == 1, listed  # the header, no address


def test_reload_is_logged(server):
    # The master's pid is 1 here; under `init: true` (compose) it is not.
    reload_line = re.compile(r"postfix/master\[\d+\]: reload -- version 3\.\d+\.\d+, "
                             r"configuration /etc/postfix$", re.M)
    before = len(reload_line.findall(server.log()))
    assert server.sh("postfix reload")[0] == 0
    waiting.until(lambda: len(reload_line.findall(server.log())) > before, server.log_within, what="the reload line",
                  last=server.log_tail)


def test_baseline_copy_matches_the_running_config(server):
    for name in ("main.cf", "master.cf", "access"):
        code, out = server.sh(f"cmp /etc/postfix/{name} /etc/postfix/baseline/{name}")
        assert code == 0, out
    assert server.sh("postconf -h myhostname")[1].strip() == FQDN
    assert server.read("/etc/mailname").strip() == FQDN
    assert server.read("/etc/resolv.conf") == "nameserver 127.0.0.1\nsearch lab.example\n"
    chroot = server.sh("postconf -F '*/*/chroot'")[1].splitlines()
    assert chroot and all(line.endswith("= n") for line in chroot)


def client_address(server):
    """This test process's address as the server sees it."""
    with socket.create_connection((server.ip, 110), timeout=5) as conn:
        return conn.getsockname()[0]


def pid_of(server, daemon):
    return server.sh(f"pidof -sx {daemon}")[1].strip()


@pytest.mark.parametrize("daemon", ["dracd", "dovecot", "rpcbind"])
def test_a_killed_daemon_comes_back_and_pop_before_smtp_works_again(server, daemon):
    """rpcbind, dracd and Dovecot run under runit: one killed is started again, the restart
    is said in the mail log and the container's output; after rpcbind's restart dracd is
    registered again (rpcbind forgets every registration)."""
    before = pid_of(server, daemon)
    assert before, f"{daemon} is not running"
    assert server.sh(f"kill -9 {before}")[0] == 0
    ended = f"supervise: {daemon} ended (killed by signal 9); runit starts it again"
    server.log_line(ended)
    assert ended in server.output()
    waiting.until(lambda: pid_of(server, daemon) not in ("", before), 10, what=f"a new {daemon}")
    waiting.until(lambda: server.sh("sv check rpcbind dracd dovecot")[0] == 0, 15, what="every service to answer again",
                  last=lambda: server.sh("sv status /etc/lab/service/*")[1])
    registered = {tuple(line.split()[:3]) for line in server.sh("rpcinfo -p")[1].splitlines()}
    assert {("900101", "1", "udp"), ("900101", "1", "tcp")} <= registered
    assert server.healthcheck() == (0, "")

    server.sh("dracd --clear")
    address = client_address(server)
    pop = poplib.POP3(server.ip, 110, timeout=10)
    try:
        pop.user("alice")
        assert pop.pass_("wonderland").startswith(b"+OK")
    finally:
        pop.quit()
    entry = server.sh(f"postmap -q {address} btree:/var/lib/drac/dracd")[1].strip()
    assert entry.isdigit(), f"no drac entry for {address} after a POP3 login"
