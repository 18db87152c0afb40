"""Registering a participant and starting their case in an intervention."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidFormData
from web import authz, personnummer
from web.access_log import log_access
from web.errors import Forbidden
from web.ui.labels import REFERRERS
from web.ui.pages import engine, me, now, page_context, require_user

blueprint = Blueprint("registration", __name__, url_prefix="/register")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

#: The municipalities of the förbund (Norra Örebro län).
MUNICIPALITIES = ("Lindesberg", "Hällefors", "Nora", "Ljusnarsberg")
FIELDS = ("process", "name", "personnummer", "municipality", "referrer_authority", "referrer_officer",
          "consent_date", "consent_scope")


def _processes() -> list[tuple[str, str]]:
    """The interventions a participant can be registered in (not helper processes such as a
    selection meeting), that this user may start cases in."""
    user = me()
    startable = set(current_app.config["PARTICIPANT_PROCESSES"])
    return [(p.key, p.name) for p in engine().processes()
            if p.key in startable and authz.allowed(user, authz.Action.START_CASE, p.key)]


def _render(values: dict[str, str], errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    return render_template("register.html", values=values, errors=errors, processes=_processes(),
                           municipalities=MUNICIPALITIES, referrers=REFERRERS, today=now().date()), status


@blueprint.get("")
def form() -> tuple[str, int]:
    if not _processes():
        raise Forbidden(f"{me().username} may not start cases")
    return _render({"referrer_officer": me().display_name if me().is_referrer else ""}, {})


def _check(values: dict[str, str]) -> tuple[dict[str, str], str]:
    errors: dict[str, str] = {}
    if values["process"] not in {k for k, _name in _processes()}:
        errors["process"] = _("Välj en insats.")
    if not values["name"]:
        errors["name"] = _("Skriv deltagarens namn.")
    number = ""
    try:
        number = personnummer.normalize(values["personnummer"], now().date())
    except ValueError:
        errors["personnummer"] = _("Personnumret är inte giltigt. Skriv ÅÅÅÅMMDD-NNNN; kontrollsiffran måste stämma.")
    if values["municipality"] not in MUNICIPALITIES:
        errors["municipality"] = _("Välj hemkommun.")
    if values["referrer_authority"] not in REFERRERS:
        errors["referrer_authority"] = _("Välj remitterande myndighet.")
    if not values["referrer_officer"]:
        errors["referrer_officer"] = _("Skriv remitterande handläggare.")
    try:
        consent = date.fromisoformat(values["consent_date"])
        if consent > now().date():
            errors["consent_date"] = _("Samtycket kan inte vara givet i framtiden.")
    except ValueError:
        errors["consent_date"] = _("Skriv datum för samtycket (ÅÅÅÅ-MM-DD).")
    if not values["consent_scope"]:
        errors["consent_scope"] = _("Beskriv vad samtycket omfattar.")
    return errors, number


@blueprint.post("")
def register() -> Response | tuple[str, int]:
    values = {k: request.form.get(k, "").strip()[:2000] for k in FIELDS}
    errors, number = _check(values)
    if errors:
        return _render(values, errors, 422)
    participant = {"name": values["name"], "personnummer": number, "municipality": values["municipality"]}
    data = {
        "remitterande_myndighet": values["referrer_authority"],
        "remitterande_handlaggare": values["referrer_officer"],
        "samtycke_datum": values["consent_date"],
        "samtycke_omfattning": values["consent_scope"],
    }
    try:
        case = engine().start_case(values["process"], participant=participant, data=data, participant_key=number,
                                   actor=me().username)
    except Conflict:
        errors["personnummer"] = _("Deltagaren har redan ett pågående ärende i den här insatsen.")
        return _render(values, errors, 409)
    except InvalidFormData as err:
        return _render(values, {k: str(v) for k, v in err.fields.items()}, 422)
    log_access(me(), case.id, "case.started")
    flash(_("Deltagaren är registrerad och ärendet startat."), "success")
    return redirect(url_for("cases.show", case_id=case.id))
