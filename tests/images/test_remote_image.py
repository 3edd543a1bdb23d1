"""The remote image on its own: mx.remote.example, a catch-all sink for remote.example.

One container on an internal testcontainers network; the test process speaks SMTP to the
container's address and looks for each message's token in the sink Maildir.
"""

import pytest

from support import SINK_MAILDIR, Sink, alone, token

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def sink():
    with alone("remote", hostname="mx", domainname="remote.example", kind=Sink) as srv:
        yield srv


def test_container_becomes_healthy(sink):
    assert sink.health() == "healthy", sink.output()


def test_banner_names_the_host(sink):
    code, banner = sink.banner()
    assert (code, banner.decode()) == (220, "mx.remote.example ESMTP Postfix")


@pytest.mark.parametrize("local_part", ["anyone", "postmaster", "x-{tok}"])
def test_any_recipient_at_remote_example_lands_in_the_sink(sink, local_part):
    tok = token()
    recipient = f"{local_part.format(tok=tok)}@remote.example"
    assert sink.send(recipient, tok) == {}
    path = sink.file_with(tok, SINK_MAILDIR)
    assert path.startswith(f"{SINK_MAILDIR}/new/")
    assert sink.owner(path) == "sink"
    assert f"Delivered-To: {recipient}" in sink.read(path)


def test_mail_for_another_domain_is_refused_at_rcpt(sink):
    tok = token()
    code, text = sink.rcpt("victim@elsewhere.example", sender=f"{tok}@tester.example")
    assert (code, text) == (554, b"5.7.1 <victim@elsewhere.example>: Relay access denied")
    sink.log_line(f"from=<{tok}@tester.example> to=<victim@elsewhere.example>")
    assert sink.stored(tok) == []
