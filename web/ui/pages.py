"""What every page uses: the signed-in user, the app's services, and the badge counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from engine.api import WorkflowEngine
from engine.views import Notification
from web import authz
from web.accounts.users import Accounts, User
from web.errors import Forbidden
from web.teamwork import Teamwork


def engine() -> WorkflowEngine:
    return current_app.extensions["samverkan.engine"]


def accounts() -> Accounts:
    return current_app.extensions["samverkan.accounts"]


def teamwork() -> Teamwork:
    return current_app.extensions["samverkan.teamwork"]


def now() -> datetime:
    return engine().clock.now()


def today_iso() -> str:
    """Today by the engine's clock (a date field's bound ``idag`` in a form: not in the future)."""
    return now().date().isoformat()


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


def require_admin() -> None:
    """A blueprint's ``before_request``, after :func:`require_user`: administrators only (403 for others)."""
    if not me().is_admin:
        raise Forbidden(f"{me().username} is not an administrator")


def forget_user() -> None:
    """Empty the session cookie, keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user: User) -> None:
    """Sign ``user`` in, whichever way they proved who they are (password, single sign-on): a
    fresh session cookie, nothing carried over from before but the language (no session fixation),
    keyed to a new session kept in the database."""
    forget_user()
    session.permanent = True
    session["sid"] = accounts().sessions.start(user, current_app.permanent_session_lifetime)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@dataclass(frozen=True)
class Item:
    """A notification as its reader sees it."""

    notification: Notification
    read: bool

    @property
    def done(self) -> bool:
        """About a task that is no longer open: dealt with."""
        return self.notification.task_open is False

    @property
    def new(self) -> bool:
        return not self.read and not self.done


def items(user: User, limit: int = 200) -> list[Item]:
    """The user's notifications, each with whether they have read it."""
    found = authz.visible_notifications(engine(), user, limit=limit)
    return marked(user.username, found)


def marked(username: str, found: Sequence[Notification]) -> list[Item]:
    seen, read = accounts().notifications_marked(username, [n.id for n in found])
    return [Item(n, n.id in read or (seen is not None and n.created_at <= seen)) for n in found]


def unseen_notifications(user: User) -> int:
    """The header's badge: notifications not yet read whose task (if any) is still open."""
    return sum(1 for item in items(user, limit=100) if item.new)


def page_context() -> dict[str, Any]:
    user = g.get("user")
    if user is None:
        return {"user": None}
    return {"user": user, "unseen": unseen_notifications(user), "simulated_clock": bool(
        current_app.config.get("SIMULATED_CLOCK")), "clock_now": now()}
