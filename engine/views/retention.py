"""Retention (gallring): what a purge would remove, and what it removed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DueCase:
    """A closed case past its retention: which, of which process, closed when."""

    id: str
    process_key: str
    status: str
    closed_at: datetime


@dataclass(frozen=True)
class PurgePlan:
    """The cases a purge at ``at`` removes the personal data of (oldest closing first)."""

    at: datetime
    cases: tuple[DueCase, ...]

    @property
    def case_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.cases)

    def by_process(self) -> dict[str, list[str]]:
        """The case ids by process key (the purge's audit)."""
        found: dict[str, list[str]] = {}
        for case in self.cases:
            found.setdefault(case.process_key, []).append(case.id)
        return found
