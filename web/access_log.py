"""Every read and change of a case's personal data is logged with who and when, through the pages
and the API alike."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from web.accounts.users import User


def log_access(user: User, case_id: str, action: str) -> None:
    """Log it at the moment it happens (wall-clock time, also under a simulated clock)."""
    current_app.extensions["samverkan.accounts"].log_access(user.username, case_id, action, datetime.now(UTC))
