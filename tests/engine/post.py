"""The delivery side of a journey: the people the engine's recipients stand for, a real mailbox,
and delivery workers run explicitly (nothing runs in the background, nothing sleeps)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.directory import Person, StaticDirectory
from engine.notifications.delivery import DeliveryWorker
from engine.settings import DeliverySettings
from engine.views import Delivery, DeliveryRun
from tests.engine.journey import Journey
from tests.mailbox import Mailbox

BASE_URL = "https://samverkan.test"


class PostOffice:
    def __init__(self, journey: Journey, mailbox: Mailbox, people: list[Person], *,
                 smtp: Mapping[str, Any] | None = None, **settings: Any) -> None:
        self.journey = journey
        self.mailbox = mailbox
        self.directory = StaticDirectory(people)
        self.smtp = dict(smtp or {})  # SmtpSettings that differ from the mailbox's plain defaults
        self.settings = DeliverySettings(**{"base_url": BASE_URL, "digest_hour": None, **settings})

    def worker(self, owner: str = "worker-1") -> DeliveryWorker:
        return DeliveryWorker(self.journey.db, self.journey.clock, self.directory, self.mailbox.mailer(**self.smtp),
                              self.settings, owner=owner)

    def deliver(self, owner: str = "worker-1") -> DeliveryRun:
        """One delivery run, as a worker's tick does it."""
        return self.worker(owner).run()

    def mails(self, status: str | None = None) -> list[Delivery]:
        return self.journey.engine.operations.deliveries(status=status, limit=1000)


def person(username: str, *roles: str, teams: tuple[str, ...] = (), email: bool = True) -> Person:
    return Person(username, username.replace(".", " ").title(), f"{username}@samverkan.test" if email else None,
                  roles=roles, teams=teams)
