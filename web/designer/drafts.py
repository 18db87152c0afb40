"""Process designers' drafts: the files of a journey being changed, kept until published.

A draft holds one BPMN file and the DMN files deployed with it, as text. Saving a draft touches
nothing that runs; publishing hands its files to the engine as the process's next version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.errors import Conflict, InvalidProcess, NotFound, Problem
from engine.persistence.db import Database, Session
from engine.views import ModelFile, SourceFile
from web.accounts.models import ProcessDraftRow


@dataclass(frozen=True)
class DraftFile:
    name: str
    content: str
    kind: str  # bpmn | dmn

    @classmethod
    def of(cls, model: ModelFile, name: str | None = None) -> DraftFile:
        """A model file as the engine read it, kept in a draft (under ``name`` if given)."""
        return cls(name or model.name, model.text, model.kind)

    @property
    def tag(self) -> str:
        """What the content was when an editor opened it: saving over a content changed since then
        is refused (:class:`DraftChanged`) instead of silently undoing someone's work."""
        return content_tag(self.content)


def content_tag(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:20]


class DraftChanged(Conflict):
    """The file was saved by someone (or in another window) after the editor opened it."""

    def __init__(self, draft_id: int, name: str, updated_by: str, updated_at: datetime) -> None:
        super().__init__(f"{name} of draft {draft_id} was saved by {updated_by} at {updated_at.isoformat()} "
                         "after it was opened")
        self.updated_by = updated_by
        self.updated_at = updated_at


@dataclass(frozen=True)
class Draft:
    id: int
    process_key: str
    base_version: int | None
    files: tuple[DraftFile, ...]
    status: str  # open | published | discarded
    published_version: int | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    revision: int

    @property
    def bpmn(self) -> DraftFile:
        return next(f for f in self.files if f.kind == "bpmn")

    @property
    def decisions(self) -> tuple[DraftFile, ...]:
        return tuple(f for f in self.files if f.kind == "dmn")

    def file(self, name: str) -> DraftFile:
        found = next((f for f in self.files if f.name == name), None)
        if found is None:
            raise NotFound(f"draft {self.id} has no file {name}")
        return found

    def sources(self, replaced: Mapping[str, str] | None = None) -> list[SourceFile]:
        """The files as the engine takes them (with ``replaced`` contents where given)."""
        replaced = replaced or {}
        return [SourceFile(f.name, replaced.get(f.name, f.content).encode("utf-8")) for f in self.files]

    @property
    def sandbox_name(self) -> str:
        # The creation time keeps a sandbox from being taken over by a later draft with the same id
        # (a database that was reset).
        return f"draft-{self.id}-{self.created_at:%Y%m%d%H%M%S}"


def _view(row: ProcessDraftRow) -> Draft:
    files = tuple(DraftFile(f["name"], f["content"], f["kind"]) for f in row.files)
    return Draft(row.id, row.process_key, row.base_version, files, row.status, row.published_version,
                 row.created_by, row.created_at, row.updated_by, row.updated_at, row.revision)


class Drafts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, key: str, base_version: int | None, files: Sequence[DraftFile], actor: str,
               at: datetime) -> Draft:
        """A new draft of ``key``; ``files`` holds exactly one BPMN file."""
        if sum(1 for f in files if f.kind == "bpmn") != 1:
            raise InvalidProcess([Problem("(draft)", "(document)", "a draft holds exactly one BPMN file")])
        ordered = sorted(files, key=lambda f: (f.kind != "bpmn", f.name))
        if len({f.name for f in ordered}) != len(ordered):
            raise InvalidProcess([Problem("(draft)", "(document)", "two files of a draft have the same name")])
        with self.db.transaction() as session:
            row = ProcessDraftRow(
                process_key=key, base_version=base_version, status="open", published_version=None,
                files=[{"name": f.name, "content": f.content, "kind": f.kind} for f in ordered],
                created_by=actor, created_at=at, updated_by=actor, updated_at=at, revision=1,
            )
            session.add(row)
            session.flush()
            return _view(row)

    def get(self, draft_id: int) -> Draft:
        with self.db.transaction() as session:
            row = session.get(ProcessDraftRow, draft_id)
            if row is None:
                raise NotFound(f"draft {draft_id} does not exist")
            return _view(row)

    def of_process(self, key: str, status: str | None = "open") -> list[Draft]:
        """The drafts of a process, newest first."""
        with self.db.transaction() as session:
            query = select(ProcessDraftRow).where(ProcessDraftRow.process_key == key)
            if status is not None:
                query = query.where(ProcessDraftRow.status == status)
            return [_view(r) for r in session.scalars(query.order_by(ProcessDraftRow.id.desc()))]

    def open_drafts(self) -> list[Draft]:
        with self.db.transaction() as session:
            query = select(ProcessDraftRow).where(ProcessDraftRow.status == "open")
            return [_view(r) for r in session.scalars(query.order_by(ProcessDraftRow.process_key,
                                                                     ProcessDraftRow.id.desc()))]

    def save_file(self, draft_id: int, model: ModelFile, actor: str, at: datetime, *,
                  opened_as: str | None = None) -> Draft:
        """Replace one file of an open draft (the file named as ``model``; its kind does not
        change). With ``opened_as`` (the file's :attr:`DraftFile.tag` when the editor opened it), a
        file saved by anyone since is not overwritten: :class:`DraftChanged`."""
        name = model.name
        with self.db.transaction() as session:
            row = self._open_row(session, draft_id)
            files = [dict(f) for f in row.files]
            match = next((f for f in files if f["name"] == name), None)
            if match is None:
                raise NotFound(f"draft {draft_id} has no file {name}")
            if opened_as is not None and content_tag(match["content"]) != opened_as:
                raise DraftChanged(draft_id, name, row.updated_by, row.updated_at)
            if model.kind != match["kind"]:
                raise InvalidProcess([Problem(name, "(document)", f"{name} must stay a {match['kind'].upper()} file")])
            match["content"] = model.text
            row.files = files
            row.updated_by, row.updated_at, row.revision = actor, at, row.revision + 1
            session.flush()
            return _view(row)

    def mark_published(self, draft_id: int, version: int, actor: str, at: datetime) -> Draft:
        with self.db.transaction() as session:
            row = self._open_row(session, draft_id)
            row.status, row.published_version = "published", version
            row.updated_by, row.updated_at, row.revision = actor, at, row.revision + 1
            session.flush()
            return _view(row)

    def discard(self, draft_id: int, actor: str, at: datetime) -> Draft:
        with self.db.transaction() as session:
            row = self._open_row(session, draft_id)
            row.status = "discarded"
            row.updated_by, row.updated_at, row.revision = actor, at, row.revision + 1
            session.flush()
            return _view(row)

    @staticmethod
    def _open_row(session: Session, draft_id: int) -> ProcessDraftRow:
        row = session.get(ProcessDraftRow, draft_id, with_for_update=True)
        if row is None:
            raise NotFound(f"draft {draft_id} does not exist")
        if row.status != "open":
            raise Conflict(f"draft {draft_id} is {row.status}")
        return row
