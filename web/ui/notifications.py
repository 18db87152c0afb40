"""The reminders, escalations, notices and invitations addressed to me, newest first.

Each is read on its own: when it is opened (its link goes through :func:`open_one`, which marks it
read and goes on to the task or the case), when it is marked read, or when all are ("Markera alla
som lästa"). Opening the page reads nothing. A reminder or an escalation whose task has been
completed or withdrawn is *done*: it is no longer new, whatever its read mark says.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.views import Notification
from web import authz
from web.ui.pages import accounts, engine, items, me, now, page_context, require_user

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)


@blueprint.get("")
def index() -> str:
    user = me()
    found = items(user)
    recipients = {n.notification.recipient for n in found if n.notification.recipient_kind == "user"}
    return render_template("notifications.html", items=found, names=accounts().display_names(recipients),
                           process_names={p.key: p.name for p in engine().processes()},
                           unread=sum(1 for i in found if i.new))


def _mine(notification_id: str) -> Notification:
    found = next((n for n in authz.visible_notifications(engine(), me(), limit=1000) if n.id == notification_id), None)
    if found is None:
        abort(404)
    return found


@blueprint.get("/<notification_id>")
def open_one(notification_id: str) -> Response:
    """Open a notification: it is read, and the reader goes on to its task (while open) or its case.
    ``to=case`` goes to the case in any event."""
    found = _mine(notification_id)
    accounts().mark_notification_read(me().username, found.id, now())
    case = url_for("cases.show", case_id=found.case_id)
    if found.task_id and found.task_open and request.args.get("to") != "case":
        return redirect(url_for("tasks.show", task_id=found.task_id, next=case))
    return redirect(case)


@blueprint.post("/<notification_id>/read")
def mark_read(notification_id: str) -> Response:
    found = _mine(notification_id)
    accounts().mark_notification_read(me().username, found.id, now())
    flash(_("Notisen är markerad som läst."), "success")
    return redirect(url_for("notifications.index", _anchor=f"notification-{found.id}"))


@blueprint.post("/read")
def mark_all_read() -> Response:
    accounts().mark_notifications_seen(me().username, now())
    flash(_("Alla notiser är markerade som lästa."), "success")
    return redirect(url_for("notifications.index"))
