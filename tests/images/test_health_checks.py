"""Health checks ask the live service every time and stay out of the logs a student reads.

The mail servers on one internal network with a client host: each image's own HEALTHCHECK
command, run again and again, adds nothing to the mail log (or Dovecot's log) - what the
servers log about the checker's address, 127.0.0.2, goes to /var/log/health.log - while a
real session from the client still shows there, in lines the lab's parsers read.
"""

from contextlib import ExitStack

import pytest

from lab.maillogs import postfix as postfix_log
from lab.maillogs import sendmail as sendmail_log
from lab import waiting
from support import MAIL_LOG, internal_network, started

pytestmark = pytest.mark.docker

USERS = "alice:wonderland bob:builder"
DOVECOT_LOG = "/var/log/dovecot.log"
HEALTH_LOG = "/var/log/health.log"
CHECKS = 5
# image -> hostname, domainname, the logs a student reads, the parser the lab reads them with
SERVERS = {
    "postfix": ("postfix", "lab.example", (MAIL_LOG, DOVECOT_LOG), postfix_log),
    "relay": ("relay", "lab.example", (MAIL_LOG,), postfix_log),
    "remote": ("mx", "remote.example", (MAIL_LOG,), postfix_log),
    "sendmail": ("sendmail", "lab.example", (MAIL_LOG,), sendmail_log),
}
# run in the client: an SMTP session whose relay attempt every server refuses at RCPT
SMTP_SESSION = """
import smtplib, sys
with smtplib.SMTP(sys.argv[1], 25, local_hostname="outside.isp.example", timeout=10) as s:
    s.ehlo()
    s.mail("tester@outside.isp.example")
    print(s.rcpt("someone@elsewhere.example"))
"""
# run in the client: a POP3 login
POP3_LOGIN = """
import poplib, sys
pop = poplib.POP3(sys.argv[1], 110, timeout=10)
pop.user("alice")
pop.pass_("wonderland")
pop.quit()
"""


@pytest.fixture(scope="module")
def lab():
    """A client and the four mail servers, healthy, on one internal network."""
    with internal_network() as network, ExitStack() as stack:
        client = stack.enter_context(started("client", network, hostname="outside",
                                             domainname="isp.example"))
        servers = {image: stack.enter_context(started(image, network, hostname=host, domainname=domain,
                                                      env={"LAB_USERS": USERS}))
                   for image, (host, domain, _, _) in SERVERS.items()}
        for host in (client, *servers.values()):
            host.wait_healthy()
        yield client, servers


def sessions_with(text, path, server):
    return sum(text in line for line in server.log(path).splitlines())


@pytest.mark.parametrize("image", SERVERS)
def test_the_syslog_router_runs_a_valid_configuration(lab, image):
    _, servers = lab
    code, out = servers[image].sh("rsyslogd -N1 -f /etc/lab/rsyslog.conf 2>&1")
    assert code == 0 and "error" not in out.lower(), out
    started = servers[image].log("/var/log/syslog") + servers[image].log()  # sendmail: all in mail.log
    assert "rsyslogd: [origin software=" in started


@pytest.mark.parametrize("image", SERVERS)
def test_health_checks_leave_the_students_logs_alone(lab, image):
    _, servers = lab
    server = servers[image]
    logs = SERVERS[image][2]
    before = {path: server.log(path) for path in logs}
    checked = sessions_with("127.0.0.2", HEALTH_LOG, server)
    for _ in range(CHECKS):
        assert server.healthcheck() == (0, "")
    # each of our checks is in health.log (syslog writes a moment later)
    waiting.until(lambda: sessions_with("127.0.0.2", HEALTH_LOG, server) >= checked + CHECKS, 10,
                  what="the checks' sessions in health.log", last=lambda: server.log_tail(HEALTH_LOG))
    assert {path: server.log(path) for path in logs} == before


@pytest.mark.parametrize("image", SERVERS)
def test_a_real_session_still_shows_in_the_mail_log(lab, image):
    client, servers = lab
    server = servers[image]
    parser = SERVERS[image][3]
    code, out = client.exec("python3", "-c", SMTP_SESSION, server.ip)
    assert code == 0, out

    def logged():
        return [s for s in parser.sessions(server.log().splitlines()) if s.client_address == client.ip]
    [session] = waiting.until(logged, 10, what=f"a session from {client.ip} in the mail log", last=server.log_tail)
    assert all("127.0.0.2" not in line for line in server.log().splitlines())


def test_a_real_pop3_login_still_shows_in_dovecots_log(lab):
    client, servers = lab
    server = servers["postfix"]
    code, out = client.exec("python3", "-c", POP3_LOGIN, server.ip)
    assert code == 0, out
    line = server.log_line("pop3-login: Info: Login: user=<alice>", f"rip={client.ip},", path=DOVECOT_LOG)
    assert line.split()[3] == "pop3-login:"  # Dovecot's own format: "Nov 09 13:06:56 pop3-login: ..."
    assert "127.0.0.2" not in server.log(DOVECOT_LOG)


def test_a_restarted_server_comes_back_healthy_and_quiet(lab):
    """The lab restarts the Postfix host to clear master's throttle: the entrypoint and the
    supervised services must start again in a container that has run before."""
    _, servers = lab
    server = servers["postfix"]
    server.wrapped.stop(timeout=5)  # a restart, in two steps: what the stop writes (the daemons
    before = len(server.output())  # ending as the container goes down) is not the new start's
    server.wrapped.start()
    server.wait_healthy()
    assert server.sh("sv check /etc/lab/service/*")[0] == 0, server.sh("sv status /etc/lab/service/*")[1]
    assert server.log().count("daemon started -- version") == 2  # the same log, on and on
    said = server.output()[before:]  # what the new start wrote
    assert "supervise:" not in said and "Traceback" not in said, said  # nothing started again, nothing crashed
    assert "127.0.0.2" not in server.log() + server.log(DOVECOT_LOG)


@pytest.mark.parametrize("image", SERVERS)
def test_lab_greets_can_show_the_banner_quietly(lab, image):
    """What the lab can use to read a server's banner without a session in its mail log."""
    _, servers = lab
    server = servers[image]
    before = server.log()
    code, out = server.exec("lab-greets", "--print", "25", "[0-9]{3}")
    assert code == 0 and out.startswith("220 ") and out.count("\n") == 1, out
    assert server.log() == before
