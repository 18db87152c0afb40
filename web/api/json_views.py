"""Engine views as the JSON the public contract describes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.views import Case, CaseEvent, Task


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "case_id": task.case_id,
        "process": task.process_key,
        "name": task.name,
        "title": task.title,
        "candidate_groups": list(task.candidate_groups),
        "candidate_users": list(task.candidate_users),
        "assignee": task.assignee,
        "due_at": _iso(task.due_at),
        "follow_up_at": _iso(task.follow_up_at),
        "created_at": _iso(task.created_at),
        "form": task.form.as_json(),
    }


def _participant(case: Case, personnummer: str) -> dict[str, Any]:
    return {"name": case.participant.get("name"), "personnummer": personnummer,
            "municipality": case.participant.get("municipality"), "skyddad": case.protected}


def case_summary_json(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "process": case.process_key,
        "version": case.process_version,
        "status": case.status,
        "participant": {"name": case.participant.get("name"), "municipality": case.participant.get("municipality"),
                        "skyddad": case.protected},
        "next_due_at": _iso(case.next_due_at),
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "incident": bool(case.incident),
    }


def case_json(case: Case, history: Sequence[CaseEvent], personnummer: str, *, traceback: bool = False
              ) -> dict[str, Any]:
    """The case as the API shows it; ``personnummer`` as the caller may see it (web.authz); an
    incident's traceback only with ``traceback`` (administrators)."""
    return {
        "id": case.id,
        "process": case.process_key,
        "version": case.process_version,
        "status": case.status,
        "participant": _participant(case, personnummer),
        "data": case.data,
        "open_tasks": [task_json(t) for t in case.open_tasks],
        "next_due_at": _iso(case.next_due_at),
        "timers": [{"element": t.element, "title": t.title, "due_at": _iso(t.due_at)} for t in case.timers],
        "waiting_messages": list(case.waiting_messages),
        "waiting_signals": list(case.waiting_signals),
        "incident": None if case.incident is None else {
            "element": case.incident.element, "message": case.incident.message, "at": _iso(case.incident.at),
            **({"traceback": case.incident.traceback} if traceback else {})},
        "started_by": case.started_by,
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "history": [
            {"at": _iso(e.at), "event": e.event, "actor": e.actor, "element": e.element, "details": e.details}
            for e in history
        ],
    }
