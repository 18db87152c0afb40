"""The follow-up as the engine offers it (``engine.follow_up``): the indicators a process declares,
the rows of a period and their figures, and rows for cases from before the read model existed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from engine.cases import follow_up_rows
from engine.cases.catalog import Catalog
from engine.cases.follow_up_figures import assemble, born_in
from engine.persistence import followup_store, store
from engine.persistence.db import Database
from engine.views.followup import UNKNOWN, Figures, Filters, FollowUpRow, GroupStart, Indicators, Period


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _none(value: str | None) -> str | None:
    """A filter's value as the column holds it: "okänd" (unknown) is no value ("")."""
    return "" if value == UNKNOWN else value


class FollowUp:
    def __init__(self, db: Database, catalog: Catalog) -> None:
        self.db = db
        self.catalog = catalog

    def indicators(self, process_key: str) -> Indicators:
        """What the newest version of ``process_key`` declares (nothing for an unknown process)."""
        with self.db.reading() as session:
            version = store.latest_version(session, process_key)
            version_id = version.id if version is not None else None
        return self.catalog.indicators(version_id) if version_id is not None else Indicators()

    def reported(self, process_keys: Sequence[str] | None = None) -> list[str]:
        """The processes (of ``process_keys``, or all) whose newest version declares indicators."""
        with self.db.reading() as session:
            keys = [v.key for v in store.latest_versions(session)]
        return [k for k in keys if (process_keys is None or k in process_keys) and self.indicators(k).declared]

    def rows(self, period: Period, process_keys: Sequence[str] | None) -> list[FollowUpRow]:
        with self.db.reading() as session:
            return followup_store.rows(session, process_keys, period.first, period.last)

    def figures(self, period: Period, filters: Filters) -> Figures:
        """The period's figures for the processes of ``filters`` (all that declare indicators when
        None). Several processes counted together share the age bands and goals of the first."""
        keys = list(filters.process_keys) if filters.process_keys is not None else self.reported()
        indicators = self.indicators(keys[0]) if keys else Indicators()
        equal = {"gender": _none(filters.gender), "municipality": _none(filters.municipality),
                 "authority": _none(filters.authority)}
        born = born_in(filters.age_band, indicators.age_bands, period.last) if filters.age_band else None
        if filters.age_band and born is None:  # "okänd", or a band of no one: none of the bands
            equal["birth_year"] = "" if filters.age_band == UNKNOWN else None
            born = (0, -1) if filters.age_band != UNKNOWN else None
        with self.db.reading() as session:
            counted = followup_store.counted(session, keys, period.first, period.last, equal=equal, born=born)
        return replace(assemble(counted, period, indicators, filters), group_starts=self.group_starts(period, keys))

    def group_starts(self, period: Period, process_keys: Sequence[str]) -> tuple[GroupStart, ...]:
        """The group starts in the period of the journeys ``process_keys``: the cases of every process
        that declares it starts their groups (``uppfoljning.insats``), by date."""
        with self.db.reading() as session:
            keys = [v.key for v in store.latest_versions(session)]
        found: list[GroupStart] = []
        for key in keys:
            groups = self.indicators(key)
            if groups.group_start is None or (groups.group_of or key) not in process_keys:
                continue
            fields = [f for f in (groups.group_start, groups.proposed, groups.selected) if f]
            with self.db.reading() as session:
                cases = followup_store.group_starts(session, key, fields)
            for case_id, data in cases:
                day = _day(data.get(groups.group_start))
                if day is not None and period.holds(day):
                    found.append(GroupStart(case_id, day, _count(data.get(groups.proposed or "")),
                                            _count(data.get(groups.selected or ""))))
        return tuple(sorted(found, key=lambda g: (g.day, g.case_id)))

    def backfill(self, batch: int = 500) -> int:
        """Write the rows of cases that have none (cases from before the read model): from what
        the case holds, without loading its workflow. Returns how many were written."""
        keys = self.reported()
        written = 0
        while keys:
            with self.db.transaction() as session:
                cases = followup_store.cases_without_rows(session, keys, batch)
                rows = [follow_up_rows.row_values(
                    self.catalog.indicators(case.process_version_id, session), case_id=case.id,
                    process_key=case.process_key, status=case.status, created_at=case.created_at,
                    closed_at=case.closed_at, data=case.data or {}, open_tasks=(), completed=(), now=case.updated_at,
                ) for case in cases]
                followup_store.write(session, rows)
            written += len(rows)
            if len(cases) < batch:
                break
        return written
