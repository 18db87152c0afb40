"""Registering a participant and starting their case in an intervention.

Every deployed participant journey can be registered in (its model says so: the process property
``deltagarresa``), by whoever may start its cases. The page asks for the participant's name and
personnummer and for what the journey's start event's form asks; what the personnummer answers
(birth year, legal gender) is filled from it. What registration recorded is the case's from its
start, and no task of the shipped journeys asks it again.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import CaseNotStarted, Conflict, InvalidFormData, NotFound
from engine.views import Form, Registration
from web import authz, participants
from web.access_log import logged_with
from web.errors import Forbidden
from web.ui import form_fields
from web.ui.i18n import locale
from web.ui.pages import engine, me, now, page_context, require_user

blueprint = Blueprint("registration", __name__, url_prefix="/register")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)


def _journeys() -> list[Registration]:
    """The participant journeys this user may start cases in (read once a request)."""
    if "journeys" not in g:
        user = me()
        g.journeys = [r for r in engine().participant_journeys()
                      if authz.allowed(user, authz.Action.START_CASE, r.process_key)]
    journeys: list[Registration] = g.journeys
    return journeys


def _journey(key: str) -> Registration:
    found = next((r for r in _journeys() if r.process_key == key), None)
    if found is None:
        registration = engine().registration(key)
        if registration is None or not registration.journey:
            raise NotFound(f"no participant journey {key}")
        raise Forbidden(f"{me().username} may not start cases in {key}")
    return found


def _asked(form: Form) -> Form:
    """The start form's fields people answer: not those the personnummer answers."""
    return Form(tuple(f for f in form.fields if not f.from_personnummer))


def _render(journey: Registration, values: dict[str, str], errors: dict[str, str],
            status: int = 200) -> tuple[str, int]:
    asked = _asked(journey.form)
    shown = {k: form_fields.message_in(v, locale()) for k, v in errors.items()}
    inputs = form_fields.inputs(asked, values, shown, people={
        f.id: engine().people_for_field(journey.process_key, f) for f in asked.fields if f.user_roles is not None})
    answered = [f for f in journey.form.fields if f.from_personnummer]
    labels = {f.id: f.label for f in asked.fields}
    return render_template("register.html", journey=journey, journeys=_journeys(), values=values, errors=shown,
                           inputs=inputs, answered=answered, labels=labels, today=now().date()), status


@blueprint.get("")
def choose() -> Response | tuple[str, int]:
    """Which intervention: straight to its form when there is only one."""
    journeys = _journeys()
    if not journeys:
        raise Forbidden(f"{me().username} may not start cases")
    if len(journeys) == 1:
        return redirect(url_for("registration.form", key=journeys[0].process_key))
    return render_template("register_choose.html", journeys=journeys), 200


@blueprint.get("/<key>")
def form(key: str) -> tuple[str, int]:
    journey = _journey(key)
    values: dict[str, str] = {}
    referrer_field = journey.form.field("remittent")
    if me().is_referrer and referrer_field is not None and referrer_field.type == "string":
        values["remittent"] = me().display_name
    return _render(journey, values, {})


@blueprint.post("/<key>")
def register(key: str) -> Response | tuple[str, int]:
    journey = _journey(key)
    asked = _asked(journey.form)
    values = {k: request.form.get(k, "") for k in participants.FIELDS}
    answers = form_fields.submitted(asked, request.form)
    registration, errors = participants.check(key, journey.form, {**values, **answers}, today=now().date())
    if registration is None:
        # Every missing or wrong answer named at once: the form's own too, as the engine would refuse them.
        problems = engine().start_problems(key, answers)
        return _render(journey, {**values, **answers},
                       {**errors, **{k: v for k, v in problems.items() if asked.field(k) is not None}}, 422)
    try:
        case = engine().start_case(key, participant=registration.participant, data=registration.data,
                                   participant_key=registration.personnummer, actor=me().username,
                                   alongside=logged_with(me(), "case.started"))
    except Conflict:
        errors["personnummer"] = _("Deltagaren har redan ett pågående ärende i den här insatsen.")
        return _render(journey, {**values, **answers}, errors, 409)
    except InvalidFormData as err:
        return _render(journey, {**values, **answers}, {k: str(v) for k, v in err.fields.items()}, 422)
    except CaseNotStarted as err:
        flash(_("Ärendet kunde inte startas: processen stannade i sitt första steg (%(element)s). Inget sparades; "
                "kontakta den som ansvarar för processen.", element=err.element), "error")
        return _render(journey, {**values, **answers}, {}, 422)
    flash(_("Deltagaren är registrerad och ärendet startat."), "success")
    return redirect(url_for("cases.show", case_id=case.id))
