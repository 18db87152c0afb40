"""Opening the cases of processes that open their cases themselves: every start timer due by a
moment, earliest first, one case per occurrence, each opened "at" its own due moment.

Each occurrence is one transaction: the start timer is locked (``SKIP LOCKED``, as due cases are),
its case written and the timer moved on to its next occurrence together, so that a crash neither
opens an occurrence twice nor skips one, and two workers never both open it. After downtime each
missed occurrence opens its case, in order, at its own moment; at most :data:`MAX_CATCH_UP` of
them, the older ones passed over (counted in ``skipped``, shown on the operations page).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from engine.cases.catalog import Catalog
from engine.cases.runner import CaseRunner, new_case_id
from engine.cases.start_schedule import due, first_not_before
from engine.errors import CaseNotStarted
from engine.persistence import start_timer_store, store
from engine.persistence.db import Database
from engine.persistence.models import CaseRow, StartTimerRow

log = logging.getLogger("samverkan.timer_starts")

#: How many missed occurrences of one start timer a catch-up opens (the newest ones): a year of
#: monthly starts, eighteen months of group starts every six weeks.
MAX_CATCH_UP = 12
#: Who opens such a case, in its history and as its ``started_by``.
ACTOR = "timer"


def open_due(db: Database, catalog: Catalog, runner: CaseRunner, until: datetime, data: dict[str, object]) -> int:
    """Open a case for every start timer occurrence due by ``until``; how many were opened (or
    tried: an occurrence whose case cannot start is passed, its error kept on the start timer)."""
    opened = 0
    while True:
        with db.transaction() as session:
            timer = start_timer_store.claim_next_due(session, until)
            if timer is None:
                return opened
            _pass_over_the_oldest(timer, until)
            moment = timer.next_due_at
            assert moment is not None
            version = store.version_by_id(session, timer.process_version_id)
            assert version is not None
            _journey, form = catalog.start(version.id, session)
            row = CaseRow(
                id=new_case_id(), process_key=timer.process_key, process_version_id=version.id,
                process_version=version.version, status="open", participant_key=None, participant={},
                started_by=ACTOR, data={}, state=b"", serializer_version="", revision=1,
                created_at=moment, updated_at=moment,
            )
            initial = {**data, **{f.id: None for f in form.fields if not f.readonly}}
            try:
                runner.create_in(session, row, initial, ACTOR, opened_by=timer.element, at=moment)
                timer.opened += 1
                timer.last_error = None
            except CaseNotStarted as failed:  # nothing of the case was written; the occurrence is passed
                log.error("the start timer of %s could not open its case due %s: %s", timer.process_key, moment,
                          failed.message)
                timer.last_error = f"{moment.isoformat()}: {failed.message}"
            timer.fired += 1
            timer.next_due_at = due(timer.kind, timer.definition, timer.anchor, timer.fired)
            timer.updated_at = moment
            start_timer_store.put(session, timer)
            opened += 1


def _pass_over_the_oldest(timer: StartTimerRow, until: datetime) -> None:
    """Keep a catch-up to the newest :data:`MAX_CATCH_UP` occurrences due by ``until``."""
    after, _next = first_not_before(timer.kind, timer.definition, timer.anchor, until + timedelta(microseconds=1))
    missed = after - timer.fired
    if missed > MAX_CATCH_UP:
        passed = missed - MAX_CATCH_UP
        timer.fired += passed
        timer.skipped += passed
        timer.next_due_at = due(timer.kind, timer.definition, timer.anchor, timer.fired)
