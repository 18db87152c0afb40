"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1) that keeps every mail it accepts.

It can be taken down and brought back on the same port (a mail server outage), and told to refuse
recipients, for good (550) or for now (451).
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from engine.mail import SmtpMailer, SmtpSettings

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
        with self.mailbox.lock:
            self.mailbox.received.append((tuple(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self) -> None:
        self.received: list[tuple[tuple[str, ...], EmailMessage]] = []
        self.refusals: dict[str, str] = {}
        self.lock = threading.Lock()
        self.port = _free_port()
        self._controller: Controller | None = None

    # --- the server -----------------------------------------------------------------------------------

    def up(self) -> Mailbox:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

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
