"""Reading deployed versions as process designers need them: their files and their open cases."""

from __future__ import annotations

from engine.definitions import model_files
from engine.errors import NotFound
from engine.persistence import version_store
from engine.persistence.db import Database
from engine.views import SourceFile


def files(db: Database, key: str, version: int) -> list[SourceFile]:
    """The files of one deployed version that are the process's own: the BPMN file that holds it
    and the DMN files it takes decisions from (not the other journeys deployed in the same bundle)."""
    with db.reading() as session:
        row = version_store.version_row(session, key, version)
        if row is None:
            raise NotFound(f"process {key} has no version {version}")
        sources = [SourceFile(s["name"], s["content"].encode("utf-8")) for s in row.sources]
    return model_files.of_process(key, sources)


def open_case_counts(db: Database, key: str) -> dict[int, int]:
    """Version number → how many open (or paused) cases it has."""
    with db.reading() as session:
        return version_store.open_case_counts(session, key)
