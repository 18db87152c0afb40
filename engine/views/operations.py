"""What the operations page shows: mails and their deliveries, workers and the scheduler's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.views.cases import Timer


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
class AutomaticStart:
    """A process that opens its cases itself, on its timer start event: when it opens the next one."""

    process_key: str
    version: int
    element: str  # the timer start event
    definition: str  # its timer, as the model says it (R/P6W)
    next_due_at: datetime | None  # None: it opens no more
    opened: int  # cases opened so far (since its timer last changed: a changed timer counts afresh)
    skipped: int  # occurrences missed while the scheduler was down and left out of its catch-up
    last_error: str | None  # why the last occurrence could not open its case, if it could not


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
    automatic_starts: tuple[AutomaticStart, ...] = ()  # processes that open their cases themselves, next first
