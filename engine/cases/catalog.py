"""Deployed process versions: validating, deploying, and the parsed spec of each version.

A deployment is immutable. Deploying the same content as the newest version of a key deploys
nothing new; anything else becomes version n+1. The parsed spec of a version is built once per
process and kept in memory (a version's spec never changes).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from engine.definitions import xml_safety
from engine.errors import InvalidProcess, NotFound, Problem
from engine.persistence import store
from engine.persistence.db import Database, Session
from engine.persistence.models import ProcessVersionRow
from engine.spiff import loading
from engine.spiff.state import SERIALIZER_VERSION, SpecBundle
from engine.views import ProcessVersion, SourceFile


def content_hash(files: Sequence[SourceFile]) -> str:
    digest = hashlib.sha256()
    for source in sorted(files, key=lambda f: f.name):
        digest.update(source.name.encode() + b"\0" + source.content + b"\0")
    return digest.hexdigest()


def version_view(row: ProcessVersionRow) -> ProcessVersion:
    return ProcessVersion(row.key, row.name, row.version, row.content_hash, row.deployed_at, row.deployed_by)


class Catalog:
    def __init__(self, db: Database, *, allow_scripts: bool = False) -> None:
        self.db = db
        self.allow_scripts = allow_scripts
        self._bundles: dict[int, SpecBundle] = {}
        self._lock = threading.Lock()

    def validate(self, files: Sequence[SourceFile]) -> list[Problem]:
        """Every problem in these files (errors and warnings); an empty list means deployable."""
        return loading.load(list(files), allow_scripts=self.allow_scripts).problems

    def deploy(self, files: Sequence[SourceFile], actor: str, now: datetime) -> list[ProcessVersion]:
        """Validate, then store each executable process as a new version (unless unchanged)."""
        result = loading.load(list(files), allow_scripts=self.allow_scripts)
        if result.errors:
            raise InvalidProcess(result.errors)
        digest = content_hash(files)
        sources = [{"name": f.name, "content": _as_text(f)} for f in files]
        deployed: list[ProcessVersion] = []
        with self.db.transaction() as session:
            for process in result.processes:
                latest = store.latest_version(session, process.key)
                if latest is not None and latest.content_hash == digest:
                    deployed.append(version_view(latest))
                    continue
                row = ProcessVersionRow(
                    key=process.key, name=process.name, content_hash=digest,
                    version=store.next_version_number(session, process.key),
                    sources=sources, spec={**process.bundle.to_json(), "serializer_version": SERIALIZER_VERSION},
                    deployed_at=now, deployed_by=actor,
                )
                session.add(row)
                session.flush()
                with self._lock:
                    self._bundles[row.id] = process.bundle
                deployed.append(version_view(row))
        return deployed

    def bundle(self, version_id: int, session: Session | None = None) -> SpecBundle:
        """The parsed spec of one deployed version (parsed from its stored sources on first use).

        Pass the caller's session when inside a transaction: SQLite allows one writer at a time.
        """
        with self._lock:
            cached = self._bundles.get(version_id)
        if cached is not None:
            return cached
        if session is None:
            with self.db.reading() as own:
                key, sources, stored = self._sources(own, version_id)
        else:
            key, sources, stored = self._sources(session, version_id)
        if stored is not None:
            bundle = SpecBundle.from_json(stored)
            with self._lock:
                self._bundles[version_id] = bundle
            return bundle
        files = [SourceFile(s["name"], s["content"].encode("utf-8")) for s in sources]
        # Stored versions were valid when deployed; parse them with scripts allowed so that a
        # version deployed under an operator's permission keeps running.
        result = loading.load(files, allow_scripts=True)
        match = next((p for p in result.processes if p.key == key), None)
        if match is None:
            raise InvalidProcess(result.errors or [Problem("(stored)", key, "stored version no longer parses")])
        with self._lock:
            self._bundles[version_id] = match.bundle
        return match.bundle


    @staticmethod
    def _sources(session: Session, version_id: int) -> tuple[str, list[dict[str, str]], dict[str, Any] | None]:
        row = store.version_by_id(session, version_id)
        if row is None:
            raise NotFound(f"process version {version_id} does not exist")
        # A version stored by an older serializer is parsed again from its sources.
        stored = row.spec if row.spec and row.spec.get("serializer_version") == SERIALIZER_VERSION else None
        return row.key, list(row.sources), stored


def _as_text(source: SourceFile) -> str:
    """The file as UTF-8 text with its declaration rewritten, whatever encoding it came in."""
    tree = xml_safety.parse_xml(source.content, source.name)
    return str(etree.tostring(tree, xml_declaration=True, encoding="UTF-8").decode("utf-8"))
