"""The follow-up's row of a case, worked out from what the step leaves: the case data the model's
indicators name, the case's status and dates, and the reply task's due date and completion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from engine.language.timers import LOCAL_TZ
from engine.views import Task
from engine.views.followup import Indicators


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return local_day(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text[:200] or None


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def contact_month(indicators: Indicators, case_id: str, completed: Iterable[str],
                  now: datetime) -> dict[str, str] | None:
    """The month (Stockholm time) of the monthly contact the step did, if it completed that task."""
    if indicators.contact_task is None or indicators.contact_task not in set(completed):
        return None
    return {"case_id": case_id, "month": local_day(now).strftime("%Y-%m")}


def row_values(indicators: Indicators, *, case_id: str, process_key: str, status: str, created_at: datetime,
               closed_at: datetime | None, data: Mapping[str, Any], open_tasks: Iterable[Task],
               completed: Iterable[str], now: datetime) -> dict[str, Any]:
    """The follow-up row's columns after a step. ``completed``: the elements whose tasks the step
    completed. The reply's due date is known while its task is open, its day when it is completed;
    None for either means "as before" (the row keeps what an earlier step wrote)."""
    def field(name: str | None) -> Any:
        return data.get(name) if name else None

    outcome = _text(field(indicators.outcome))
    ended = _day(field(indicators.end))
    if ended is None and status in ("completed", "cancelled") and closed_at is not None:
        ended = local_day(closed_at)
    reply = indicators.reply_task
    due = next((t.due_at for t in open_tasks if reply and t.name == reply and t.due_at is not None), None)
    return {
        "case_id": case_id, "process_key": process_key, "status": status, "referred_on": local_day(created_at),
        "started_on": _day(field(indicators.start)), "ended_on": ended,
        "gender": _text(field(indicators.gender)), "birth_year": _year(field(indicators.birth_year)),
        "municipality": _text(field(indicators.municipality)), "authority": _text(field(indicators.authority)),
        "outcome": outcome, "category": indicators.category_of(outcome) if outcome else None,
        "contact": _text(field(indicators.contact)),
        "reply_due_on": local_day(due) if due is not None else None,
        "replied_on": local_day(now) if reply and reply in set(completed) else None,
        "updated_at": now,
    }
