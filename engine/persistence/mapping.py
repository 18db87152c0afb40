"""Rows to views: the only place that knows both the tables and the frozen views handed out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from engine.persistence.models import CaseRow, HumanTaskRow
from engine.views import Case, FieldOption, Form, FormField, Incident, Task, Timer


def form_view(raw: Mapping[str, Any]) -> Form:
    return Form(tuple(
        FormField(
            id=f["id"], label=f["label"], type=f["type"], required=f["required"],
            options=tuple(FieldOption(o["id"], o["label"]) for o in f.get("options", [])),
            default=f.get("default"), readonly=f.get("readonly", False), min=f.get("min"), max=f.get("max"),
            minlength=f.get("minlength"), maxlength=f.get("maxlength"),
        )
        for f in raw.get("fields", [])
    ))


def form_to_json(form: Form) -> dict[str, Any]:
    """A form as stored with its task and as the API shows it (the inverse of :func:`form_view`)."""
    return {"fields": [
        {
            "id": f.id, "label": f.label, "type": f.type, "required": f.required,
            "options": [{"id": o.id, "label": o.label} for o in f.options],
            "default": f.default, "readonly": f.readonly, "min": f.min, "max": f.max,
            "minlength": f.minlength, "maxlength": f.maxlength,
        }
        for f in form.fields
    ]}


def task_view(row: HumanTaskRow) -> Task:
    return Task(
        id=row.id, case_id=row.case_id, process_key=row.process_key, name=row.element, title=row.title,
        candidate_groups=tuple(row.candidate_groups), candidate_users=tuple(row.candidate_users),
        assignee=row.assignee, due_at=row.due_at, follow_up_at=row.follow_up_at, created_at=row.created_at,
        form=form_view(row.form), lane=row.lane,
    )


def timer_views(row: CaseRow) -> tuple[Timer, ...]:
    return tuple(Timer(row.id, t["element"], t["title"], datetime.fromisoformat(t["due_at"]))
                 for t in row.waiting_timers or ())


def case_view(row: CaseRow, tasks: Sequence[Task] = ()) -> Case:
    incident = None
    if row.incident:
        incident = Incident(row.incident["element"], row.incident["message"],
                            datetime.fromisoformat(row.incident["at"]))
    return Case(
        id=row.id, process_key=row.process_key, process_version=row.process_version, status=row.status,
        participant=dict(row.participant), started_by=row.started_by, data=dict(row.data), created_at=row.created_at,
        updated_at=row.updated_at, next_due_at=row.next_due_at, incident=incident,
        open_tasks=tuple(tasks), timers=timer_views(row), waiting_messages=tuple(row.waiting_messages or ()),
    )
