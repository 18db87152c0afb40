"""What staff write beside the process: signed notes on a case, comments on a task, inbox filters a
team shares, and the audit log of set-up changes. Notes are append-only: never edited, never deleted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from engine.errors import InvalidFormData, NotFound
from engine.persistence.db import Database
from web.accounts.models import AuditLogRow, CaseNoteRow, SavedFilterRow
from web.accounts.users import User

MAX_NOTE = 5000
#: The inbox query parameters a saved filter may hold.
FILTER_KEYS = ("tab", "process", "task", "due", "assignee", "q")


@dataclass(frozen=True)
class Note:
    id: int
    case_id: str
    task_id: str | None
    author: str
    author_name: str
    at: datetime
    text: str


@dataclass(frozen=True)
class SavedFilter:
    id: int
    owner: str
    team: str | None
    name: str
    query: dict[str, str]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    username: str
    action: str
    subject: str
    note: str
    details: dict[str, Any]


def _note(row: CaseNoteRow) -> Note:
    return Note(row.id, row.case_id, row.task_id, row.author, row.author_name, row.at, row.text)


class Teamwork:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- notes and comments ------------------------------------------------------------------

    def add_note(self, case_id: str, author: User, text: str, at: datetime, task_id: str | None = None) -> Note:
        text = text.strip()
        if not text:
            raise InvalidFormData({"text": "skriv något först"})
        if len(text) > MAX_NOTE:
            raise InvalidFormData({"text": f"högst {MAX_NOTE} tecken"})
        with self.db.transaction() as session:
            row = CaseNoteRow(case_id=case_id, task_id=task_id, author=author.username,
                              author_name=author.display_name, at=at, text=text)
            session.add(row)
            session.flush()
            return _note(row)

    def notes(self, case_id: str) -> list[Note]:
        """Every note and task comment of a case, oldest first."""
        with self.db.reading() as session:
            rows = session.scalars(select(CaseNoteRow).where(CaseNoteRow.case_id == case_id)
                                   .order_by(CaseNoteRow.at, CaseNoteRow.id))
            return [_note(r) for r in rows]

    # --- saved filters -----------------------------------------------------------------------

    def save_filter(self, owner: User, name: str, query: Mapping[str, str], team: str | None,
                    at: datetime) -> SavedFilter:
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidFormData({"name": "ge filtret ett namn (högst 100 tecken)"})
        if team is not None and team not in owner.teams:
            raise InvalidFormData({"team": "du kan bara dela med ett team du tillhör"})
        kept = {k: str(v)[:200] for k, v in query.items() if k in FILTER_KEYS and v}
        with self.db.transaction() as session:
            row = SavedFilterRow(owner=owner.username, team=team, name=name, query=kept, created_at=at)
            session.add(row)
            session.flush()
            return SavedFilter(row.id, row.owner, row.team, row.name, dict(row.query))

    def filters_for(self, user: User) -> list[SavedFilter]:
        """The user's own filters and those shared with one of their teams."""
        with self.db.reading() as session:
            rows = session.scalars(select(SavedFilterRow).where(or_(
                SavedFilterRow.owner == user.username,
                SavedFilterRow.team.in_(list(user.teams)),
            )).order_by(SavedFilterRow.name, SavedFilterRow.id))
            return [SavedFilter(r.id, r.owner, r.team, r.name, dict(r.query)) for r in rows]

    def delete_filter(self, user: User, filter_id: int) -> None:
        """Only its owner removes a filter."""
        with self.db.transaction() as session:
            row = session.get(SavedFilterRow, filter_id)
            if row is None or row.owner != user.username:
                raise NotFound(f"filter {filter_id} does not exist")
            session.delete(row)

    # --- audit log ---------------------------------------------------------------------------

    def audit(self, username: str, action: str, subject: str, at: datetime, note: str = "",
              details: Mapping[str, Any] | None = None) -> None:
        with self.db.transaction() as session:
            session.add(AuditLogRow(at=at, username=username, action=action, subject=subject, note=note,
                                    details=dict(details or {})))

    def audit_log(self, subject: str | None = None, limit: int = 200) -> Sequence[AuditEntry]:
        with self.db.reading() as session:
            query = select(AuditLogRow).order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc()).limit(limit)
            if subject is not None:
                query = query.where(AuditLogRow.subject == subject)
            return [AuditEntry(r.id, r.at, r.username, r.action, r.subject, r.note, dict(r.details))
                    for r in session.scalars(query)]
