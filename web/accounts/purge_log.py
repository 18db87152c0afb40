"""The purge audit (``purge_log``) read case by case: whether, and when, a purge removed a case's
personal data — what a purged case's page and the log review say of its tombstone.

A purge writes its audit row with the moment it ran and sets each purged case's ``updated_at`` to
that same moment (``engine.retention``, ``accounts/retention.py``), and nothing changes a tombstone
afterwards: so the row is found by its time (an index), then the case in its ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from engine.persistence.db import Database
from web.accounts.models import PurgeLogRow


class PurgeLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def purged_at(self, cases: Mapping[str, datetime]) -> dict[str, datetime]:
        """Of the cases given (id → when the case last changed), those a purge removed the personal
        data of, with when it did."""
        if not cases:
            return {}
        with self.db.reading() as session:
            rows = session.execute(select(PurgeLogRow.at, PurgeLogRow.case_ids)
                                   .where(PurgeLogRow.at.in_(sorted(set(cases.values())))))
            return {case_id: at for at, by_process in rows for ids in by_process.values() for case_id in ids
                    if cases.get(case_id) == at}
