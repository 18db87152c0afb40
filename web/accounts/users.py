"""Users: creating them, checking their passwords, deactivating and activating them. Their API
tokens are in ``tokens.py``, their page sessions in ``sessions.py``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from engine.clock import Clock, SystemClock
from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.db import Database
from web.accounts.access_log import AccessLog
from web.accounts.identity import GLOBAL_ROLES, User, held_per_intervention, is_staff_role, user_view
from web.accounts.models import NotificationReadRow, SessionRow, UserRow
from web.accounts.oidc import OidcIdentities
from web.accounts.password_resets import PasswordResets
from web.accounts.purge_log import PurgeLog
from web.accounts.roles import AddedRoles, check_role_names
from web.accounts.sessions import PageSessions
from web.accounts.tokens import ApiTokens

_hasher = PasswordHasher()

__all__ = ["Account", "Accounts", "User", "is_staff_role"]


@dataclass(frozen=True)
class Account:
    """A user as the administrators' pages show them, active or not."""

    username: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    active: bool
    created_at: datetime
    #: Roles held in one intervention only (process key → roles), besides ``roles``.
    intervention_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)


def _account(row: UserRow) -> Account:
    return Account(row.username, row.display_name, row.email, tuple(row.roles), tuple(row.teams), bool(row.active),
                   row.created_at, held_per_intervention(row))


def _checked_email(email: str | None) -> str | None:
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or email.count("@") != 1 or " " in email
                              or not all(email.split("@"))):
        raise InvalidInput(f"not an e-mail address: {email}", {"email": "invalid"})
    return email


def _checked_roles(roles: Sequence[str], known_roles: Collection[str] | None) -> None:
    """InvalidInput unless the roles are well-formed, at least one, and of ``known_roles`` (if given)."""
    check_role_names(tuple(roles))
    unknown = sorted(set(roles) - set(known_roles)) if known_roles is not None else []
    if unknown:
        raise InvalidInput(f"unknown role(s): {', '.join(unknown)}; roles: {', '.join(sorted(known_roles or ()))}",
                           {"role": "invalid"})


def _checked_intervention_roles(scoped: Mapping[str, Sequence[str]], roles: Sequence[str], teams: Sequence[str],
                                known_roles: Collection[str] | None) -> dict[str, list[str]]:
    """The roles held in one intervention only, as stored: of the interventions in ``teams`` (an
    intervention taken away takes its roles with it), without the roles held everywhere anyway,
    sorted, none empty. A product-wide role (:data:`GLOBAL_ROLES`) cannot be held in one only."""
    kept: dict[str, list[str]] = {}
    for key, held in scoped.items():
        wanted = sorted(set(held) - set(roles))
        if key not in teams or not wanted:
            continue
        global_ones = sorted(set(wanted) & GLOBAL_ROLES)
        if global_ones:
            raise InvalidInput(f"the role(s) {', '.join(global_ones)} are held in every intervention or none",
                               {"intervention_roles": "global"})
        _checked_roles(wanted, known_roles)
        kept[key] = wanted
    return kept


class Accounts:
    """Users, with their API tokens (``tokens``), page sessions (``sessions``) and the identities at
    an OpenID Connect provider that some are bound to (``oidc``).

    ``clock`` is the wall clock that tokens, sessions and sign-in throttling keep: the system's,
    also when the engine's clock is simulated (a demo that moves its clock months ahead must not
    expire its own tokens)."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.tokens = ApiTokens(db, self.clock)
        self.sessions = PageSessions(db, self.clock)
        self.access_log = AccessLog(db)
        self.purge_log = PurgeLog(db)
        self.added_roles = AddedRoles(db)
        self.password_resets = PasswordResets(db, self.clock, _hasher)
        self.oidc = OidcIdentities(db, self.clock)

    def add_user(self, username: str, roles: Sequence[str], teams: Sequence[str], password: str | None,
                 display_name: str | None = None, *, email: str | None = None,
                 known_roles: Collection[str] | None = None,
                 intervention_roles: Mapping[str, Sequence[str]] | None = None) -> User:
        """A new user. ``known_roles`` is the role catalogue (``web/role_catalogue.py``) that the
        roles must come from; without it, only their form is checked (the demo, the tests).
        ``intervention_roles``: roles held in one intervention only (process key → roles), besides
        ``roles`` held in each of ``teams``; their interventions are among ``teams``."""
        username = username.strip()
        if not username or len(username) > 100 or not username.replace(".", "").replace("-", "").replace(
                "_", "").isalnum():
            raise InvalidInput("a username uses letters, digits, '.', '-' and '_'", {"username": "invalid"})
        teams = list(dict.fromkeys([*teams, *(k for k, held in (intervention_roles or {}).items() if held)]))
        scoped = _checked_intervention_roles(intervention_roles or {}, roles, teams, known_roles)
        if roles or not scoped:  # one may hold roles in some interventions only, and none in all
            _checked_roles(roles, known_roles)
        email = _checked_email(email)
        if password is not None and len(password) < 10:
            raise InvalidInput("a password needs at least 10 characters", {"password": "too short"})
        with self.db.transaction() as session:
            if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
                raise Conflict(f"the user {username} exists already")
            row = UserRow(username=username, display_name=display_name or username, roles=list(roles),
                          teams=teams, intervention_roles=scoped,
                          password_hash=_hasher.hash(password) if password else None, email=email, active=True,
                          created_at=self.clock.now())
            session.add(row)
            session.flush()
            return user_view(row)

    def accounts(self) -> list[Account]:
        """Every user, active or not, by display name (the administrators' list)."""
        with self.db.reading() as session:
            return [_account(r) for r in session.scalars(select(UserRow).order_by(UserRow.display_name,
                                                                                  UserRow.username))]

    def account(self, username: str) -> Account:
        """One user, active or not; NotFound if there is none of that name."""
        with self.db.reading() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                raise NotFound(f"no user {username}")
            return _account(row)

    def update_user(self, username: str, *, display_name: str, email: str | None, roles: Sequence[str],
                    teams: Sequence[str], known_roles: Collection[str] | None = None,
                    intervention_roles: Mapping[str, Sequence[str]] | None = None) -> tuple[Account, Account]:
        """Change a user's name, address, roles and interventions: (before, after). A role the user
        holds already may stay even if the catalogue no longer has it. ``intervention_roles``: the
        roles held in one intervention only, all of them (None: those held now, of the interventions
        kept)."""
        display_name = " ".join(display_name.split())
        if not display_name or len(display_name) > 200:
            raise InvalidInput("a user needs a name (at most 200 characters)", {"display_name": "invalid"})
        email = _checked_email(email)
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                raise NotFound(f"no user {username}")
            held = {*row.roles, *(r for rs in (row.intervention_roles or {}).values() for r in rs)}
            known = None if known_roles is None else {*known_roles, *held}
            scoped = _checked_intervention_roles(
                (row.intervention_roles or {}) if intervention_roles is None else intervention_roles, roles, teams,
                known)
            if roles or not scoped:  # one may hold roles in some interventions only, and none in all
                _checked_roles(roles, known)
            before = _account(row)
            row.display_name, row.email, row.roles, row.teams = display_name, email, list(roles), list(teams)
            row.intervention_roles = scoped
            session.flush()
            return before, _account(row)

    def user(self, username: str) -> User:
        with self.db.reading() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True)))
            if row is None:
                raise NotFound(f"no user {username}")
            return user_view(row)

    def set_password(self, username: str, password: str) -> None:
        if len(password) < 10:
            raise InvalidInput("a password needs at least 10 characters", {"password": "too short"})
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                raise NotFound(f"no user {username}")
            row.password_hash = _hasher.hash(password)

    def create_token(self, username: str) -> str:
        """A new API token for the user, of the default lifetime: its value only (see ``tokens.issue``)."""
        return self.tokens.issue(username).value

    def set_active(self, username: str, active: bool) -> bool:
        """Activate or deactivate a user; whether anything changed. Deactivating ends the user's
        page sessions at once; their API tokens are refused while they are inactive."""
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                raise NotFound(f"no user {username}")
            changed = row.active != active
            row.active = active
            if not active:
                session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            return changed

    def check_password(self, username: str, password: str) -> User | None:
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True)))
            if row is None or not row.password_hash:
                _hasher.hash(password)  # same work either way: no user enumeration by timing
                return None
            try:
                _hasher.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            return user_view(row)

    def colleagues(self, teams: Sequence[str]) -> list[User]:
        """Active staff of at least one of these interventions: whom a task can be given to."""
        with self.db.reading() as session:
            rows = session.scalars(select(UserRow).where(UserRow.active.is_(True)).order_by(UserRow.display_name))
            users = [user_view(r) for r in rows]
        return [u for u in users if set(u.staff_of) & set(teams)]

    def display_names(self, usernames: Iterable[str | None]) -> dict[str, str]:
        """User name → display name, for the names given that belong to a user (others left out)."""
        wanted = sorted({u for u in usernames if u})
        if not wanted:
            return {}
        with self.db.reading() as session:
            rows = session.execute(select(UserRow.username, UserRow.display_name).where(UserRow.username.in_(wanted)))
            return {row[0]: row[1] for row in rows}

    def mark_notifications_seen(self, username: str, at: datetime) -> None:
        """Every notification up to ``at`` is read ("Markera alla som lästa")."""
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is not None:
                row.notifications_seen_at = at
            session.execute(delete(NotificationReadRow).where(NotificationReadRow.username == username,
                                                              NotificationReadRow.read_at <= at))

    def mark_notification_read(self, username: str, notification_id: str, at: datetime) -> None:
        """One notification is read (opened, or marked); marking it twice changes nothing."""
        with self.db.transaction() as session:
            known = session.scalar(select(NotificationReadRow.id).where(
                NotificationReadRow.username == username, NotificationReadRow.notification_id == notification_id))
            if known is None:
                session.add(NotificationReadRow(username=username, notification_id=notification_id, read_at=at))

    def notifications_marked(self, username: str, ids: Sequence[str]) -> tuple[datetime | None, set[str]]:
        """When the user last marked all their notifications seen, and which of ``ids`` they have
        opened or marked read one by one: one read, of these ids only (not of every notification the
        user ever read)."""
        with self.db.reading() as session:
            seen = session.scalar(select(UserRow.notifications_seen_at).where(UserRow.username == username))
            read = set(session.scalars(select(NotificationReadRow.notification_id).where(
                NotificationReadRow.username == username, NotificationReadRow.notification_id.in_(list(ids))))
            ) if ids else set()
        return seen, read

    def log_access(self, username: str, case_id: str, action: str, at: datetime, address: str | None = None) -> None:
        """Append to the access log: who read or changed which case's personal data, when, from where."""
        self.access_log.append(username, case_id, action, at, address)
