"""What a model may ask about other cases, in its expressions, without code.

``count_open_cases("gemensamma_taget", "handlaggare", handlaggare)`` — how many other open cases
of a process have that value in a field (a caseload limit); ``count_open_cases("samverkansteamet")``
— how many others are open at all; ``cases_waiting_for("gemensamma_taget", "urvalsbesked")`` — the
open cases of a process that wait for a message, each as ``{"namn", "arende", "startat"}`` (who a
selection meeting chooses among); ``cases_waiting_for("gemensamma_taget", "urval_genomfort",
"urvalsmote_datum", urvalsmote_datum)`` only those with that value in a field. The asking case is
never counted nor listed. The answers come from the database, read in the step's own transaction
(the engine sets who answers while it steps a case); outside a step there is nobody to ask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from engine.errors import ExpressionFailed

#: The most cases ``cases_waiting_for`` returns: more would not fit in one person's meeting.
MAX_LISTED = 500


class CaseQueries(Protocol):
    def count_open(self, process_key: str, field: str | None, value: Any) -> int: ...

    def waiting(self, process_key: str, message: str, field: str | None, value: Any) -> list[dict[str, Any]]: ...


_answering: ContextVar[CaseQueries | None] = ContextVar("case_queries", default=None)


@contextmanager
def answered_by(queries: CaseQueries) -> Iterator[None]:
    token = _answering.set(queries)
    try:
        yield
    finally:
        _answering.reset(token)


def _queries(function: str) -> CaseQueries:
    queries = _answering.get()
    if queries is None:
        raise ExpressionFailed(f"{function}() can only be asked while a case is stepped")
    return queries


def _text(value: object, function: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ExpressionFailed(f"{function}() needs {what} as text")
    return value.strip()


def _field(function: str, field: object, value: object) -> str | None:
    name = None if field is None else _text(field, function, "a field name")
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ExpressionFailed(f"{function}() compares a field with text or a number")
    return name


def count_open_cases(process: object, field: object = None, value: object = None) -> int:
    key = _text(process, "count_open_cases", "a process key")
    return _queries("count_open_cases").count_open(key, _field("count_open_cases", field, value), value)


def cases_waiting_for(process: object, message: object, field: object = None,
                      value: object = None) -> list[dict[str, Any]]:
    key = _text(process, "cases_waiting_for", "a process key")
    name = _text(message, "cases_waiting_for", "a message name")
    found = _queries("cases_waiting_for").waiting(key, name, _field("cases_waiting_for", field, value), value)
    return found[:MAX_LISTED]


FUNCTIONS: dict[str, Callable[..., object]] = {
    "count_open_cases": count_open_cases, "cases_waiting_for": cases_waiting_for,
}
