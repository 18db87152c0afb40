"""Reminders before a task's follow-up date and escalations after its due date, each sent once.

Every open task carries its to-do (``remind_at``, ``escalate_at``); the watcher takes the due ones
(row locks, skipping rows another worker holds), writes the notifications and the case history,
and clears the to-do — all in one transaction, so a crash sends nothing or everything, and the
unique key of a notification makes a second write impossible.

Who is told: a reminder goes to the task's assignee, or else to its candidate groups; an
escalation goes to the roles the task names in its ``eskalera_till`` property (default: its
candidate groups) and to its assignee. Each notification leaves through the outbox
(:mod:`engine.notifications.outbox`), whose deliveries are written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import events
from engine.cases.history import history_row
from engine.language.timers import LOCAL_TZ
from engine.notifications import outbox
from engine.notifications.outbox import NewNotification
from engine.persistence import store
from engine.persistence.db import Session
from engine.persistence.models import HumanTaskRow


@dataclass(frozen=True)
class Handled:
    reminders: int = 0
    escalations: int = 0


def _when(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def handle_due(session: Session, until: datetime, now: datetime, limit: int = 500) -> Handled:
    """Write the reminders and escalations due by ``until``; each notification is dated at its
    deadline, so that what was missed while the system was down is still told in order."""
    reminders = escalations = 0
    notifications: list[NewNotification] = []
    history: list[dict[str, Any]] = []

    def tell(task: HumanTaskRow, kind: str, event: type[events.TaskReminded | events.TaskEscalated],
             recipients: Sequence[tuple[str, str | None]], subject: str, body: str, at: datetime) -> None:
        told = _notifications(task, kind, recipients, subject, body, at)
        notifications.extend(told)
        history.append(history_row(task.case_id, at, "scheduler",
                                   event(task.element, task.id, tuple(n.addressed_to for n in told))))

    for task in store.claim_due_deadlines(session, until, limit):
        if task.remind_at is not None and task.remind_at <= until:
            deadline = task.due_at or task.remind_at
            tell(task, "reminder", events.TaskReminded,
                 [("user", task.assignee)] if task.assignee else [("group", g) for g in task.candidate_groups],
                 f"Påminnelse: {task.title} ska vara klar {_when(deadline)}",
                 f"Uppgiften \"{task.title}\" ska vara klar {_when(deadline)}.", task.remind_at)
            task.remind_at = None
            reminders += 1
        if task.escalate_at is not None and task.escalate_at <= until:
            roles = task.escalate_to or task.candidate_groups
            recipients: list[tuple[str, str | None]] = [("group", g) for g in roles]
            if task.assignee:
                recipients.append(("user", task.assignee))
            tell(task, "escalation", events.TaskEscalated, recipients,
                 f"Försenad: {task.title} skulle ha varit klar {_when(task.escalate_at)}",
                 f"Uppgiften \"{task.title}\" skulle ha varit klar {_when(task.escalate_at)} och är inte gjord.",
                 task.escalate_at)
            task.escalate_at = None
            escalations += 1
    outbox.write(session, notifications, now)
    store.add_events(session, history)
    return Handled(reminders, escalations)


def _notifications(task: HumanTaskRow, kind: str, recipients: Sequence[tuple[str, str | None]], subject: str,
                   body: str, at: datetime) -> list[NewNotification]:
    return [
        NewNotification(kind=kind, case_id=task.case_id, task_id=task.id, process_key=task.process_key,
                        recipient=(recipient_kind, name), subject=subject, body=body, at=at,
                        dedupe_key=f"{task.id}:{kind}:{recipient_kind}:{name}", topic=f"{task.id}:{kind}")
        for recipient_kind, name in dict.fromkeys(recipients) if name
    ]
