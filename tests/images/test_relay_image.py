"""The relay image: relay.lab.example, the trusted MX that forwards the lab domains.

On one internal testcontainers network: the relay and two containers of the remote image
told to accept the lab domains (REMOTE_DOMAINS), standing in for servers under test. With
no lab DNS here the relay is routed to them by address: `postfix.lab.example=[<ip>]`.
The test process speaks SMTP to the relay and finds each message's token in a sink.
"""

from contextlib import ExitStack

import pytest

from lab import waiting
from support import Sink, internal_network, started, token

pytestmark = pytest.mark.docker

LAB_DOMAINS = ("postfix.lab.example", "sendmail.lab.example")


@pytest.fixture(scope="module")
def lab():
    """Two stand-in servers (a, b) and the relay, first routed to a."""
    sink_env = {"REMOTE_DOMAINS": " ".join(LAB_DOMAINS)}
    with internal_network() as network, ExitStack() as stack:
        def start(image, hostname, **kwargs):
            return stack.enter_context(started(image, network, hostname=hostname,
                                               domainname="lab.example", **kwargs))
        a = start("remote", "postfix", name="relay-sink-a", env=sink_env, kind=Sink)
        b = start("remote", "sendmail", name="relay-sink-b", env=sink_env, kind=Sink)
        routes = " ".join(f"{domain}=[{a.ip}]" for domain in LAB_DOMAINS)
        relay = start("relay", "relay", env={"RELAY_ROUTES": routes})
        for host in (a, b, relay):
            host.wait_healthy()
        yield relay, a, b


def arrives(target, tok, relay):
    """Wait until tok is in target's sink; return the stored message."""
    return target.arrived(tok, details=relay.log_tail)


def route(relay, *pairs):
    code, out = relay.exec("relay-routes", *pairs)
    assert code == 0, out
    return out


def test_relay_becomes_healthy(lab):
    relay, _, _ = lab
    assert relay.health() == "healthy"


def test_relay_routes_from_env(lab):
    relay, a, _ = lab
    assert relay.exec("postconf", "-h", "relay_domains")[1].strip() == ", ".join(LAB_DOMAINS)
    for domain in LAB_DOMAINS:
        found = relay.exec("postmap", "-q", domain, "hash:/etc/postfix/transport")[1].strip()
        assert found == f"smtp:[{a.ip}]:25"


@pytest.mark.parametrize("recipient", [f"alice@{d}" for d in LAB_DOMAINS])
def test_mail_for_a_lab_domain_reaches_the_routed_server(lab, recipient):
    relay, a, b = lab
    tok = token()
    assert relay.send(recipient, tok) == {}
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
    assert relay.send(recipient, first) == {}
    arrives(b, first, relay)

    route(relay, f"postfix.lab.example=[{a.ip}]")
    second = token()
    assert relay.send(recipient, second) == {}
    arrives(a, second, relay)
    assert a.stored(first) == [] and b.stored(second) == []


def test_unnamed_lab_domains_keep_their_default_route(lab):
    relay, a, _ = lab
    try:
        route(relay, f"postfix.lab.example=[{a.ip}]", "test.example=203.0.113.1:2525")
        lookup = lambda d: relay.exec("postmap", "-q", d, "hash:/etc/postfix/transport")[1].strip()
        assert lookup("sendmail.lab.example") == "smtp:[sendmail.lab.example]:25"
        assert lookup("test.example") == "smtp:[203.0.113.1]:2525"
        assert "test.example" in relay.exec("postconf", "-h", "relay_domains")[1]
    finally:
        route(relay, *(f"{domain}=[{a.ip}]" for domain in LAB_DOMAINS))


def test_a_malformed_route_is_refused_and_changes_nothing(lab):
    relay, _, _ = lab
    before = relay.exec("cat", "/etc/postfix/transport")[1]
    code, out = relay.exec("relay-routes", "postfix.lab.example")
    assert code == 2
    assert "bad route 'postfix.lab.example' (want domain=host)" in out
    assert relay.exec("cat", "/etc/postfix/transport")[1] == before


def test_relaying_for_another_domain_is_refused_at_rcpt(lab):
    relay, _, _ = lab
    code, text = relay.rcpt("victim@remote.example")
    assert (code, text) == (554, b"5.7.1 <victim@remote.example>: Relay access denied")


@pytest.mark.parametrize("local_part, code", [("postmaster", 250), ("root", 550), ("alice", 550)])
def test_only_postmaster_is_local(lab, local_part, code):
    relay, _, _ = lab
    assert relay.rcpt(f"{local_part}@relay.lab.example")[0] == code


def test_a_broken_smtpd_under_a_living_master_fails_the_healthcheck_until_fixed(lab):
    """No working relay restriction left: every smtpd the master starts dies at once and
    master throttles smtpd. Port 25 still takes connections but never greets; the image's
    check asks the live service each time, so it fails now and passes once fixed."""
    relay, _, _ = lab
    fixed = [f"{name} = {relay.exec('postconf', '-h', name)[1].strip()}"
             for name in ("smtpd_relay_restrictions", "smtpd_recipient_restrictions")]

    def reload(*settings):  # main.cf dated back: Postfix would wait ~2 s for it to settle
        code, out = relay.sh('postconf -e "$@" && touch -d "@$(($(date +%s) - 2))" '
                             '/etc/postfix/main.cf && postfix reload', *settings)
        assert code == 0, out

    def check_fails():
        code, out = relay.healthcheck()
        return out if code != 0 else None

    relay.sh("cp /etc/postfix/main.cf /tmp/main.cf.before")
    try:
        # master throttles a service whose start failed: 2 s instead of 60 keeps this short
        reload("service_throttle_time = 2s", "smtpd_relay_restrictions = reject_unauth_destinaton",
               "smtpd_recipient_restrictions =")
        said = waiting.until(check_fails, 20, what="the healthcheck to fail", last=relay.log_tail)
        assert "lab-greets: port 25: no greeting within 2 s" in said
        relay.log_line("postfix/smtpd[", "fatal: in parameter smtpd_relay_restrictions")

        reload(*fixed)
        waiting.until(lambda: relay.healthcheck()[0] == 0, 20, what="the healthcheck to pass again",
                      last=relay.log_tail)
        assert relay.health() == "healthy"
    finally:
        relay.sh("cp /tmp/main.cf.before /etc/postfix/main.cf && postfix reload")
        waiting.until(lambda: relay.healthcheck()[0] == 0, 70, what="the relay to greet again")
