"""lab-probe's POP3 login before its SMTP session (POP-before-SMTP), against tiny fake
POP3 and SMTP servers on 127.0.0.1: the login comes first, the SMTP session right after it,
and the transcript says how long after the login the server answered RCPT."""

import socketserver
import threading
import time

import pytest

from lab.incontainer import probe

EVENTS = []  # (what, when) as the fake servers saw it


class FakePop3(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"+OK fake POP3 ready\r\n")
        for raw in self.rfile:
            verb, _, arg = raw.decode().strip().partition(" ")
            if verb == "USER":
                self.wfile.write(b"+OK\r\n")
            elif verb == "PASS":
                ok = arg == "wonderland"
                EVENTS.append(("pass-ok" if ok else "pass-bad", time.time()))
                self.wfile.write(b"+OK Logged in.\r\n" if ok else b"-ERR [AUTH] Authentication failed.\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"+OK Logging out.\r\n")
                return


class FakeSmtp(socketserver.StreamRequestHandler):
    def handle(self):
        EVENTS.append(("smtp-connect", time.time()))
        self.wfile.write(b"220 fake ESMTP\r\n")
        for raw in self.rfile:
            line = raw.decode().strip().upper()
            if line.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 fake\r\n")
            elif line.startswith("MAIL"):
                self.wfile.write(b"250 2.1.0 Ok\r\n")
            elif line.startswith("RCPT"):
                self.wfile.write(b"554 5.7.1 Relay access denied\r\n")
            elif line.startswith("QUIT"):
                self.wfile.write(b"221 Bye\r\n")
                return
            else:
                self.wfile.write(b"502 no\r\n")


@pytest.fixture(scope="module")
def servers():
    started = []
    for handler in (FakePop3, FakeSmtp):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
    yield started[0].server_address[1], started[1].server_address[1]
    for server in started:
        server.shutdown()
        server.server_close()


def run_probe(pop_port, smtp_port, *more):
    EVENTS.clear()
    return probe.run(probe.parse(["--server", "127.0.0.1", "--port", str(smtp_port), "--pop-port", str(pop_port),
                                  "--to", "carol@remote.example", "--helo", "tester", *more]))


def test_the_login_comes_first_and_the_smtp_session_at_once(servers):
    out = run_probe(*servers, "--pop-user", "alice", "--pop-password", "wonderland")
    assert out["pop"]["ok"] is True and out["pop"]["reply"] == "+OK Logged in."
    assert [what for what, _ in EVENTS] == ["pass-ok", "smtp-connect"]
    assert (out["stage"], out["code"]) == ("rcpt", 554)
    assert 0 <= out["pop"]["rcpt_after"] < 2.0  # the grant's age at RCPT: what a busy machine would stretch


def test_a_wrong_password_is_recorded_and_the_session_still_runs(servers):
    out = run_probe(*servers, "--pop-user", "alice", "--pop-password", "wrong")
    assert out["pop"]["ok"] is False and "Authentication failed" in out["pop"]["reply"]
    assert [what for what, _ in EVENTS] == ["pass-bad", "smtp-connect"]
    assert out["stage"] == "rcpt"


def test_no_pop_user_no_login(servers):
    out = run_probe(*servers)
    assert "pop" not in out and [what for what, _ in EVENTS] == ["smtp-connect"]


def test_pop_only_needs_no_recipient(servers):
    args = probe.parse(["--server", "127.0.0.1", "--pop-port", str(servers[0]), "--pop-user", "alice",
                        "--pop-password", "wonderland", "--pop-only"])
    assert probe.pop_login(args)["ok"] is True
    with pytest.raises(SystemExit):
        probe.parse(["--server", "127.0.0.1"])  # a session without a recipient is refused
