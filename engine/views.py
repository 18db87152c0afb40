"""What the engine hands out: frozen views, never ORM rows or SpiffWorkflow objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FieldOption:
    id: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One field of a user task's form, as the BPMN declares it (``camunda:formField``)."""

    id: str
    label: str
    type: str  # string | long | boolean | date | enum
    required: bool = False
    options: tuple[FieldOption, ...] = ()
    default: str | None = None
    readonly: bool = False
    min: str | None = None  # a number for long, an ISO date for date
    max: str | None = None
    minlength: int | None = None
    maxlength: int | None = None


@dataclass(frozen=True)
class Form:
    fields: tuple[FormField, ...] = ()

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class ProcessVersion:
    key: str
    name: str
    version: int
    content_hash: str
    deployed_at: datetime
    deployed_by: str


@dataclass(frozen=True)
class Task:
    """An open human task: the inbox read model."""

    id: str
    case_id: str
    process_key: str
    name: str  # the BPMN element id
    title: str
    candidate_groups: tuple[str, ...]
    candidate_users: tuple[str, ...]
    assignee: str | None
    due_at: datetime | None
    follow_up_at: datetime | None
    created_at: datetime
    form: Form
    lane: str | None = None


@dataclass(frozen=True)
class Timer:
    """A waiting timer of a case and when it falls due."""

    case_id: str
    element: str
    title: str
    due_at: datetime


@dataclass(frozen=True)
class CaseEvent:
    """One line of a case's append-only history."""

    id: int
    case_id: str
    at: datetime
    event: str  # past tense: CaseStarted, TaskCompleted, TimerFired, …
    actor: str
    element: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Incident:
    element: str
    message: str
    at: datetime


@dataclass(frozen=True)
class Case:
    id: str
    process_key: str
    process_version: int
    status: str  # open | paused | completed | cancelled
    participant: dict[str, Any]
    started_by: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    next_due_at: datetime | None
    incident: Incident | None
    open_tasks: tuple[Task, ...] = field(default=())
    timers: tuple[Timer, ...] = field(default=())
    waiting_messages: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Notification:
    """A reminder, an escalation or a notice, to a user or to a role of an intervention."""

    id: str
    kind: str  # reminder | escalation | info
    case_id: str
    task_id: str | None
    process_key: str
    recipient_kind: str  # user | group
    recipient: str
    subject: str
    created_at: datetime


@dataclass(frozen=True)
class DueRun:
    """What one scheduler run did."""

    timers: int
    reminders: int
    escalations: int
