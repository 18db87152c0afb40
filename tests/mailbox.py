"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1) that keeps every mail it accepts.

It can be taken down and brought back on the same port (a mail server outage), and told to refuse
recipients, for good (550) or for now (451). Given a TLS context it speaks STARTTLS (or TLS from
the first byte, ``implicit_tls``), and given logins it lets nobody send without one; it records
for every mail whether it came encrypted and who had logged in.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections import Counter
from collections.abc import Mapping
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from engine.notifications.mail import SmtpMailer
from engine.settings import SmtpSettings

SENDER = "samverkan@samverkan.test"


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        answer = self.mailbox.refusals.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        with self.mailbox.lock:
            self.mailbox.received.append((tuple(envelope.rcpt_tos), message))  # type: ignore[arg-type]
            self.mailbox.sessions.append((encrypted, session.auth_data))
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self, *, tls: ssl.SSLContext | None = None, implicit_tls: bool = False,
                 logins: Mapping[str, str] | None = None) -> None:
        self.received: list[tuple[tuple[str, ...], EmailMessage]] = []
        #: For every mail received: whether it came encrypted, and the login used (None: none).
        self.sessions: list[tuple[bool, str | None]] = []
        self.refusals: dict[str, str] = {}
        self.lock = threading.Lock()
        self.port = _free_port()
        self.tls, self.implicit_tls, self.logins = tls, implicit_tls, dict(logins or {})
        self._controller: Controller | None = None

    # --- the server -----------------------------------------------------------------------------------

    def up(self) -> Mailbox:
        if self._controller is None:
            options: dict[str, Any] = {}
            if self.tls is not None:
                options["ssl_context" if self.implicit_tls else "tls_context"] = self.tls
            if self.logins:
                # aiosmtpd cannot tell TLS from the first byte: it would refuse to log in over it.
                options.update(authenticator=self._authenticate, auth_required=True,
                               auth_require_tls=not self.implicit_tls)
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)
            self._controller.start()
        return self

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if login in self.logins and self.logins[login] == password:
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str, answer: str = "550 5.1.1 No such user here") -> None:
        self.refusals[address] = answer

    def mailer(self, **overrides: Any) -> SmtpMailer:
        settings = {"host": "127.0.0.1", "port": self.port, "security": "none", "from_address": SENDER,
                    "from_name": "Samverkan", "timeout": 5.0, **overrides}
        return SmtpMailer(SmtpSettings(**settings))

    # --- what arrived -------------------------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [m for _, m in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.received if address in rcpt]

    def subjects(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in self.to(address)]

    def message_ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.messages)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def calendar_of(message: EmailMessage) -> str | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            content = part.get_content()
            return content.decode("utf-8") if isinstance(content, bytes) else str(content)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
