"""Rows to views: the only place that knows both the tables and the frozen views handed out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.persistence.models import CaseRow, HumanTaskRow
from engine.views import Case, Form, Incident, Task, Timer
from engine.views.cases import WAITING_SIGNAL


def task_view(row: HumanTaskRow) -> Task:
    return Task(
        id=row.id, case_id=row.case_id, process_key=row.process_key, name=row.element, title=row.title,
        candidate_groups=tuple(row.candidate_groups), candidate_users=tuple(row.candidate_users),
        assignee=row.assignee, due_at=row.due_at, follow_up_at=row.follow_up_at, created_at=row.created_at,
        form=Form.from_json(row.form), lane=row.lane,
    )


def timer_views(row: CaseRow) -> tuple[Timer, ...]:
    return tuple(Timer(row.id, t["element"], t["title"], datetime.fromisoformat(t["due_at"]))
                 for t in row.waiting_timers or ())


def case_view(row: CaseRow, tasks: Sequence[Task] = ()) -> Case:
    incident = None
    if row.incident:
        incident = Incident(row.incident["element"], row.incident["message"],
                            datetime.fromisoformat(row.incident["at"]), row.incident.get("traceback"))
    return Case(
        id=row.id, process_key=row.process_key, process_version=row.process_version, status=row.status,
        participant=dict(row.participant), started_by=row.started_by, data=dict(row.data), created_at=row.created_at,
        updated_at=row.updated_at, next_due_at=row.next_due_at, incident=incident,
        open_tasks=tuple(tasks), timers=timer_views(row),
        waiting_messages=tuple(m for m in row.waiting_messages or () if not m.startswith(WAITING_SIGNAL)),
        waiting_signals=tuple(m[len(WAITING_SIGNAL):] for m in row.waiting_messages or ()
                              if m.startswith(WAITING_SIGNAL)),
        revision=row.revision, closed_at=row.closed_at,
    )
