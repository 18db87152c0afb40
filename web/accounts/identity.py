"""Who is acting: the view of a user that the authorization rules look at, shared by everything
that finds a user (by password, by API token, by page session)."""

from __future__ import annotations

from dataclasses import dataclass

from web.accounts.models import UserRow

#: The roles that make nobody staff of an intervention: the referrer (another authority), the
#: designer, the log reviewer and the administrator. Every other role — the product's own team
#: roles and whatever the deployed journeys offer tasks to — is a staff role.
NOT_STAFF_ROLES = frozenset({"remittent", "processdesigner", "logggranskare", "admin"})


def is_staff_role(role: str) -> bool:
    """Whether holding ``role`` makes one staff of one's interventions (see :data:`NOT_STAFF_ROLES`)."""
    return role not in NOT_STAFF_ROLES


@dataclass(frozen=True)
class User:
    """Who is acting: what the authorization rules look at."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    email: str | None = None

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
        return any(is_staff_role(role) for role in self.roles)


def user_view(row: UserRow) -> User:
    return User(row.id, row.username, row.display_name, tuple(row.roles), tuple(row.teams), row.email)
