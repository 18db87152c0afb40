"""What happens to a case, in the past tense: the events its history keeps.

Each event is a frozen value naming what it is about. The history stores one as its name (the
class name, :attr:`Event.event`), the element it concerns (:meth:`Event.element_of`) and its other
fields as JSON details; :class:`engine.views.CaseEvent` reads them back. A reader compares the
stored name with the class: ``entry.event == TimerFired.event``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    """Something that happened to a case."""

    #: The name the history stores: the class name.
    event: ClassVar[str] = "Event"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.event = cls.__name__

    def element_of(self) -> str | None:
        """The BPMN element the event concerns, if any."""
        element = getattr(self, "element", None)
        return element if isinstance(element, str) else None

    def details(self) -> dict[str, Any]:
        """Everything else the event says, as the history keeps it."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "element"}


# --- the case as a whole -------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseStarted(Event):
    process: str


@dataclass(frozen=True)
class CaseCompleted(Event):
    pass


@dataclass(frozen=True)
class CaseCancelled(Event):
    reason: str


@dataclass(frozen=True)
class CasePaused(Event):
    """The case stands still: by a person (with a reason), or while a task of the model that pauses
    the case (``pausar_arendet``, its element here) is open."""

    reason: str
    element: str | None = None


@dataclass(frozen=True)
class CaseResumed(Event):
    """The case goes on; its timers and deadlines moved on by the calendar days it was paused."""

    paused_days: int = 0


@dataclass(frozen=True)
class CaseMigrated(Event):
    """A process designer moved the case to another version of its process."""

    from_version: int
    to_version: int
    note: str
    changed_tasks: tuple[str, ...]
    recomputed_timers: tuple[str, ...]


@dataclass(frozen=True)
class DataCorrected(Event):
    data: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class ConsentRenewed(Event):
    """The participant renewed their consent (engine.views.consent): its day, scope and last day."""

    given: str
    scope: str
    valid_until: str
    reason: str


@dataclass(frozen=True)
class IncidentRaised(Event):
    element: str | None
    message: str


@dataclass(frozen=True)
class IncidentResolved(Event):
    pass


@dataclass(frozen=True)
class IdentityProtectionChanged(Event):
    """The participant's identity was protected (skyddade personuppgifter) or no longer is, and who
    is named on the case as allowed to know it (user names)."""

    protected: bool
    named: tuple[str, ...]
    reason: str


# --- people's tasks ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskCreated(Event):
    element: str
    task_id: str
    title: str


@dataclass(frozen=True)
class TaskClaimed(Event):
    element: str
    task_id: str
    assignee: str | None
    previous: str | None


@dataclass(frozen=True)
class TaskUnclaimed(Event):
    element: str
    task_id: str
    assignee: str | None
    previous: str | None


@dataclass(frozen=True)
class TaskAssigned(Event):
    """A team leader gave the task to someone, or back to its groups."""

    element: str
    task_id: str
    assignee: str | None
    previous: str | None


@dataclass(frozen=True)
class TaskCompleted(Event):
    element: str
    task_id: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class TaskWithdrawn(Event):
    """The task went away undone: the case closed, an event interrupted its activity, or the
    activity it belonged to ended."""

    element: str
    task_id: str
    title: str


@dataclass(frozen=True)
class TaskReminded(Event):
    """The task's follow-up date came: its assignee (or groups) were reminded."""

    element: str
    task_id: str
    to: tuple[str, ...]


@dataclass(frozen=True)
class TaskEscalated(Event):
    """The task's due date passed undone: the escalation roles were told."""

    element: str
    task_id: str
    to: tuple[str, ...]


# --- time and messages ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TimerFired(Event):
    element: str
    due_at: datetime


@dataclass(frozen=True)
class MessageReceived(Event):
    name: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class MessageSent(Event):
    """The case sent a message or a signal (``kind``) to the cases of ``process`` — those in
    ``cases``, or every one that waits for it when the model names none — or, without a process,
    to a party outside the engine (it is only recorded)."""

    element: str
    kind: str
    name: str
    process: str | None
    cases: tuple[str, ...] | None


@dataclass(frozen=True)
class SignalReceived(Event):
    name: str
    sender: str


# --- what the model told people ------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeSent(Event):
    """A model's notice (``meddela``) was handed to the outbox."""

    element: str
    to: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class InvitationSent(Event):
    """A meeting task's calendar invitation was handed to the outbox."""

    element: str
    task_id: str
    to: tuple[str, ...]
    start: str


@dataclass(frozen=True)
class InvitationSkipped(Event):
    """A meeting task had no date to invite to."""

    element: str
    task_id: str
    reason: str


@dataclass(frozen=True)
class InvitationCancelled(Event):
    """A meeting task went away undone: its invitation was withdrawn."""

    element: str
    task_id: str
    to: tuple[str, ...]


ALL: tuple[type[Event], ...] = (
    CaseStarted, CaseCompleted, CaseCancelled, CasePaused, CaseResumed, CaseMigrated, DataCorrected, ConsentRenewed,
    IncidentRaised, IncidentResolved, IdentityProtectionChanged,
    TaskCreated, TaskClaimed, TaskUnclaimed, TaskAssigned, TaskCompleted, TaskWithdrawn, TaskReminded, TaskEscalated,
    TimerFired, MessageReceived, MessageSent, SignalReceived,
    NoticeSent, InvitationSent, InvitationSkipped, InvitationCancelled,
)
