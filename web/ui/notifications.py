"""The reminders and escalations addressed to me, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template

from web import authz
from web.ui.pages import accounts, engine, me, now, page_context, require_user

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)


@blueprint.get("")
def index() -> str:
    user = me()
    seen = accounts().notifications_seen_at(user.username)
    found = authz.visible_notifications(engine(), user)
    accounts().mark_notifications_seen(user.username, now())
    return render_template("notifications.html", notifications=found, seen=seen)
