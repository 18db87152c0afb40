"""Trying a draft before it is published: a sandbox with its own database and a simulated clock.

Each sandbox is a separate SQLite file (under the instance folder, one per draft) with its own
:class:`~engine.api.WorkflowEngine` on a :class:`~engine.clock.SimulatedClock`: test cases are
started and worked there, and time is moved forward to see timers, reminders and escalations
happen — real cases, in the real database, are never touched. The clock's position is kept in a
small file beside the database, so a sandbox survives a restart of the app.

Loading a draft into its sandbox deploys it there (unchanged content deploys nothing; a changed
draft becomes the sandbox's next version, and test cases already started keep theirs).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.api import WorkflowEngine
from engine.cases.catalog import content_hash
from engine.clock import SimulatedClock
from engine.errors import InvalidInput
from engine.persistence.db import Database
from engine.views import SourceFile

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
#: How far one step may move a sandbox's clock (a journey's longest limits are a year or two).
MAX_STEP = timedelta(days=3 * 366)


class Sandbox:
    """One draft's sandbox: its engine, its clock, its files."""

    def __init__(self, directory: Path, name: str, start: datetime, outside: WorkflowEngine | None = None) -> None:
        self.name = name
        self.path = directory / f"{name}.sqlite3"
        self._clock_file = directory / f"{name}.clock"
        saved = self._clock_file.read_text().strip() if self._clock_file.exists() else ""
        self.clock = SimulatedClock(datetime.fromisoformat(saved) if saved else start)
        self.engine = WorkflowEngine(Database(f"sqlite:///{self.path}"), clock=self.clock)
        # A call activity calls the real catalog's deployed processes that the sandbox does not have.
        self.engine.catalog.outside = outside.catalog if outside is not None else None
        self._loaded: str | None = None
        self._loading = threading.Lock()
        self._keep_clock()

    def load(self, files: Sequence[SourceFile], actor: str) -> None:
        """Deploy the draft's files here unless they are what was loaded last (raises InvalidProcess
        if they are not valid)."""
        digest = content_hash(files)
        with self._loading:
            if digest != self._loaded:
                self.engine.deploy(files, actor)
                self._loaded = digest

    def advance(self, delta: timedelta) -> int:
        """Move the sandbox's clock forward, firing everything due on the way; how many timers fired."""
        if delta <= timedelta(0) or delta > MAX_STEP:
            raise InvalidInput("the clock moves forward, by at most three years",
                               {"delta": "out of range"})
        fired = self.engine.advance_clock(delta)
        self._keep_clock()
        return fired

    def _keep_clock(self) -> None:
        tmp = self._clock_file.with_suffix(".clock.tmp")
        tmp.write_text(self.clock.now().isoformat())
        tmp.replace(self._clock_file)

    def close(self) -> None:
        self.engine.db.dispose()



class Sandboxes:
    """The sandboxes of an application, by name (e.g. ``draft-12``), made on first use."""

    def __init__(self, directory: Path | str, outside: WorkflowEngine | None = None) -> None:
        self.directory = Path(directory)
        self.outside = outside
        self._open: dict[str, Sandbox] = {}
        self._lock = threading.Lock()

    def get(self, name: str, start: datetime) -> Sandbox:
        """The sandbox ``name``; a new one's clock starts at ``start``."""
        if not _NAME.match(name):
            raise InvalidInput(f"not a sandbox name: {name!r}", {"name": "invalid"})
        with self._lock:
            found = self._open.get(name)
            if found is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                found = self._open[name] = Sandbox(self.directory, name, start, self.outside)
            return found

    def exists(self, name: str) -> bool:
        return bool(_NAME.match(name)) and (self.directory / f"{name}.sqlite3").exists()

    def discard(self, name: str) -> None:
        """Remove a sandbox and its files (nothing happens if there is none)."""
        if not _NAME.match(name):
            return
        with self._lock:
            found = self._open.pop(name, None)
            if found is not None:
                found.close()
            for path in _files(self.directory, name):
                path.unlink(missing_ok=True)

    def idle(self, before: datetime) -> list[str]:
        """The sandboxes none of whose files changed since ``before`` (retention: test cases a
        designer may have typed real details into are not kept forever)."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob("*.sqlite3"):
            times = [p.stat().st_mtime for p in _files(self.directory, path.stem) if p.exists()]
            if _NAME.match(path.stem) and datetime.fromtimestamp(max(times), UTC) < before:
                found.append(path.stem)
        return sorted(found)

    def close(self) -> None:
        with self._lock:
            for sandbox in self._open.values():
                sandbox.close()
            self._open.clear()


def _files(directory: Path, name: str) -> list[Path]:
    database = directory / f"{name}.sqlite3"
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm"),
            directory / f"{name}.clock", directory / f"{name}.clock.tmp"]
