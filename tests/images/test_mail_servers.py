"""What both mail servers under test offer a client alike, each image alone on its own
internal network: a healthy container, a banner naming the host, AUTH PLAIN and LOGIN
without STARTTLS, and AUTH PLAIN taking the right password only (Cyrus SASL behind both).
What differs (Maildir or mbox, Debian's relay defaults, procmail) is in each image's module.
"""

import pytest

from support import alone, auth_plain

pytestmark = pytest.mark.docker

USERS = "alice:wonderland bob:builder"
# image -> the start of its banner after the host's name
BANNERS = {"postfix": "ESMTP Postfix", "sendmail": "ESMTP Sendmail 8."}


@pytest.fixture(scope="module", params=BANNERS)
def image(request):
    return request.param


@pytest.fixture(scope="module")
def server(image):
    with alone(image, hostname=image, domainname="lab.example", env={"LAB_USERS": USERS}) as srv:
        yield srv


def test_container_becomes_healthy(server):
    assert server.health() == "healthy"


def test_banner_names_the_host(server, image):
    code, banner = server.banner()
    assert code == 220
    assert banner.decode().startswith(f"{image}.lab.example {BANNERS[image]}")


def test_ehlo_offers_auth_plain_and_login_without_tls(server):
    with server.smtp() as smtp:
        smtp.ehlo()
        assert "starttls" not in smtp.esmtp_features
        assert smtp.esmtp_features["auth"].split() == ["PLAIN", "LOGIN"]


@pytest.mark.parametrize("password, code", [("wonderland", 235), ("not-wonderland", 535)])
def test_auth_plain_takes_the_right_password_only(server, password, code):
    with server.smtp() as smtp:
        smtp.ehlo()
        assert auth_plain(smtp, "alice", password)[0] == code
