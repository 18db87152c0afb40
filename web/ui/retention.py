"""Retention's page (``/gallring``, docs/access.md "Gallring"), for admins: the settings in force,
the dry run (the closed cases a purge now would remove the personal data of, and the access log's
rows past its own years), a button to purge now (audited as the admin), and the audit of past
purges. Cases are named by id, intervention, status and closing day — not by the participant, whose
personal data the dry run does not read."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.accounts.retention import SCHEDULER, Retention
from web.ui.pages import accounts, engine, me, page_context, require_admin, require_user

blueprint = Blueprint("retention", __name__, url_prefix="/gallring")
blueprint.before_request(require_user)
blueprint.before_request(require_admin)
blueprint.context_processor(page_context)


def _retention() -> Retention | None:
    found: Retention | None = current_app.extensions.get("samverkan.retention")
    return found


@blueprint.get("")
def index() -> str:
    retention = _retention()
    plan = retention.plan() if retention is not None else None
    purges = retention.purges(50) if retention is not None else []
    names = {p.key: p.name for p in engine().processes()}
    people = accounts().display_names(p.actor for p in purges if p.actor != SCHEDULER)
    people[SCHEDULER] = _("Schemaläggaren")
    return render_template("retention.html", retention=retention, plan=plan, purges=purges, names=names,
                           people=people)


@blueprint.post("")
def purge() -> Response:
    retention = _retention()
    if retention is None:
        flash(_("Gallring är inte inställd: ingenting gallras."), "error")
    else:
        done = retention.purge(me().username)
        flash(_("Gallrat: %(cases)s ärenden och %(rows)s rader i loggen.", cases=done.cases,
                rows=done.access_log_rows), "success")
    return redirect(url_for("retention.index"))
