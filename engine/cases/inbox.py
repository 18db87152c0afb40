"""The task inbox: a person's open tasks by tab (mine, my groups', all of my interventions), with
filters, counts per tab and paging, earliest due first, each with its participant's name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from engine.clock import Clock
from engine.language.timers import LOCAL_TZ
from engine.persistence import inbox_store, store
from engine.persistence.db import Database
from engine.persistence.mapping import task_view
from engine.views import consent
from engine.views.cases import participant_label
from engine.views.inbox import COUNT_CAP, DUE_SOON, TABS, InboxPage, InboxRow, TaskFilter, TaskKind


def on_hold(case_status: str, pausing_element: str | None, element: str) -> bool:
    """Whether a task of a case waits for the case to go on: the case is paused, and not by this very
    task (a task the model marks ``pausar_arendet`` is the work of the pause, so it stays workable).
    Such a task can be neither taken nor completed."""
    return case_status == "paused" and pausing_element != element


class Inbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def page(self, query: TaskFilter, *, due: str | None = None, limit: int = 50, offset: int = 0,
             count_cap: int = COUNT_CAP, other_tabs_cap: int | None = None) -> InboxPage:
        """One page of a tab. ``due``: overdue | soon | None (any). The tab is counted up to
        ``count_cap + 1``, the other tabs up to ``other_tabs_cap + 1`` (default: the same): a count
        above its cap means "more than that" (``InboxPage.capped``)."""
        others = count_cap if other_tabs_cap is None else other_tabs_cap
        now = self.clock.now()
        if due == "overdue":
            query = replace(query, due_before=now)
        elif due == "soon":
            query = replace(query, due_from=now, due_before=now + DUE_SOON)
        limit = max(1, min(limit, 200))
        offset = max(0, offset)
        with self.db.reading() as session:
            cases = inbox_store.participant_cases(session, query)
            found = inbox_store.page(session, query, limit + 1, offset, cases)
            more = len(found) > limit
            found = found[:limit]
            counts = {tab: inbox_store.count(session, query, tab, cases=cases,
                                             cap=(count_cap if tab == query.tab else others) + 1) for tab in TABS}
            pausing = store.pausing_elements(session, [c.id for _, c in found if c.status == "paused"])
            today = now.astimezone(LOCAL_TZ).date()
            rows = tuple(
                InboxRow(task_view(t), participant_label(c.participant), c.status,
                         on_hold=on_hold(c.status, pausing.get(c.id), t.element),
                         consent_withdrawn=consent.withdrawn(c.data, today))
                for t, c in found
            )
        return InboxPage(rows, counts, counts.get(query.tab, 0), offset, limit, now, count_cap, more, query.tab,
                         others)

    def row(self, task_id: str) -> InboxRow | None:
        """One open task as an inbox row (None once it is closed), whatever tab it belongs to."""
        with self.db.reading() as session:
            found = store.case_of_task(session, task_id)
            if found is None:
                return None
            task, case = found
            pausing = store.pausing_elements(session, [case.id]) if case.status == "paused" else {}
            return InboxRow(task_view(task), participant_label(case.participant), case.status,
                            on_hold=on_hold(case.status, pausing.get(case.id), task.element),
                            consent_withdrawn=consent.withdrawn(case.data,
                                                                self.clock.now().astimezone(LOCAL_TZ).date()))

    def overdue(self, process_keys: Sequence[str] | None) -> list[tuple[TaskKind, int]]:
        """Each kind of open task past its due date now, and how many (the follow-up's overdue work)."""
        with self.db.reading() as session:
            found = inbox_store.overdue_counts(session, process_keys, self.clock.now())
        return [(TaskKind(k, e, t), n) for k, e, t, n in found]

    def task_kinds(self, process_keys: Sequence[str] | None) -> list[TaskKind]:
        with self.db.reading() as session:
            return [TaskKind(*row) for row in inbox_store.task_names(session, process_keys)]
