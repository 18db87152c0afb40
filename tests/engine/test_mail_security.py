"""Mail leaves encrypted and logged in, as the settings say, or not at all.

A municipality's relay wants STARTTLS on 587 or TLS from the first byte on 465, a login, and often
presents a certificate of its own CA. The reminder of the two-week referral reply goes through a
real SMTP server speaking each of these (aiosmtpd with a certificate from a test CA): it arrives
encrypted and with the login; a refused login, an untrusted certificate or a server that does not
offer STARTTLS leaves the mail waiting with an error that says so — nothing goes out unencrypted.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.engine.journey import Journey
from tests.engine.post import PostOffice, person
from tests.mailbox import Mailbox

# aiosmtpd cannot tell TLS from the first byte, so the relay speaking it is set not to require TLS
# for logins (it is there all the same: the test checks that the mail came encrypted).
pytestmark = [pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
              pytest.mark.parametrize("journey", ["straight"], indirect=True)]

LENA = "lena.teamledare@samverkan.test"
LOGIN = {"samverkan": "rätt lösenord", "relay": "plain-ascii-password"}


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA(organization_name="Kommunens interna CA")


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "kommun-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


def server_tls(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(autouse=True)
def reminded(journey, referral) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P12D")  # the reminder to the team leader is written


@pytest.fixture
def relay(request: pytest.FixtureRequest, authority: trustme.CA) -> Iterator[Mailbox]:
    """The relay, speaking what the test names: ``starttls`` (the default) or ``ssl``."""
    security = getattr(request, "param", "starttls")
    box = Mailbox(tls=server_tls(authority), implicit_tls=security == "ssl", logins=LOGIN).up()
    box.security = security  # type: ignore[attr-defined]
    yield box
    box.down()


def post_office(journey: Journey, box: Mailbox, **smtp: Any) -> PostOffice:
    """Delivery to the team leader, with SMTP settings as given (STARTTLS unless they say otherwise)."""
    return PostOffice(journey, box, [person("lena.teamledare", "teamledare", teams=("referral_reply",))],
                      smtp={"security": "starttls", **smtp})


@pytest.mark.parametrize("relay", ["starttls", "ssl"], indirect=True)
def test_the_reminder_goes_encrypted_and_logged_in(journey, relay, ca_file) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, relay, security=relay.security, ca_file=ca_file,
                       username="samverkan", password=LOGIN["samverkan"])
    run = post.deliver()
    assert run.sent == 1
    assert relay.subjects(LENA) == ["Påminnelse: Bedömning ska vara klar 2026-01-26 00:00"]
    assert relay.sessions == [(True, "samverkan")]


def test_a_password_in_plain_ascii_logs_in_by_the_servers_own_choice_of_method(journey, relay, ca_file) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, relay, ca_file=ca_file, username="relay", password=LOGIN["relay"])
    assert post.deliver().sent == 1
    assert relay.sessions == [(True, "relay")]


def test_a_refused_login_keeps_the_mail_waiting_with_the_reason_until_the_password_is_right(  # type: ignore[no-untyped-def]
        journey, relay, ca_file) -> None:
    wrong = post_office(journey, relay, ca_file=ca_file, username="samverkan", password="gammalt lösenord")
    run = wrong.deliver()
    assert (run.sent, relay.messages) == (0, [])
    [waiting] = wrong.mails("pending")
    assert "refused the login of samverkan: 535" in (waiting.last_error or "")
    assert "gammalt" not in (waiting.last_error or "")

    journey.clock.advance(timedelta(minutes=2))  # past the first retry's backoff
    right = post_office(journey, relay, ca_file=ca_file, username="samverkan", password=LOGIN["samverkan"])
    assert right.deliver().sent == 1
    assert relay.sessions == [(True, "samverkan")]


def test_a_certificate_of_an_authority_nobody_named_is_not_trusted(journey, relay) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, relay, username="samverkan", password=LOGIN["samverkan"])  # no ca_file
    assert post.deliver().sent == 0
    [waiting] = post.mails("pending")
    assert "CERTIFICATE_VERIFY_FAILED" in (waiting.last_error or "")
    assert relay.messages == []


def test_a_server_that_does_not_offer_starttls_gets_nothing(journey, mailbox) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox, username="samverkan", password=LOGIN["samverkan"])
    assert post.deliver().sent == 0
    [waiting] = post.mails("pending")
    assert "does not offer STARTTLS; nothing is sent unencrypted" in (waiting.last_error or "")
    assert mailbox.messages == []
