"""Real mail through the real lab: from a client, through the servers, to a mailbox."""

import uuid

import pytest

from lab import waiting
from lab.runtime import hostexec
from lab.verify import variant as verify


@pytest.fixture(scope="module", autouse=True)
def baseline(running_lab, lab_settings):
    """These tests are about the lab's plumbing, not a restriction: Debian's defaults."""
    verify.apply_variant("baseline", lab_settings)


def token():
    return uuid.uuid4().hex[:16]


def test_mail_for_a_local_user_via_the_relay_reaches_the_maildir(running_lab, lab_settings):
    tok = token()
    t = hostexec.probe(lab_settings, "outside", server="relay.lab.example", recipient="alice@postfix.lab.example",
                       sender="someone@isp.example", token=tok)
    assert t["accepted"], t["steps"]
    where = wait_for_token(lab_settings, "postfix", tok, ["/home/alice/Maildir/new"])
    assert where and where.startswith("/home/alice/Maildir/new/")


def test_authenticated_mail_from_outside_arrives_at_the_remote_server(running_lab, lab_settings):
    tok, alice = token(), running_lab.topology.user("alice")
    t = hostexec.probe(lab_settings, "outside", server="postfix.lab.example", recipient="carol@remote.example",
                       user=alice.name, password=alice.password, token=tok)
    assert [s["code"] for s in t["steps"] if s["stage"] == "auth"] == [235]
    assert t["accepted"], t["steps"]
    assert wait_for_token(lab_settings, "remote", tok, ["/var/mail/sink/Maildir"])


def test_the_probe_source_address_is_the_clients_own(running_lab, lab_settings):
    """No NAT or proxy between client and server: Postfix logs the container's own address."""
    tok = token()
    inside = running_lab.topology.hosts["inside"]
    mark = hostexec.log_mark(lab_settings, "postfix")  # only this test's lines count
    hostexec.probe(lab_settings, "inside", server="postfix.lab.example", recipient="bob@postfix.lab.example", token=tok)
    assert wait_for_token(lab_settings, "postfix", tok, ["/home/bob/Maildir/new"])
    lines = hostexec.log_since(lab_settings, "postfix", mark)
    assert any(f"connect from inside.lab.example[{inside.address}]" in line for line in lines), \
        "postfix did not log this test's session from the inside host under its own name and address"


def wait_for_token(settings, host: str, token: str, paths: list[str], timeout: float = 30.0) -> str:
    """The file under paths the token shows up in, waited for."""
    return waiting.until(lambda: hostexec.find_token(settings, host, token, paths), timeout,
                         what=f"{token} in {' '.join(paths)} on {host}")
