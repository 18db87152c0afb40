"""A purged case (gallring) as its readers meet it: the anonymous tombstone the purge keeps — its
intervention, status, the day it started and closed, and the day it was purged — and nothing of the
person.

Whoever could have read the case (admins and the staff of its intervention), and the log
reviewers, who meet its id in the access log, are told it was purged: the case page and
``GET /api/v1/cases/<id>`` answer 410 Gone with those facts (``web/errors.py``). Everyone else gets
404, as for a case that never existed: that a case was there is itself something only they may
know.

Whether a case is a tombstone is read from the purge's audit (``purge_log``, through
``accounts().purge_log``), the authority on what was purged and when; only a closed case with no
participant, data or open task is looked up there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from engine.views import Case
from web.accounts.users import User

#: A closed case's statuses (the purge touches only these).
CLOSED = ("completed", "cancelled")


@dataclass(frozen=True)
class Tombstone:
    id: str
    process_key: str
    process_name: str
    status: str
    started_at: datetime
    closed_at: datetime | None
    purged_at: datetime


def _may_be_purged(case: Case) -> bool:
    return case.status in CLOSED and not case.participant and not case.data and not case.open_tasks


def purged_at(cases: Iterable[Case]) -> dict[str, datetime]:
    """Of these cases, the purged ones, with when they were purged."""
    candidates = {c.id: c.updated_at for c in cases if _may_be_purged(c)}
    if not candidates:
        return {}
    found: dict[str, datetime] = current_app.extensions["samverkan.accounts"].purge_log.purged_at(candidates)
    return found


def tombstone(case: Case) -> Tombstone | None:
    """The case's tombstone if a purge removed its personal data, else None."""
    at = purged_at([case]).get(case.id)
    if at is None:
        return None
    names = {p.key: p.name for p in current_app.extensions["samverkan.engine"].processes()}
    return Tombstone(case.id, case.process_key, names.get(case.process_key) or case.process_key, case.status,
                     case.created_at, case.closed_at, at)


def may_know_of(user: User, case: Case) -> bool:
    """Whether ``user`` is told that the purged ``case`` was there: admins, the staff of its
    intervention and the log reviewers (the log names its id)."""
    return bool(user.is_admin or user.is_log_reviewer or (user.is_staff and case.process_key in user.teams))
