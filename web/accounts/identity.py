"""Who is acting: the view of a user that the authorization rules look at, shared by everything
that finds a user (by password, by API token, by page session)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.directory import Scope, interventions, role_scopes, roles_in
from web.accounts.models import UserRow

#: The roles that make nobody staff of an intervention: the referrer (another authority), the
#: designer, the log reviewer and the administrator. Every other role — the product's own team
#: roles and whatever the deployed journeys offer tasks to — is a staff role.
NOT_STAFF_ROLES = frozenset({"remittent", "processdesigner", "logggranskare", "admin"})
#: The roles held product-wide, never in one intervention only: those that make nobody staff. What
#: they allow is not about an intervention (administering, designing, reviewing the log, referring
#: to any intervention), so an intervention role of them would mean nothing, or too much.
GLOBAL_ROLES = NOT_STAFF_ROLES


def is_staff_role(role: str) -> bool:
    """Whether holding ``role`` makes one staff of one's interventions (see :data:`NOT_STAFF_ROLES`)."""
    return role not in NOT_STAFF_ROLES


@dataclass(frozen=True)
class User:
    """Who is acting: what the authorization rules look at. ``roles`` are held in every one of the
    user's interventions (``teams``); ``intervention_roles`` (process key → roles) only in that
    intervention, which is always one of ``teams``. :meth:`roles_in` is the one rule of what a user
    holds where."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    email: str | None = None
    intervention_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def roles_in(self, process_key: str | None) -> frozenset[str]:
        """The roles the user holds in the intervention ``process_key``: none unless they work in it."""
        return roles_in(self.roles, self.intervention_roles, self.teams, process_key)

    def staff_in(self, process_key: str | None) -> bool:
        """Whether the user is staff of the intervention: holds a staff role there."""
        return any(is_staff_role(role) for role in self.roles_in(process_key))

    @property
    def staff_of(self) -> tuple[str, ...]:
        """The interventions the user is staff of."""
        return tuple(key for key in self.teams if self.staff_in(key))

    @property
    def all_roles(self) -> frozenset[str]:
        """Every role the user holds anywhere."""
        return frozenset(self.roles).union(*self.intervention_roles.values())

    def scopes(self) -> tuple[Scope, ...]:
        """Where the user may be offered work by role: (roles, interventions) pairs, interventions
        with the same roles together (``engine.directory.role_scopes``)."""
        return role_scopes(self.teams, self.roles_in)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_referrer(self) -> bool:
        return "remittent" in self.roles

    @property
    def is_log_reviewer(self) -> bool:
        """Reviews the access log (``logggranskare``): not staff, reads no case."""
        return "logggranskare" in self.roles

    @property
    def is_staff(self) -> bool:
        """Whether the user holds a staff role anywhere (of which interventions: :attr:`staff_of`)."""
        return any(is_staff_role(role) for role in self.all_roles)


def held_per_intervention(row: UserRow | Any) -> dict[str, tuple[str, ...]]:
    """The row's roles held in one intervention only, by process key (without empty entries)."""
    return {key: tuple(held) for key, held in (row.intervention_roles or {}).items() if held}


def user_view(row: UserRow | Any) -> User:
    """The user of a ``users`` row: an ORM object or a plain row of its columns (as a request's
    sign-in check reads it)."""
    scoped = held_per_intervention(row)
    return User(row.id, row.username, row.display_name, tuple(row.roles), interventions(row.teams, scoped), row.email,
                scoped)
