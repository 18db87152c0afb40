"""The case view (participant, consent, diagram, history, deadlines, data, notes) and its actions."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from engine.errors import Conflict, EngineError, InvalidFormData
from engine.views import Case
from web import authz, personnummer
from web.access_log import log_access
from web.ui.pages import engine, me, now, page_context, require_user, teamwork
from web.ui.security import model_file

blueprint = Blueprint("cases", __name__, url_prefix="/cases")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

MAX_REASON = 1000


@blueprint.get("")
def index() -> str:
    status = request.args.get("status") or None
    if status not in (None, "open", "paused", "completed", "cancelled"):
        status = None
    cases = authz.visible_cases(engine(), me(), status=status, limit=200)
    return render_template("cases.html", cases=cases, status=status, masked=personnummer.masked)


def _case(case_id: str) -> Case:
    return authz.visible_case(engine(), me(), case_id)


def _render(case: Case, show_personnummer: bool = False) -> str:
    history = engine().history(case.id)
    diagram = engine().case_diagram(case, history)
    number = str(case.participant.get("personnummer") or "")
    pauses = [e for e in history if e.event == "CasePaused"]
    # Paused by the model (a task such as sick leave): it goes on when that task is done.
    resting_on = (pauses[-1].details or {}).get("reason") if case.status == "paused" and pauses \
        and pauses[-1].element else None
    consent_revoked = any(e.event == "MessageReceived" and (e.details or {}).get("name") == "samtycke_aterkallat"
                          for e in history)
    return render_template(
        "case.html", case=case, history=list(reversed(history)), diagram=diagram,
        personnummer=personnummer.shown(number) if show_personnummer else personnummer.masked(number),
        may_reveal=not show_personnummer and authz.allowed(me(), authz.Action.SEE_PERSONNUMMER, case),
        may_change=authz.allowed(me(), authz.Action.CHANGE_CASE, case), notes=teamwork().notes(case.id),
        consent_revoked=consent_revoked, resting_on=resting_on, now=now(),
        current_names=", ".join(diagram.names.get(e, e) for e in diagram.current),
        may_work=lambda t: authz.allowed(me(), authz.Action.WORK_ON_TASK, t),
    )


@blueprint.get("/<case_id>")
def show(case_id: str) -> str:
    case = _case(case_id)
    log_access(me(), case.id, "case.read")
    return _render(case)


@blueprint.post("/<case_id>/personnummer")
def reveal(case_id: str) -> str:
    case = _case(case_id)
    authz.require(me(), authz.Action.SEE_PERSONNUMMER, case)
    log_access(me(), case.id, "personnummer.shown")
    return _render(case, show_personnummer=True)


@blueprint.get("/<case_id>/diagram.bpmn")
def diagram(case_id: str) -> Response:
    case = _case(case_id)
    xml = engine().process_xml(case.process_key, case.process_version)
    return model_file(xml)


def _changeable(case_id: str, action: authz.Action = authz.Action.CHANGE_CASE) -> Case:
    case = _case(case_id)
    authz.require(me(), action, case)
    return case


def _reason() -> str | None:
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("Skriv en anledning."), "error")
        return None
    return reason[:MAX_REASON]


@blueprint.post("/<case_id>/messages")
def report(case_id: str) -> WerkzeugResponse:
    """Report an event (sick leave, consent revoked, …) that the case is waiting for."""
    case = _changeable(case_id, authz.Action.REPORT_EVENT)
    name = request.form.get("name", "")
    if name not in case.waiting_messages:
        flash(_("Ärendet väntar inte på den händelsen just nu."), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    note = request.form.get("note", "").strip()
    try:
        engine().send_message(case.id, name, {}, me().username)
        if note:
            teamwork().add_note(case.id, me(), note, now())
    except EngineError:
        flash(_("Händelsen kunde inte rapporteras: ärendet har ändrats. Se efter och försök igen."), "error")
    else:
        log_access(me(), case.id, f"message.{name}")
        flash(_("Händelsen är rapporterad."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@blueprint.post("/<case_id>/pause")
def pause(case_id: str) -> WerkzeugResponse:
    case = _changeable(case_id)
    reason = _reason()
    if reason is not None:
        try:
            engine().pause_case(case.id, reason, me().username)
            flash(_("Ärendet är pausat. Inga tidsgränser löper förrän det återupptas."), "success")
        except Conflict:
            flash(_("Bara ett pågående ärende kan pausas."), "error")
    return redirect(url_for("cases.show", case_id=case.id))


@blueprint.post("/<case_id>/resume")
def resume(case_id: str) -> WerkzeugResponse:
    case = _changeable(case_id)
    try:
        engine().resume_case(case.id, me().username)
        flash(_("Ärendet är återupptaget."), "success")
    except Conflict:
        flash(_("Bara ett pausat ärende kan återupptas."), "error")
    return redirect(url_for("cases.show", case_id=case.id))


@blueprint.post("/<case_id>/close")
def close(case_id: str) -> WerkzeugResponse:
    case = _changeable(case_id)
    reason = _reason()
    if reason is not None:
        try:
            engine().cancel_case(case.id, reason, me().username)
            flash(_("Ärendet är stängt."), "success")
        except Conflict:
            flash(_("Ärendet är redan avslutat."), "error")
    return redirect(url_for("cases.show", case_id=case.id))


@blueprint.post("/<case_id>/notes")
def add_note(case_id: str) -> WerkzeugResponse:
    case = _changeable(case_id, authz.Action.WRITE_NOTE)
    try:
        teamwork().add_note(case.id, me(), request.form.get("text", ""), now())
    except InvalidFormData as err:
        flash(_("Anteckningen sparades inte: %(why)s", why="; ".join(err.fields.values())), "error")
    else:
        log_access(me(), case.id, "case.noted")
        flash(_("Anteckningen är sparad."), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#notes")
