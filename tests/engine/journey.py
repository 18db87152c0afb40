"""A small driver that lets engine tests read like the journey they check.

Every scenario runs twice: ``straight`` keeps one engine object throughout; ``restored`` builds a
fresh engine object (empty caches, nothing in memory) before every step, so that everything the
journey needs must have come back from the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.language.timers import parse_duration
from engine.persistence.db import Database
from engine.views import Case, CaseEvent, SourceFile, Task
from tests.bpmn import BPMN_DIR
from tests.registrations import registered

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(day: str, time: str = "00:00") -> datetime:
    """A Stockholm wall-clock moment, as the engine stores it (UTC)."""
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=STOCKHOLM).astimezone(UTC)


def move_to(journey: Journey, day: str, time: str = "09:00") -> None:
    """Let time pass until that moment in Stockholm, firing everything that falls due on the way."""
    journey.advance(local(day, time) - journey.clock.now())


class Journey:
    def __init__(self, database_url: str, start: datetime, restored: bool) -> None:
        self.db = Database(database_url)
        self.db.migrate()
        self.clock = SimulatedClock(start)
        self.restored = restored
        self._engine = WorkflowEngine(self.db, clock=self.clock, migrate=False)

    @property
    def engine(self) -> WorkflowEngine:
        if self.restored:
            self._engine = WorkflowEngine(self.db, clock=self.clock, migrate=False)
        return self._engine

    def deploy(self, *names: str, actor: str = "designer") -> None:
        files = [SourceFile(n, (BPMN_DIR / n).read_bytes()) for n in names]
        self.engine.deploy(files, actor)

    def start(self, key: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Case:
        """Start a case; a shipped journey with what its registration records (tests/registrations.py)."""
        return self.engine.start_case(key, data=registered(key) if data is None else data, actor="handläggare",
                                      **kwargs)

    def case(self, case: Case | str) -> Case:
        return self.engine.case(case if isinstance(case, str) else case.id)

    def task(self, case: Case | str, name: str) -> Task:
        current = self.case(case)
        matches = [t for t in current.open_tasks if t.name == name]
        assert matches, f"no open task {name!r}; open: {[t.name for t in current.open_tasks]}"
        return matches[0]

    def open_task_names(self, case: Case | str) -> list[str]:
        return sorted(t.name for t in self.case(case).open_tasks)

    def complete(self, case: Case | str, name: str, data: dict[str, Any] | None = None,
                 actor: str = "handläggare") -> Case:
        return self.engine.complete_task(self.task(case, name).id, data or {}, actor)

    def advance(self, duration: str | timedelta) -> int:
        """Let time pass (an ISO 8601 duration such as "P14D"), firing all that falls due on the way."""
        if isinstance(duration, str):
            target = parse_duration(duration).add_to(self.clock.now())
            return self.engine.advance_clock(to=target)
        return self.engine.advance_clock(duration)

    def history(self, case: Case | str, event: str | None = None) -> list[CaseEvent]:
        events = self.engine.history(case if isinstance(case, str) else case.id)
        return [e for e in events if event is None or e.event == event]
