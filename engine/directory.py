"""Who the engine's recipients are: the one thing the engine asks of the accounts it does not own.

The engine addresses people as it knows them — a user name, or a role within an intervention
(``("group", "teamledare")`` of process ``samverkansteamet``). Whoever runs the delivery worker
supplies a :class:`Directory` that turns those into people with e-mail addresses; the web app's
accounts are one (``web/accounts/directory.py``), :class:`StaticDirectory` another (tests, scripts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Recipient:
    """A person a notification reaches. Without an e-mail address they see it in the app only."""

    username: str
    display_name: str
    email: str | None


@dataclass(frozen=True)
class Person(Recipient):
    """A person with their roles and the interventions (process keys) they work in: what a daily
    digest of their work is made from."""

    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()


class Directory(Protocol):
    def addresses(self, recipient_kind: str, recipient: str, process_key: str | None) -> list[Recipient]:
        """The active people a recipient stands for: ``("user", name)`` is that user (wherever they
        work); ``("group", role)`` is everyone with that role in the intervention ``process_key``."""
        ...

    def people(self) -> list[Person]:
        """Every active person, for the daily digests."""
        ...


class StaticDirectory:
    """A directory from a fixed list of people."""

    def __init__(self, people: Iterable[Person]) -> None:
        self._people = list(people)

    def addresses(self, recipient_kind: str, recipient: str, process_key: str | None) -> list[Recipient]:
        return members(self._people, recipient_kind, recipient, process_key)

    def people(self) -> list[Person]:
        return list(self._people)


def members(people: Iterable[Person], recipient_kind: str, recipient: str, process_key: str | None,
            ) -> list[Recipient]:
    """The people a recipient stands for, by the rule :meth:`Directory.addresses` describes."""
    if recipient_kind == "user":
        found = [p for p in people if p.username == recipient]
    elif recipient_kind == "group":
        found = [p for p in people if recipient in p.roles and process_key in p.teams]
    else:
        found = []
    return [Recipient(p.username, p.display_name, p.email) for p in sorted(found, key=lambda p: p.username)]
