"""Who may work on a new user task and by when, from the Camunda attributes its element carries.

``candidateGroups``/``candidateUsers``: a comma-separated list, or an expression in ``${…}``
giving a name or a list. ``assignee``: a user name, or an expression. ``dueDate``/``followUpDate``:
an ISO 8601 date-time (``2026-03-01T08:00:00+01:00``), a duration counted from when the task
became available (``P14D``), or an expression giving a date, a date-time or such a text
(``${date(remiss_inkom) + days(14)}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.errors import EngineError, ExpressionFailed
from engine.language import expressions, timers


@dataclass(frozen=True)
class Assignment:
    candidate_groups: tuple[str, ...]
    candidate_users: tuple[str, ...]
    assignee: str | None
    due_at: datetime | None
    follow_up_at: datetime | None


def _is_expression(text: str) -> bool:
    return "${" in text or "#{" in text


def _names(text: str | None, data: Mapping[str, Any], functions: Mapping[str, Any]) -> tuple[str, ...]:
    if not text:
        return ()
    if _is_expression(text):
        value = expressions.evaluate(text, data, functions)
        if value is None:
            return ()
        items = value if isinstance(value, list | tuple | set) else str(value).split(",")
        return tuple(str(i).strip() for i in items if str(i).strip())
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _moment(text: str | None, data: Mapping[str, Any], functions: Mapping[str, Any], now: datetime,
            ) -> datetime | None:
    if not text:
        return None
    value: Any = text
    if not (timers.looks_literal("date", text) or timers.looks_literal("duration", text)):
        value = expressions.evaluate(text, data, functions)
    if value is None:
        return None
    if isinstance(value, datetime):
        return timers.due_at("date", value, now)
    if isinstance(value, date):
        return timers.due_at("date", value, now)
    if isinstance(value, timedelta):
        return now + value
    if isinstance(value, str):
        if timers.looks_literal("duration", value):
            return timers.due_at("duration", value, now)
        return timers.due_at("date", value, now)
    raise ExpressionFailed(f"'{text}' gave {type(value).__name__}, not a date")


def assignment(attributes: Mapping[str, str | None], data: Mapping[str, Any],
               functions: Mapping[str, Any], now: datetime) -> Assignment:
    """Evaluate a user task's attributes against the case data at the moment it became available."""
    assignee_text = attributes.get("assignee")
    assignee: str | None = None
    if assignee_text:
        if _is_expression(assignee_text):
            value = expressions.evaluate(assignee_text, data, functions)
            assignee = str(value).strip() if value not in (None, "") else None
        else:
            assignee = assignee_text.strip()
    try:
        return Assignment(
            candidate_groups=_names(attributes.get("candidateGroups"), data, functions),
            candidate_users=_names(attributes.get("candidateUsers"), data, functions),
            assignee=assignee,
            due_at=_moment(attributes.get("dueDate"), data, functions, now),
            follow_up_at=_moment(attributes.get("followUpDate"), data, functions, now),
        )
    except EngineError:
        raise
    except (TypeError, ValueError) as err:
        raise ExpressionFailed(str(err)) from err
