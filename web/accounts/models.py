"""Account tables. A separate metadata (and Alembic version table) from the engine's: the engine
knows nothing about who signs in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.persistence.models import UTCDateTime

#: The roles the product itself gives meaning to (web/authz.py, web/accounts/identity.py): always in the
#: role catalogue. Every other role — those the deployed journeys offer tasks to (their candidate
#: groups) and those an administrator added — comes from the catalogue (web/role_catalogue.py), not
#: from code. ``teamledare`` and ``koordinator`` hand out work, they and ``handlaggare`` register
#: participants, ``styrgrupp`` follows up; ``remittent`` refers, ``processdesigner`` designs,
#: ``logggranskare`` reviews the access log, ``admin`` administers.
PRODUCT_ROLES = (
    "teamledare", "koordinator", "handlaggare", "styrgrupp", "remittent", "processdesigner", "logggranskare",
    "admin",
)


class AccountsBase(DeclarativeBase):
    pass


class UserRow(AccountsBase):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # When the user last marked all their notifications read: everything older counts as read.
    notifications_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    teams: Mapped[list[str]] = mapped_column(JSON)
    # Roles held in one intervention only, besides ``roles`` (held in every one of ``teams``): process
    # key → roles. Its keys are among ``teams``.
    intervention_roles: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TokenRow(AccountsBase):
    """An API token; only its SHA-256 is stored, so a leaked database leaks no usable token. It
    works until ``expires_at`` (a token forgotten in a script does not work for ever) unless it is
    revoked first."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SessionRow(AccountsBase):
    """A signed-in session of the pages. The session cookie (signed, but a copy of it is as good as
    the original) carries a random id whose SHA-256 is this row's key; the cookie is worth
    something only while the row exists. Signing out deletes it, and so does deactivating the user,
    so a cookie captured earlier is refused from then on."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last request, to a few minutes: the session ends when it has been idle for its lifetime.
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AccessLogRow(AccountsBase):
    """Who read or changed which case's personal data, when, and from which address (append-only:
    ``web/accounts/access_log.py`` adds rows and reads them, nothing changes or deletes one)."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(50))
    # The client's address (behind trusted proxies, the one they forwarded for); None before w0005
    # and for what no request did (the command line).
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AccessLogReviewRow(AccountsBase):
    """A read of the access log drawn into a period's spot check ("stickprov") and marked reviewed:
    by whom, when, with what note. Append-only, like the log it reviews; one mark per read and period."""

    __tablename__ = "access_log_reviews"
    __table_args__ = (UniqueConstraint("period_first", "period_last", "access_log_id", name="uq_access_log_reviews"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period_first: Mapped[date] = mapped_column(Date, index=True)
    period_last: Mapped[date] = mapped_column(Date)
    access_log_id: Mapped[int] = mapped_column(ForeignKey("access_log.id"), index=True)
    reviewed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class NotificationReadRow(AccountsBase):
    """A notification a user has opened or marked read (each one on its own; "mark all read" moves
    ``users.notifications_seen_at`` instead, so this table holds only what came after)."""

    __tablename__ = "notification_reads"
    __table_args__ = (UniqueConstraint("username", "notification_id", name="uq_notification_reads"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    notification_id: Mapped[str] = mapped_column(String(36))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseNoteRow(AccountsBase):
    """A signed note on a case, or a comment on one of its tasks (``task_id`` set). Append-only:
    a note is never edited; a correction is a new note that says so."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    author: Mapped[str] = mapped_column(String(100))
    author_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)


class SavedFilterRow(AccountsBase):
    """An inbox filter saved by a user, shared with an intervention's team when ``team`` is set."""

    __tablename__ = "saved_filters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailureRow(AccountsBase):
    """A sign-in attempt that has not succeeded, kept to slow down password guessing (per user name
    and per address). It is written before the password is checked, so that an attempt counts even
    while it is still being checked, and deleted when the password proves right."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class AuditLogRow(AccountsBase):
    """Who changed the system's set-up, and why: publishing a process version, migrating cases,
    creating users (append-only)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class PurgeLogRow(AccountsBase):
    """One retention purge (gallring): who ran it (``scheduler`` or an admin), when, under which
    settings, how many cases of which process lost their personal data (their ids), how many access
    log rows went past the log's own retention, and which idle draft sandboxes were discarded.
    Written in the purge's own transaction; append-only (``accounts/retention.py`` adds rows and
    reads them)."""

    __tablename__ = "purge_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    cases: Mapped[int] = mapped_column(Integer)
    case_ids: Mapped[dict[str, list[str]]] = mapped_column(JSON)  # process key: [case id, …]
    access_log_rows: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, object]] = mapped_column(JSON)
    sandboxes: Mapped[list[str]] = mapped_column(JSON)  # drafts' sandboxes discarded as idle


class ProcessDraftRow(AccountsBase):
    """A process designer's draft of a journey: the BPMN file and the DMN files deployed with it.

    Saving a draft changes nothing that runs; publishing deploys its files as the process's next
    version (the engine's ``process_versions``), after which the draft is kept, marked published.
    """

    __tablename__ = "process_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the version it started from
    files: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{"name", "content"}], the BPMN file first
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | published | discarded
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(Integer, default=1)


class RoleRow(AccountsBase):
    """A role an administrator added to the catalogue (one no deployed journey names yet, e.g. for
    a journey being drawn). Added, never removed: users may hold it."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PasswordResetRow(AccountsBase):
    """A one-time link to set a new password: only the SHA-256 of its secret is stored; it works
    until ``expires_at``, once (``used_at``), and a newer link for the same user replaces it."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OidcIdentityRow(AccountsBase):
    """A user bound to an identity at an OpenID Connect provider: the provider's issuer and its
    ``sub`` for the person (stable, never reassigned, unlike a name or an address). Signing in
    through the provider finds the user by this pair only, never by user name or e-mail, so that
    nobody at the provider can take over a local account by choosing its name."""

    __tablename__ = "oidc_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_oidc_identities"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
