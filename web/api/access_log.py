"""Every read and change of a case's personal data is logged with who and when."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from web.accounts.models import AccessLogRow
from web.accounts.users import User


def log_access(user: User, case_id: str, action: str) -> None:
    accounts = current_app.extensions["samverkan.accounts"]
    with accounts.db.transaction() as session:
        session.add(AccessLogRow(at=datetime.now(UTC), username=user.username, case_id=case_id, action=action))
