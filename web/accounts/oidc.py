"""Signing in through the organisation's OpenID Connect provider: the users bound to its identities,
and what its claims make of them (no Flask here; the pages are ``web/ui/oidc.py``).

- **The binding.** A person at the provider is the pair (issuer, ``sub``): stable, never handed to
  someone else, unlike a user name or an e-mail address. The first sign-in creates a local user
  bound to that pair (``oidc_identities``); later sign-ins find the user by it and by nothing else.
  A provider's user name that equals a local account's does not reach that account: the new user
  gets a free name beside it. A bound user has no password, so the sign-in form cannot be used for
  them (an administrator's link to set one would give them both ways in).
- **The claims govern roles and interventions**, on every sign-in: the roles are the provider's
  roles claim, of those in the role catalogue (``web/role_catalogue.py``; others are ignored, and
  said so in the audit log); the interventions are its interventions claim. Name and e-mail follow
  the provider's too.
- **Refusals.** A user an administrator deactivated stays out whatever the provider says; a person
  with no role the catalogue knows is not let in (and no user is created for them). A refusal
  changes nothing but the audit log, and ends the bound user's sessions elsewhere: whoever the
  provider no longer gives a role here is signed out everywhere, as on deactivation.
- **Audit.** Every sign-in and every refusal is a row of the audit log, written in the same
  transaction as the user it created or changed, so a user never exists without the sign-in that
  made them on record.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from engine.clock import Clock
from engine.persistence.db import Database, Session
from web.accounts.identity import User, user_view
from web.accounts.models import AuditLogRow, OidcIdentityRow, SessionRow, UserRow

#: The audit log's actions: a sign-in through the provider, and one refused after the provider said yes.
SIGNED_IN = "user.signed_in_oidc"
REFUSED = "user.sign_in_refused_oidc"

Refusal = Literal["deactivated", "no_role"]

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}")
#: What a user name may hold (``Accounts.add_user``): letters, digits, '.', '-' and '_'.
_NOT_IN_USERNAME = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class OidcSettings:
    """The organisation's OpenID Connect provider, as the operator configured it (``SAMVERKAN_OIDC_*``,
    read by ``samverkan/oidc_settings.py``)."""

    issuer: str
    client_id: str
    client_secret: str
    #: The claims holding the person's roles and interventions (process keys): a list of strings,
    #: or one string of names separated by spaces or commas.
    roles_claim: str = "roles"
    interventions_claim: str = "interventions"
    #: What the sign-in button calls the provider ("Logga in med …"); None: "organisationens inloggning".
    label: str | None = None
    scopes: str = "openid profile email"
    #: The address the provider sends people back to; None: the address the request came in at.
    redirect_uri: str | None = None

    @property
    def discovery_url(self) -> str:
        """OpenID Connect Discovery: the provider's document at the issuer's well-known path."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class MappedClaims:
    """What the provider's claims make of a person here."""

    roles: tuple[str, ...]
    #: Roles the provider named that the role catalogue does not know: not given.
    ignored_roles: tuple[str, ...]
    teams: tuple[str, ...]
    display_name: str
    email: str | None
    #: The user name a new user is given, if it is free.
    username: str


@dataclass(frozen=True)
class OidcSignIn:
    """The outcome: signed in as ``user``, or refused (``refused`` says why; ``username`` is the
    bound user's, if the person has one)."""

    user: User | None
    username: str | None
    refused: Refusal | None = None
    created: bool = False
    mapped: MappedClaims | None = field(default=None, compare=False)


def names(value: object) -> list[str]:
    """A claim's names: a list of strings, or one string separated by spaces or commas; each name
    once, in order; anything else (numbers, objects, over 100 characters) left out."""
    items: list[object]
    if isinstance(value, str):
        items = list(re.split(r"[\s,]+", value))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = []
    found: list[str] = []
    for item in items:
        if isinstance(item, str) and item.strip() and len(item.strip()) <= 100 and item.strip() not in found:
            found.append(item.strip())
    return found


def map_claims(claims: Mapping[str, Any], settings: OidcSettings, known_roles: Collection[str]) -> MappedClaims:
    """The person as the validated ID token's claims describe them; roles only from ``known_roles``
    (the role catalogue)."""
    asked = names(claims.get(settings.roles_claim))
    roles = tuple(r for r in asked if r in known_roles)
    ignored = tuple(r for r in asked if r not in known_roles)
    teams = tuple(names(claims.get(settings.interventions_claim)))
    subject = str(claims.get("sub", ""))
    email = _email(claims)
    given = " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")).strip()
    display = next((" ".join(str(v).split()) for v in (claims.get("name"), given, claims.get("preferred_username"),
                                                        email, subject) if isinstance(v, str) and v.strip()), "")
    wanted = claims.get("preferred_username") or (email.split("@")[0] if email else "") or "sso"
    username = _NOT_IN_USERNAME.sub("-", str(wanted).strip().lower()).strip("-._")[:80] or "sso"
    return MappedClaims(roles, ignored, teams, display[:200], email, username)


def _email(claims: Mapping[str, Any]) -> str | None:
    """The provider's e-mail address, unless it says it has not verified it."""
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is False:
        return None
    email = email.strip()
    return email if len(email) <= 254 and _EMAIL.fullmatch(email) else None


class OidcIdentities:
    """The users bound to the provider's identities (table ``oidc_identities``)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def sign_in(self, issuer: str, subject: str, mapped: MappedClaims, address: str | None = None) -> OidcSignIn:
        """Sign in the person the provider vouched for (``issuer``, ``subject``: from a validated ID
        token): their bound user, created on the first sign-in, with roles, interventions, name and
        e-mail from ``mapped``; or refused, with nothing changed. Audited either way."""
        try:
            return self._sign_in(issuer, subject, mapped, address)
        except IntegrityError:
            # The same person's first sign-in twice at once (two tabs), or a name taken meanwhile:
            # the other transaction won; this one finds its user.
            return self._sign_in(issuer, subject, mapped, address)

    def bound_to(self, username: str) -> list[tuple[str, str]]:
        """The provider identities (issuer, subject) a user is bound to."""
        with self.db.reading() as session:
            return [(r.issuer, r.subject) for r in session.scalars(
                select(OidcIdentityRow).join(UserRow, UserRow.id == OidcIdentityRow.user_id)
                .where(UserRow.username == username).order_by(OidcIdentityRow.id))]

    def _sign_in(self, issuer: str, subject: str, mapped: MappedClaims, address: str | None) -> OidcSignIn:
        now = self.clock.now()
        with self.db.transaction() as session:
            binding = session.scalar(select(OidcIdentityRow).where(OidcIdentityRow.issuer == issuer,
                                                                   OidcIdentityRow.subject == subject))
            row = session.get(UserRow, binding.user_id) if binding is not None else None
            refused: Refusal | None = None
            if row is not None and not row.active:
                refused = "deactivated"
            elif not mapped.roles:
                refused = "no_role"
            if refused is not None:
                username = row.username if row is not None else None
                if row is not None:
                    # The provider withdrew their access (or an administrator did): their sessions
                    # elsewhere end too, as on deactivation; their roles stay, for an administrator to see.
                    session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
                _audit(session, now, REFUSED, username, issuer, subject, mapped, address, reason=refused)
                return OidcSignIn(None, username, refused, mapped=mapped)
            created = row is None
            if row is None:
                row = UserRow(username=_free_username(session, mapped.username), display_name=mapped.display_name,
                              password_hash=None, email=mapped.email, roles=list(mapped.roles),
                              teams=list(mapped.teams), active=True, created_at=now)
                session.add(row)
                session.flush()
                session.add(OidcIdentityRow(issuer=issuer, subject=subject, user_id=row.id, created_at=now,
                                            last_sign_in_at=now))
            else:
                assert binding is not None
                row.roles, row.teams = list(mapped.roles), list(mapped.teams)
                row.display_name = mapped.display_name or row.display_name
                row.email = mapped.email
                binding.last_sign_in_at = now
            session.flush()
            _audit(session, now, SIGNED_IN, row.username, issuer, subject, mapped, address, created=created)
            return OidcSignIn(user_view(row), row.username, None, created, mapped)


def _free_username(session: Session, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``, … : the first that no user has."""
    taken = set(session.scalars(select(UserRow.username).where(UserRow.username.like(f"{wanted}%"))))
    candidate, number = wanted, 1
    while candidate in taken:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def _audit(session: Session, at: datetime, action: str, username: str | None, issuer: str, subject: str,
           mapped: MappedClaims, address: str | None, **details: object) -> None:
    """One row of the audit log: who, through which identity, with which roles and interventions."""
    session.add(AuditLogRow(
        at=at, username=username or "-", action=action, subject=(username or f"{issuer} {subject}")[:200], note="",
        details={"issuer": issuer, "subject": subject, "roles": list(mapped.roles),
                 "ignored_roles": list(mapped.ignored_roles), "interventions": list(mapped.teams),
                 "address": address, **details}))
