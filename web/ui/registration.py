"""Registering a participant and starting their case in an intervention."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import CaseNotStarted, Conflict, InvalidFormData
from web import authz, participants
from web.access_log import log_access
from web.errors import Forbidden
from web.ui.pages import engine, me, now, page_context, require_user

blueprint = Blueprint("registration", __name__, url_prefix="/register")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

def _processes() -> list[tuple[str, str]]:
    """The interventions a participant can be registered in (not helper processes such as a
    selection meeting), that this user may start cases in."""
    user = me()
    startable = set(current_app.config["PARTICIPANT_PROCESSES"])
    return [(p.key, p.name) for p in engine().processes()
            if p.key in startable and authz.allowed(user, authz.Action.START_CASE, p.key)]


def _render(values: dict[str, str], errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    return render_template("register.html", values=values, errors=errors, processes=_processes(),
                           municipalities=participants.MUNICIPALITIES, referrers=participants.REFERRERS,
                           today=now().date()), status


@blueprint.get("")
def form() -> tuple[str, int]:
    if not _processes():
        raise Forbidden(f"{me().username} may not start cases")
    return _render({"referrer_officer": me().display_name if me().is_referrer else ""}, {})


@blueprint.post("")
def register() -> Response | tuple[str, int]:
    values = {k: request.form.get(k, "") for k in participants.FIELDS}
    registration, errors = participants.check(values, today=now().date(), startable={k for k, _name in _processes()},
                                              complete=True)
    if registration is None:
        return _render(values, errors, 422)
    try:
        case = engine().start_case(registration.process, participant=registration.participant,
                                   data=registration.data, participant_key=registration.personnummer,
                                   actor=me().username)
    except Conflict:
        errors["personnummer"] = _("Deltagaren har redan ett pågående ärende i den här insatsen.")
        return _render(values, errors, 409)
    except InvalidFormData as err:
        return _render(values, {k: str(v) for k, v in err.fields.items()}, 422)
    except CaseNotStarted as err:
        flash(_("Ärendet kunde inte startas: processen stannade i sitt första steg (%(element)s). Inget sparades; "
                "kontakta den som ansvarar för processen.", element=err.element), "error")
        return _render(values, {}, 422)
    log_access(me(), case.id, "case.started")
    flash(_("Deltagaren är registrerad och ärendet startat."), "success")
    return redirect(url_for("cases.show", case_id=case.id))
