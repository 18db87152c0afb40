"""A case step's notices and meeting invitations, as notifications for the outbox.

The runner calls these while saving a step, so the notifications are written in the step's
transaction: a notice is sent exactly when the step that did its element is committed, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from engine import events
from engine.language import notice_templates
from engine.language.notice_templates import NoticeSpec
from engine.language.timers import LOCAL_TZ
from engine.notifications.outbox import NewNotification
from engine.persistence.models import CaseRow, DeliveryRow, HumanTaskRow
from engine.views import participant_label


@dataclass(frozen=True)
class CaseContext:
    """What notices may tell about the case (with the case data of the moment)."""

    case: CaseRow
    process_name: str

    def values(self, spec: NoticeSpec, data: Mapping[str, Any], at: datetime) -> dict[str, str]:
        found = {
            "deltagare": participant_label(self.case.participant, "–"),
            "insats": self.process_name,
            "uppgift": spec.title,
            "arende": short_id(self.case.id),
            "datum": at.astimezone(LOCAL_TZ).date().isoformat(),
        }
        for name in notice_templates.placeholders(spec.template):
            if name not in found:
                found[name] = notice_templates.shown(data.get(name), spec.labels.get(name))
        return found


def short_id(case_id: str) -> str:
    """How a case is named in mails: the start of its id (the link leads to the case itself)."""
    return case_id[:8]


def notice(spec: NoticeSpec, *, element: str, context: CaseContext, task_id: str, at: datetime,
           data: Mapping[str, Any], holder: str | None, candidate_groups: Sequence[str], key: str,
           ) -> tuple[list[NewNotification], events.NoticeSent]:
    """The notifications of one done element, and its history event."""
    case = context.case
    recipients = notice_templates.resolve(spec.recipients, started_by=case.started_by, data=data, holder=holder,
                                 candidate_groups=candidate_groups)
    body = notice_templates.render(spec.template, context.values(spec, data, at))
    subject = f"{spec.title} – {context.process_name}"
    rows = [
        NewNotification(kind="notice", case_id=case.id, task_id=task_id if spec.user_task else None,
                        process_key=case.process_key, recipient=r, subject=subject, body=body, at=at,
                        dedupe_key=f"{key}:{r[0]}:{r[1]}", topic=key)
        for r in recipients
    ]
    return rows, events.NoticeSent(element, tuple(r.addressed_to for r in rows), subject)


def invitation(spec: NoticeSpec, *, context: CaseContext, task: HumanTaskRow, data: Mapping[str, Any],
               at: datetime) -> tuple[list[NewNotification], events.InvitationSent | events.InvitationSkipped]:
    """A meeting task's invitations, and the history event (sent, or skipped for want of a date)."""
    start = meeting_start(spec, data, task.due_at)
    if start is None:
        source = f"'{spec.calendar}'" if spec.calendar != notice_templates.DUE_DATE else "the due date"
        return [], events.InvitationSkipped(task.element, task.id, f"no date in {source}")
    wanted = spec.calendar_recipients or (("tilldelad",) if task.assignee else ("kandidatgrupper",))
    case = context.case
    recipients = notice_templates.resolve(wanted, started_by=case.started_by, data=data, holder=task.assignee,
                                 candidate_groups=task.candidate_groups)
    when = _shown(start)
    subject = f"Kallelse: {task.title} {when}"
    body = (f"Du är kallad till \"{task.title}\" {when}.\n\nInsats: {context.process_name}\n"
            f"Ärende: {short_id(case.id)}")
    meeting = {"uid": f"{task.id}@samverkan", "start": start.isoformat(),
               "summary": f"{task.title} ({context.process_name})", "description": f"Ärende {short_id(case.id)}"}
    rows = [
        NewNotification(kind="invitation", case_id=case.id, task_id=task.id, process_key=case.process_key,
                        recipient=r, subject=subject, body=body, at=at,
                        dedupe_key=f"invitation:{task.id}:{r[0]}:{r[1]}", topic=f"invitation:{task.id}",
                        calendar=meeting)
        for r in recipients
    ]
    return rows, events.InvitationSent(task.element, task.id, tuple(r.addressed_to for r in rows),
                                       start.isoformat())


def cancellation(*, context: CaseContext, task: HumanTaskRow, invited: Sequence[DeliveryRow],
                 at: datetime) -> tuple[list[NewNotification], events.InvitationCancelled]:
    """A meeting task that went away undone (the case closed, consent withdrawn, the step
    interrupted): everyone its invitation went to gets the meeting cancelled in their calendar —
    the same event (UID), a later version of it — and the history event's details."""
    case = context.case
    rows = []
    for sent in invited:
        meeting = dict(sent.calendar or {})
        meeting.update(method="CANCEL", sequence=int(meeting.get("sequence", 0)) + 1)
        start = _moment(meeting.get("start"))
        when = _shown(start) if start is not None else str(meeting.get("start", ""))
        rows.append(NewNotification(
            kind="cancellation", case_id=case.id, task_id=task.id, process_key=case.process_key,
            recipient=(sent.recipient_kind, sent.recipient), subject=f"Inställt: {task.title} {when}",
            body=(f"\"{task.title}\" {when} blir inte av.\n\nInsats: {context.process_name}\n"
                  f"Ärende: {short_id(case.id)}"),
            at=at, dedupe_key=f"cancellation:{task.id}:{sent.recipient_kind}:{sent.recipient}",
            topic=f"cancellation:{task.id}", calendar=meeting,
        ))
    return rows, events.InvitationCancelled(task.element, task.id, tuple(r.addressed_to for r in rows))


def _shown(start: date | datetime) -> str:
    """A meeting's start as mails show it: the day, or the local date and time."""
    if isinstance(start, datetime):
        return start.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    return start.isoformat()


def meeting_start(spec: NoticeSpec, data: Mapping[str, Any], due_at: datetime | None) -> date | datetime | None:
    """When the meeting is: the named date (or date-time) in the case data, else the task's due
    date; a due date at midnight in Stockholm is a day, not a time."""
    if spec.calendar and spec.calendar != notice_templates.DUE_DATE:
        value = data.get(spec.calendar)
        parsed = _moment(value)
        if parsed is not None:
            return parsed
    if due_at is None:
        return None
    local = due_at.astimezone(LOCAL_TZ)
    return local.date() if local.time() == time(0, 0) else due_at


def _moment(value: Any) -> date | datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)
        return date.fromisoformat(text)
    except ValueError:
        return None
