"""Mail: composing a delivery as a message, and handing it to an SMTP server.

The conversation is split where the delivery worker needs to record progress: the envelope
(``MAIL FROM``/``RCPT TO``, whose refusal means nothing was sent) and the message itself (``DATA``,
the one step after which the server may have taken the mail even if its answer never arrives).
Every message carries a Message-ID made from the delivery's id, so a mail sent twice is the same
mail twice, recognisable by any mail client or server.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any, Protocol

from engine.notifications import ics
from engine.settings import SmtpSettings


class MailError(Exception):
    """A mail that did not go. ``permanent``: the server refused it for good (5xx), retrying will
    not help. ``uncertain``: the server may have taken it (the answer to DATA was lost).
    ``connection_lost``: nothing more can be sent on this connection."""

    def __init__(self, message: str, *, permanent: bool = False, uncertain: bool = False,
                 connection_lost: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.uncertain = uncertain
        self.connection_lost = connection_lost


class Connection(Protocol):
    def envelope(self, sender: str, recipient: str) -> None: ...
    def data(self, message: bytes) -> None: ...
    def reset(self) -> None: ...


class Mailer(Protocol):
    settings: SmtpSettings

    def connect(self) -> Any:
        """A context manager giving a :class:`Connection`; raises MailError if the server is unreachable."""
        ...


class SmtpConnection:
    def __init__(self, smtp: smtplib.SMTP) -> None:
        self.smtp = smtp

    def envelope(self, sender: str, recipient: str) -> None:
        try:
            code, reply = self.smtp.mail(sender)
            if code != 250:  # the sender, not this mail: a setting to fix, so it is retried
                raise MailError(_refused("MAIL FROM", code, reply).message)
            code, reply = self.smtp.rcpt(recipient)
            if code not in (250, 251):
                raise _refused("RCPT TO", code, reply)
        except smtplib.SMTPServerDisconnected as err:
            raise MailError(f"the SMTP server closed the connection: {err}", connection_lost=True) from err
        except (OSError, smtplib.SMTPException) as err:
            raise MailError(f"{type(err).__name__}: {err}", connection_lost=True) from err

    def data(self, message: bytes) -> None:
        try:
            code, reply = self.smtp.data(message)
        except smtplib.SMTPDataError as err:
            raise _refused("DATA", err.smtp_code, err.smtp_error) from err
        except smtplib.SMTPServerDisconnected as err:
            raise MailError(f"the connection was lost during DATA, the server may have taken the mail: {err}",
                            uncertain=True, connection_lost=True) from err
        except (OSError, smtplib.SMTPException) as err:
            raise MailError(f"{type(err).__name__} during DATA, the server may have taken the mail: {err}",
                            uncertain=True, connection_lost=True) from err
        if code != 250:
            raise _refused("DATA", code, reply)

    def reset(self) -> None:
        with contextlib.suppress(OSError, smtplib.SMTPException):  # the next command reports a dead connection
            self.smtp.rset()


def _refused(step: str, code: int, reply: bytes | str) -> MailError:
    return MailError(f"{step} refused: {code} {_text(reply)}".strip(), permanent=500 <= code < 600)


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @contextmanager
    def connect(self) -> Iterator[SmtpConnection]:
        """A connection on which mail may be sent: encrypted as the settings say (a server that does
        not offer STARTTLS, or whose certificate is not trusted, gets nothing), and logged in."""
        s = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.ehlo()
                    if not smtp.has_extn("starttls"):
                        raise MailError(f"the SMTP server {s.host}:{s.port} does not offer STARTTLS; "
                                        "nothing is sent unencrypted", connection_lost=True)
                    smtp.starttls(context=self._tls())
            smtp.ehlo_or_helo_if_needed()
            if s.username:
                _login(smtp, s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as err:
            _close(smtp)
            raise MailError(f"the SMTP server {s.host}:{s.port} refused the login of {s.username}: "
                            f"{err.smtp_code} {_text(err.smtp_error)}", connection_lost=True) from err
        except MailError:
            _close(smtp)
            raise
        except (OSError, smtplib.SMTPException) as err:
            _close(smtp)
            raise MailError(f"cannot reach the SMTP server {s.host}:{s.port}: {type(err).__name__}: {err}",
                            connection_lost=True) from err
        try:
            yield SmtpConnection(smtp)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _tls(self) -> ssl.SSLContext:
        """The system's trusted certificates (and ``ca_file``'s), the host name checked."""
        return ssl.create_default_context(cafile=self.settings.ca_file)


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in. smtplib sends credentials as ASCII only, so a password with å, ä or ö goes as
    ``AUTH PLAIN`` in UTF-8 (RFC 4616), the one method that carries it."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise MailError("the SMTP server offers no login method that carries a user name or password with "
                        "characters outside ASCII (å, ä, ö …); it would need AUTH PLAIN", connection_lost=True)
    token = base64.b64encode(b"\0" + username.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# --- the message ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """What a delivery row says, as composing needs it."""

    id: str
    address: str
    display_name: str
    subject: str
    body: str
    created_at: datetime
    case_id: str | None = None
    calendar: dict[str, Any] | None = None


def message_id(delivery_id: str, domain: str) -> str:
    """The Message-ID of a delivery: the same on every attempt, so duplicates are recognisable."""
    return f"<{delivery_id}@{domain}>"


def compose(mail: Outgoing, settings: SmtpSettings, *, base_url: str | None, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = message_id(mail.id, settings.domain)
    message["Date"] = format_datetime(now)
    message["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    message["To"] = Address(mail.display_name, addr_spec=mail.address)
    message["Subject"] = mail.subject
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to the robot
    message["X-Samverkan-Delivery"] = mail.id
    body = mail.body.rstrip() + "\n"
    if base_url:
        link = f"{base_url.rstrip('/')}/cases/{mail.case_id}" if mail.case_id else base_url.rstrip("/") + "/"
        body += f"\n{link}\n"
    body += "\nDetta meddelande skickades automatiskt av Samverkan; svara inte på det.\n"
    message.set_content(body, charset="utf-8")
    if mail.calendar:
        invitation = ics.invitation(
            mail.calendar, organizer=(settings.from_name, settings.from_address),
            attendee=(mail.display_name, mail.address), stamp=mail.created_at,
        )
        message.add_attachment(invitation.encode("utf-8"), maintype="text", subtype="calendar",
                               filename="inbjudan.ics",
                               params={"method": ics.method(mail.calendar), "charset": "utf-8"})
    return message
