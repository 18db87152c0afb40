"""What the engine hands out: frozen views, never ORM rows or SpiffWorkflow objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    """A reminder, an escalation, a model's notice or a meeting invitation, to a user or to a role of
    an intervention. This is the in-app message; mails of it are :class:`Delivery` rows."""

    id: str
    kind: str  # reminder | escalation | notice | invitation
    case_id: str
    task_id: str | None
    process_key: str
    recipient_kind: str  # user | group
    recipient: str
    subject: str
    created_at: datetime
    body: str = ""


@dataclass(frozen=True)
class DueRun:
    """What one scheduler run did."""

    timers: int
    reminders: int
    escalations: int


@dataclass(frozen=True)
class DeliveryRun:
    """What one delivery run did."""

    expanded: int = 0  # notifications' deliveries split into mails
    digests: int = 0
    sent: int = 0
    retried: int = 0  # attempts that failed and wait for their next try
    failed: int = 0  # gave up

    @property
    def busy(self) -> bool:
        return bool(self.expanded or self.digests or self.sent or self.retried or self.failed)


@dataclass(frozen=True)
class Delivery:
    """One row of the outbox: a notification's delivery by a channel, or one mail to one person.

    ``status``: pending (to be sent, at ``next_attempt_at``), sent, failed (gave up; ``last_error``
    says why), discarded (by an operator), expanded (a notification's delivery, split into one mail
    per person) or skipped (nobody to mail: no e-mail address, or a digest with nothing due).
    ``uncertain_sends`` counts attempts whose outcome was lost (a worker died while handing the
    mail to the server, or the connection broke during DATA): the mail may have arrived more than
    once, each copy with the same Message-ID.
    """

    id: str
    kind: str  # reminder | escalation | notice | invitation | digest
    channel: str
    status: str
    case_id: str | None
    process_key: str | None
    recipient_kind: str
    recipient: str
    username: str | None
    address: str | None
    subject: str
    attempts: int
    uncertain_sends: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    handled_by: str | None
    notification_id: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True)
class Worker:
    """A scheduler process as its last heartbeat left it."""

    id: str
    started_at: datetime
    last_tick_at: datetime
    ticks: int
    last_error: str | None


@dataclass(frozen=True)
class SchedulerHealth:
    """Whether time is being kept: the newest tick of any worker, and how far behind the work is
    (how long the oldest due timer and the oldest due mail have waited; zero when nothing waits)."""

    last_tick_at: datetime | None
    timer_lag: timedelta
    delivery_lag: timedelta
    workers: tuple[Worker, ...]


@dataclass(frozen=True)
class OperationsOverview:
    """What the operations page shows, as of ``now``."""

    now: datetime
    due_timers: tuple[Timer, ...]  # due and not yet fired, oldest first
    due_timer_count: int
    pending_deliveries: tuple[Delivery, ...]  # waiting: mails, and notifications not yet expanded (no address)
    failed_deliveries: tuple[Delivery, ...]  # newest first, with their error
    delivery_counts: dict[str, int]  # mails and notification deliveries by status
    scheduler: SchedulerHealth
