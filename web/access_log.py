"""Every read and change of a case's personal data is logged with who, when and from which address,
through the pages and the API alike (the address is the client's: behind the proxies named in
``SAMVERKAN_TRUSTED_PROXIES``, the one they forwarded for, see ``proxies.py``). The log is read on
the log review page (``ui/access_review.py``, ``/logg``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, has_request_context, request

from engine.api import Alongside
from web.accounts.users import User


def log_access(user: User, case_id: str, action: str) -> None:
    """Log it at the moment it happens (wall-clock time, also under a simulated clock)."""
    address = request.remote_addr if has_request_context() else None
    current_app.extensions["samverkan.accounts"].log_access(user.username, case_id, action, datetime.now(UTC),
                                                            address)


def logged_with(user: User, action: str) -> Alongside:
    """The entry of a change, written in the change's own transaction: the change and its entry are
    committed together or not at all (and cost one commit, not two)."""
    address = request.remote_addr if has_request_context() else None
    return current_app.extensions["samverkan.accounts"].access_log.writer(user.username, action, address)
