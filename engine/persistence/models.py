"""The schema. The workflow state is one JSON text per case; the rest are read models that the
inbox, the scheduler and the history query, written in the same transaction as the state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import text

from engine.views.cases import is_protected

OPEN_PARTICIPANT = "participant_key IS NOT NULL AND status IN ('open', 'paused')"


def participant_name(participant: dict[str, Any] | None) -> str | None:
    """What :attr:`CaseRow.participant_name` holds for a participant: the name in lower case (every
    letter, Å as well as A), one space between words; None without one."""
    name = (participant or {}).get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    return " ".join(name.split()).lower()[:500]


def participant_sort_keys(participant: dict[str, Any] | None, key: str | None) -> dict[str, str | None]:
    """What :attr:`CaseRow.participant_sort_name` and :attr:`CaseRow.participant_sort_key` hold for a
    participant: the name (as :func:`participant_name` writes it) and the key as a list sorted by
    them orders the case, both empty for a protected identity (``participant.skyddad``), which sorts
    where an unknown name would stand, not where the person's stands."""
    if is_protected(participant):
        return {"participant_sort_name": "", "participant_sort_key": ""}
    return {"participant_sort_name": participant_name(participant), "participant_sort_key": key}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ProcessVersionRow(Base):
    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_versions_key_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{"name", "content"}], BPMN and DMN
    # The parsed spec as the serializer's dict, so that a new process need not parse the sources.
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(200))


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # One open (or paused) case per participant and intervention, enforced by the database too.
        Index(
            "uq_cases_open_participant", "process_key", "participant_key", unique=True,
            sqlite_where=text(OPEN_PARTICIPANT), postgresql_where=text(OPEN_PARTICIPANT),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    process_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # indexed with created_at, below
    participant_key: Mapped[str | None] = mapped_column(String(200), nullable=True)  # indexed below
    participant: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The participant's name as searched and sorted (``participant_name``): lower case, one space
    # between words; kept beside the JSON so that a search or a sort reads a narrow index, not every
    # case's row. Erased with the participant.
    participant_name: Mapped[str | None] = mapped_column(String(500), nullable=True)  # indexed below
    # What the case list sorts by (:func:`participant_sort_keys`): the name and the key, or empty for a
    # protected identity. Kept as columns so that a sorted list walks an index and stops at its page,
    # where an expression over the participant's JSON had every case of the list sorted.
    participant_sort_name: Mapped[str | None] = mapped_column(String(500), nullable=True)  # indexed below
    participant_sort_key: Mapped[str | None] = mapped_column(String(200), nullable=True)  # indexed below
    started_by: Mapped[str] = mapped_column(String(200), index=True, default="system")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The workflow's state: SpiffWorkflow's JSON without the spec, zlib-compressed (engine/spiff/state.py);
    # a row written before compression holds the JSON as UTF-8 bytes, and still loads. Empty: no state.
    # SQLite keeps bytes in a column declared TEXT, as this one was made: declaring it again would copy
    # the table, which the foreign keys pointing at cases forbid inside a migration.
    state: Mapped[bytes] = mapped_column(LargeBinary().with_variant(Text(), "sqlite"))
    serializer_version: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    incident: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    waiting_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The waiting timers as the case view shows them ([{"id", "element", "title", "due_at"}]); the
    # timers table holds the same for queries across cases and is rewritten only when this changes.
    waiting_timers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# The case list's default order (newest first), for everyone, for one intervention's staff and for
# one referrer, each walked in order and stopped at the page's end.
Index("ix_cases_created", CaseRow.created_at, CaseRow.id)
Index("ix_cases_status_created", CaseRow.status, CaseRow.created_at, CaseRow.id)
# A search by the participant's name or number reads one of these alone (the case id is in it).
Index("ix_cases_participant_name", CaseRow.participant_name, CaseRow.id)
Index("ix_cases_participant_key", CaseRow.participant_key, CaseRow.id)
# The list sorted by name or number walks these, stopping at its page: everyone's, one intervention's.
Index("ix_cases_sort_name", CaseRow.participant_sort_name)
Index("ix_cases_sort_key", CaseRow.participant_sort_key)
Index("ix_cases_process_sort_name", CaseRow.process_key, CaseRow.participant_sort_name)
Index("ix_cases_process_sort_key", CaseRow.process_key, CaseRow.participant_sort_key)
Index("ix_cases_process_created", CaseRow.process_key, CaseRow.created_at, CaseRow.id)
Index("ix_cases_started_by_created", CaseRow.started_by, CaseRow.created_at, CaseRow.id)


class HumanTaskRow(Base):
    """An open user task. Deleted when completed or cancelled: the inbox only ever scans open work."""

    __tablename__ = "human_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))  # indexed with the inbox order, below
    element: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    lane: Mapped[str | None] = mapped_column(String(200), nullable=True)
    candidate_groups: Mapped[list[str]] = mapped_column(JSON)
    candidate_users: Mapped[list[str]] = mapped_column(JSON)
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)  # indexed with the inbox order
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The inbox order as one indexed key: the due date, or NO_DUE_DATE for tasks without one (last),
    # so that both databases can walk the index in order and stop at the page's end.
    inbox_order: Mapped[datetime] = mapped_column(UTCDateTime)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The deadline watcher's to-do: set from follow_up_at/due_at, cleared once the reminder or the
    # escalation has been written, so each is sent once.
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    escalate_to: Mapped[list[str]] = mapped_column(JSON, default=list)  # role names


Index("ix_human_tasks_inbox_order", HumanTaskRow.inbox_order, HumanTaskRow.created_at, HumanTaskRow.id)
# The same order within one intervention: what a staff member's inbox asks for.
Index("ix_human_tasks_process_inbox_order", HumanTaskRow.process_key, HumanTaskRow.inbox_order,
      HumanTaskRow.created_at, HumanTaskRow.id)

# One person's tasks within their interventions in the inbox order ("Mina uppgifter").
Index("ix_human_tasks_assignee_inbox_order", HumanTaskRow.assignee, HumanTaskRow.process_key, HumanTaskRow.inbox_order,
      HumanTaskRow.created_at, HumanTaskRow.id)
# The unclaimed tasks of an intervention in the inbox order: the group tab (and the filter "not
# claimed") walk these alone, not the claimed tasks between them (most tasks at 100,000 open cases).
Index("ix_human_tasks_unclaimed_order", HumanTaskRow.process_key, HumanTaskRow.inbox_order, HumanTaskRow.created_at,
      HumanTaskRow.id, sqlite_where=HumanTaskRow.assignee.is_(None), postgresql_where=HumanTaskRow.assignee.is_(None))
# The kinds of open task (process, element, and the title the filter shows), found by a skip scan.
Index("ix_human_tasks_process_element_title", HumanTaskRow.process_key, HumanTaskRow.element, HumanTaskRow.title)

#: Sorts after every real due date.
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


class TaskCandidateRow(Base):
    """One candidate group or user of an open task, so the inbox finds "my groups' tasks" by index."""

    __tablename__ = "task_candidates"

    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # group | user
    name: Mapped[str] = mapped_column(String(200), primary_key=True)

    __table_args__ = (Index("ix_task_candidates_kind_name", "kind", "name"),)


class TimerRow(Base):
    """A waiting timer of a case and when it falls due (for the case view and the operations view)."""

    __tablename__ = "timers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the waiting event's task id
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    element: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StartTimerRow(Base):
    """A process that opens its cases itself: the timer of its newest version's start event and
    when it next opens a case (docs/modeling.md, "Opening cases on a rhythm")."""

    __tablename__ = "start_timers"

    process_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    element: Mapped[str] = mapped_column(String(200))  # the start event's id
    kind: Mapped[str] = mapped_column(String(10))  # date | duration | cycle
    definition: Mapped[str] = mapped_column(Text)  # the timer's text as the model says it
    anchor: Mapped[datetime] = mapped_column(UTCDateTime)  # what a duration or a cycle counts from
    fired: Mapped[int] = mapped_column(Integer)  # occurrences past (opened, or skipped in a catch-up)
    skipped: Mapped[int] = mapped_column(Integer)  # of those, missed and left out of a catch-up
    opened: Mapped[int] = mapped_column(Integer)  # cases it has opened (since its timer last changed)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)  # None: done
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseEventRow(Base):
    """The append-only history of every case."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(200))
    element: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class FollowUpRow(Base):
    """The follow-up's read model: one row per case with what the förbund's figures count, as the
    model's indicators (process properties ``uppfoljning.*``) name it, written in the same
    transaction as the step that changed it. No foreign key: the row outlives the case's personal
    data (a purge keeps the anonymous figures)."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_process_referred", "process_key", "referred_on"),
        Index("ix_follow_up_process_ended", "process_key", "ended_on"),
        Index("ix_follow_up_process_reply_due", "process_key", "reply_due_on"),
    )

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    referred_on: Mapped[date] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    gender: Mapped[str | None] = mapped_column(String(50), nullable=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    municipality: Mapped[str | None] = mapped_column(String(200), nullable=True)
    authority: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(50), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reply_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    replied_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpContactRow(Base):
    """A month in which the follow-up's contact task (``uppfoljning.manadskontakt``, the monthly
    contact with the referrer) was done in a case: written with the step that completed it."""

    __tablename__ = "follow_up_contacts"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, Stockholm time


class NotificationRow(Base):
    """A reminder, an escalation or a notice to a user or to a role of an intervention.

    The unique key makes "at most once" a property of the table, whatever the workers do.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder | escalation | notice | invitation
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(10))  # user | group
    recipient: Mapped[str] = mapped_column(String(200))  # indexed with created_at, below
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    dedupe_key: Mapped[str] = mapped_column(String(300))


# A person's notifications, newest first, one recipient (a user or a role) at a time.
Index("ix_notifications_recipient_created", NotificationRow.recipient, NotificationRow.created_at, NotificationRow.id)


class DeliveryRow(Base):
    """The outbox: one row per notification and channel, written in the notification's transaction,
    and one row per mail once the delivery worker has looked up who the recipient is.

    A notification's row (``address`` NULL) is *expanded* into one row per person with an e-mail
    address; those rows are what is sent. ``dedupe_key`` is unique: a person gets one mail per
    topic (a task's escalation, a model notice, a day's digest), however many ways it was addressed.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_deliveries_dedupe_key"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    notification_id: Mapped[str | None] = mapped_column(ForeignKey("notifications.id"), nullable=True, index=True)
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder | escalation | notice | invitation | digest
    channel: Mapped[str] = mapped_column(String(10))  # email
    topic: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    process_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    recipient_kind: Mapped[str] = mapped_column(String(10))  # user | group
    recipient: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(200), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    address: Mapped[str | None] = mapped_column(String(254), nullable=True)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # A meeting for a calendar invitation: {"uid", "start", "all_day", "summary", "location"}.
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # pending | sent | failed | discarded | expanded (into one row per person) | skipped (no one to mail)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set just before the message itself is handed to the SMTP server, cleared once its answer is
    # known. Found set under an expired lease, it means a worker died not knowing whether the
    # server took the mail: the retry counts as uncertain (the mail may arrive twice).
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    uncertain_sends: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handled_by: Mapped[str | None] = mapped_column(String(200), nullable=True)  # who retried or discarded it
    dedupe_key: Mapped[str] = mapped_column(String(300))


class WorkerRow(Base):
    """A scheduler process's heartbeat, for the operations view (rows of long-gone workers are pruned)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_tick_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ticks: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CaseMessageRow(Base):
    """A message or signal one case sent to others, written with the sending step and delivered
    after it (engine/cases/case_messages.py): each delivery marks its row in the receiving case's
    own transaction, so a message is neither lost by a crash nor delivered twice."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_case_id: Mapped[str] = mapped_column(String(36), index=True)
    element: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # message | signal
    name: Mapped[str] = mapped_column(String(200))
    to_process: Mapped[str] = mapped_column(String(200))
    # None: every case of to_process waiting for it (or a new case, if the process starts on it)
    to_case: Mapped[str | None] = mapped_column(String(36), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None while it waits to be delivered; then delivered | started | not_waiting | no_receiver | shared
    # (a message to every waiting case, shared out as one row per case)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_to: Mapped[str | None] = mapped_column(String(36), nullable=True)
