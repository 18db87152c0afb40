"""The administrators' operations view: due timers, mails waiting and failed (retry or discard),
and whether the scheduler keeps time."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import EngineError
from web.ui.pages import accounts, engine, me, page_context, require_admin, require_user

blueprint = Blueprint("operations", __name__, url_prefix="/operations")
blueprint.before_request(require_user)
blueprint.before_request(require_admin)
blueprint.context_processor(page_context)


@blueprint.get("")
def index() -> str:
    overview = engine().operations.overview()
    deliveries = overview.pending_deliveries + overview.failed_deliveries
    people = {d.username or d.recipient for d in deliveries if d.recipient_kind == "user"}
    return render_template("operations.html", overview=overview, names=accounts().display_names(people),
                           process_names={p.key: p.name for p in engine().processes()})


@blueprint.post("/deliveries/<delivery_id>/retry")
def retry(delivery_id: str) -> Response:
    try:
        engine().operations.retry_delivery(delivery_id, me().username)
    except EngineError:
        flash(_("Utskicket kan inte skickas om i sitt nuvarande läge."), "error")
    else:
        flash(_("Utskicket skickas om vid nästa körning."), "success")
    return redirect(url_for("operations.index"))


@blueprint.post("/deliveries/<delivery_id>/discard")
def discard(delivery_id: str) -> Response:
    try:
        engine().operations.discard_delivery(delivery_id, me().username)
    except EngineError:
        flash(_("Utskicket kan inte slängas i sitt nuvarande läge."), "error")
    else:
        flash(_("Utskicket är slängt. Notisen finns kvar i appen."), "success")
    return redirect(url_for("operations.index"))
