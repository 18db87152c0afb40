"""An event as a case's history keeps it: a row of ``case_events`` with its details as JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from engine import events


def history_row(case_id: str, at: datetime, actor: str, event: events.Event) -> dict[str, Any]:
    """The row for ``event``: its name, the element it concerns and its other fields as JSON."""
    return {"case_id": case_id, "at": at, "event": event.event, "actor": actor, "element": event.element_of(),
            "details": json_safe(event.details())}


def json_safe(value: Any) -> Any:
    """``value`` as JSON would give it back: dates as ISO text, tuples and sets as lists."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)
