"""What every page uses: the signed-in user, the app's services, and the badge counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from engine.api import WorkflowEngine
from web import authz
from web.accounts.users import Accounts, User
from web.teamwork import Teamwork


def engine() -> WorkflowEngine:
    return current_app.extensions["samverkan.engine"]


def accounts() -> Accounts:
    return current_app.extensions["samverkan.accounts"]


def teamwork() -> Teamwork:
    return current_app.extensions["samverkan.teamwork"]


def now() -> datetime:
    return engine().clock.now()


def me() -> User:
    return g.user


def require_user() -> Response | None:
    """A blueprint's ``before_request``: the signed-in user in ``g.user``, or off to sign in.

    The cookie alone is not enough: its session must still be open in the database (not signed
    out, the user not deactivated, not idle for longer than the session's lifetime)."""
    session_id = session.get("sid")
    user = None
    if isinstance(session_id, str):
        user = accounts().sessions.user(session_id, current_app.permanent_session_lifetime)
    if user is None:
        if session_id is not None or "user" in session:  # an ended session, or a cookie from before sessions were kept
            forget_user()
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    g.user = user
    return None


def forget_user() -> None:
    """Empty the session cookie, keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def unseen_notifications(user: User) -> int:
    seen = accounts().notifications_seen_at(user.username)
    found = authz.visible_notifications(engine(), user, limit=100)
    return sum(1 for n in found if seen is None or n.created_at > seen)


def page_context() -> dict[str, Any]:
    user = g.get("user")
    if user is None:
        return {"user": None}
    return {"user": user, "unseen": unseen_notifications(user), "simulated_clock": bool(
        current_app.config.get("SIMULATED_CLOCK")), "clock_now": now()}
