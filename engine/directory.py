"""Who the engine's recipients are: the one thing the engine asks of the accounts it does not own.

The engine addresses people as it knows them — a user name, or a role within an intervention
(``("group", "teamledare")`` of process ``samverkansteamet``). Whoever runs the delivery worker
supplies a :class:`Directory` that turns those into people with e-mail addresses; the web app's
accounts are one (``web/accounts/directory.py``), :class:`StaticDirectory` another (tests, scripts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: Where a person may be offered work: the roles (candidate groups) they hold in these
#: interventions (process keys; None: in every one). A person's scopes are an OR of such pairs.
Scope = tuple[tuple[str, ...], tuple[str, ...] | None]


def interventions(teams: Iterable[str], intervention_roles: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The interventions one works in: ``teams``, and every intervention one holds a role in only there."""
    found = list(dict.fromkeys(teams))
    return (*found, *(key for key, held in intervention_roles.items() if held and key not in found))


def roles_in(roles: Iterable[str], intervention_roles: Mapping[str, Sequence[str]], teams: Iterable[str],
             process_key: str | None) -> frozenset[str]:
    """The one rule of who holds which role where: in an intervention one works in, the roles held in
    every one of one's interventions (``roles``) and those held in that one only
    (``intervention_roles``); in any other, none."""
    if process_key is None or process_key not in interventions(teams, intervention_roles):
        return frozenset()
    return frozenset(roles) | frozenset(intervention_roles.get(process_key, ()))


def role_scopes(keys: Iterable[str], held_in: Callable[[str], frozenset[str]]) -> tuple[Scope, ...]:
    """The (roles, interventions) pairs of someone who holds ``held_in(key)`` in each intervention of
    ``keys``: interventions with the same roles share a pair, so an ordinary user (the same roles
    everywhere) has one, and a query asks as many questions as there are different role sets."""
    grouped: dict[tuple[str, ...], list[str]] = {}
    for key in dict.fromkeys(keys):
        held = tuple(sorted(held_in(key)))
        if held:
            grouped.setdefault(held, []).append(key)
    return tuple((held, tuple(found)) for held, found in grouped.items())


@dataclass(frozen=True)
class Recipient:
    """A person a notification reaches. Without an e-mail address they see it in the app only."""

    username: str
    display_name: str
    email: str | None


@dataclass(frozen=True)
class Person(Recipient):
    """A person with their roles and the interventions (process keys) they work in: what a daily
    digest of their work is made from. ``roles`` are held in every one of ``teams``;
    ``intervention_roles`` (process key → roles) only in that intervention, which counts as one of
    theirs."""

    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    intervention_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def works_in(self, process_key: str | None) -> bool:
        return process_key in interventions(self.teams, self.intervention_roles)

    def roles_in(self, process_key: str | None) -> frozenset[str]:
        """The roles the person holds in the intervention ``process_key`` (:func:`roles_in`)."""
        return roles_in(self.roles, self.intervention_roles, self.teams, process_key)

    def scopes(self) -> tuple[Scope, ...]:
        """Where the person may be offered work (:func:`role_scopes`)."""
        return role_scopes(interventions(self.teams, self.intervention_roles), self.roles_in)


class Directory(Protocol):
    def addresses(self, recipient_kind: str, recipient: str, process_key: str | None) -> list[Recipient]:
        """The active people a recipient stands for: ``("user", name)`` is that user (wherever they
        work); ``("group", role)`` is everyone who holds that role in the intervention ``process_key``
        (:meth:`Person.roles_in`: held in all their interventions, or in that one only)."""
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
        found = [p for p in people if recipient in p.roles_in(process_key)]
    else:
        found = []
    return [Recipient(p.username, p.display_name, p.email) for p in sorted(found, key=lambda p: p.username)]
