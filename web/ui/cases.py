"""The case view (participant, consent, diagram, history, deadlines, data, notes) and its actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from engine.errors import Conflict, EngineError, InvalidFormData, InvalidInput, NotFound
from engine.views import Case, CaseEvent, CaseFilter, CasePage, Consent, ConsentStatus, Form, named_on
from web import authz, personnummer
from web.access_log import IDENTITY_SHOWN, log_access, logged_with
from web.ui import case_record, labels
from web.ui.pages import accounts, engine, me, now, page_context, require_user, teamwork
from web.ui.security import model_file

blueprint = Blueprint("cases", __name__, url_prefix="/cases")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

MAX_REASON = 1000


#: Rows on a page of the case list: the choices, and the one given unless another is chosen.
PAGE_SIZES = (20, 50, 100)
PAGE_SIZE = 50
#: The list's sortable columns: the address's name → the engine's, and whether it starts descending.
SORTS = {"started": ("started", True), "name": ("name", False), "personnummer": ("participant_key", False),
         "process": ("process", False), "status": ("status", False)}
STATUSES = ("open", "paused", "completed", "cancelled")


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


@blueprint.get("")
def index() -> str:
    """The cases one may see: searched (name, personnummer, its last four digits, birth date),
    filtered by status, sorted by a column, a page at a time."""
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    q = " ".join((request.args.get("q") or "").split())[:100]
    sort = request.args.get("sort") or "started"
    if sort not in SORTS:
        sort = "started"
    engine_sort, descending = SORTS[sort]
    if request.args.get("order") in ("asc", "desc"):
        descending = request.args.get("order") == "desc"
    key = personnummer.search_pattern(q) if q else None
    unusable = bool(q) and key is None and not any(c.isalpha() for c in q)
    search = CaseFilter(status=status, participant_key=key, name=q if q and key is None else None)
    page_number = _page_number(request.args.get("page"))
    size = _page_number(request.args.get("per_page") or str(PAGE_SIZE))
    size = size if size in PAGE_SIZES else PAGE_SIZE
    result = CasePage((), 0, 0, size) if unusable else authz.visible_case_page(
        engine(), me(), search, sort=engine_sort, descending=descending, limit=size,
        offset=(page_number - 1) * size)
    pages = max(1, -(-result.total // size))
    if page_number > pages:  # a page that is no longer there (fewer cases since): the last one
        page_number = pages
        result = authz.visible_case_page(engine(), me(), search, sort=engine_sort, descending=descending,
                                         limit=size, offset=(pages - 1) * size)
    # The page's own links keep the search, except a whole personnummer: that reaches no address
    # but the one the form sent (a handful of cases at most: one page, sorted as it comes).
    linkable = not personnummer.is_whole_number(q)
    q_shown = q if linkable else q[:-4] + "****"
    base = {k: v for k, v in (("status", status), ("q", q if linkable else None),
                              ("per_page", size if size != PAGE_SIZE else None)) if v}

    def link(**changes: Any) -> str:
        args: dict[str, Any] = {**base, "sort": sort, "order": "desc" if descending else "asc",
                                "page": page_number, **changes}
        if args["page"] == 1:
            del args["page"]
        return url_for("cases.index", **args)

    # A list never names a protected participant, whoever reads it, nor one whose consent is withdrawn
    # to those who no longer read the case (authz.listed_case).
    listed = [authz.listed_case(me(), c) for c in result.cases]
    result = replace(result, cases=tuple(c for c, _opens in listed))
    return render_template(
        "cases.html", closed_to_me={c.id for c, opens in listed if not opens}, page=result, status=status, q=q,
        q_shown=q_shown, sort=sort, descending=descending, unusable=unusable, page_number=page_number, pages=pages,
        linkable=linkable, link=link, sorts=SORTS, size=size, sizes=PAGE_SIZES, masked=personnummer.masked,
        process_names=_process_names(), here=request.full_path if linkable else link(page=1))


def _process_names() -> dict[str, str]:
    return {p.key: p.name or p.key for p in engine().processes()}


def _case(case_id: str) -> Case:
    return authz.visible_case(engine(), me(), case_id)


def _people(history: list[CaseEvent], forms: dict[str, Form], case: Case) -> dict[str, str]:
    wanted = case_record.people_named(history, forms) | {t.assignee for t in case.open_tasks if t.assignee}
    return accounts().display_names(wanted)


@dataclass(frozen=True)
class Protection:
    """The case page's form for a protected identity: whether it is, and whom it may name."""

    protected: bool
    #: (user name, display name, named now), the intervention's staff and whoever is named already.
    people: list[tuple[str, str, bool]]


def _protection(case: Case) -> Protection | None:
    """The form for those who may protect the identity (authz ``case.protect``), else None."""
    if not authz.allowed(me(), authz.Action.PROTECT_IDENTITY, case) or not case.participant:
        return None
    named = named_on(case.participant)
    staff = {u.username: u.display_name for u in accounts().colleagues((case.process_key,))}
    others = accounts().display_names([n for n in named if n not in staff])
    offered = [*staff, *(n for n in named if n not in staff)]
    people = [(u, staff.get(u) or others.get(u) or u, u in named) for u in offered]
    return Protection(case.protected, people)


def _render(case: Case, show_personnummer: bool = False) -> str:
    protection = _protection(case)
    full_history = engine().history(case.id)
    diagram = engine().case_diagram(case, full_history)
    forms = engine().forms(case.process_key, case.process_version)
    start = engine().start_form(case.process_key, case.process_version)
    consent = engine().consent(case)
    # What the reader sees of the case (authz.SEES): the referrer only its status and shared data.
    history = authz.history_as_seen(me(), case, full_history, forms, start)
    case = authz.case_as_seen(me(), case, forms, start)
    names = _people(history, forms, case)
    step_names = _step_names(history, diagram.names)
    number = str(case.participant.get("personnummer") or "")
    pauses = [e for e in history if e.event == "CasePaused"]
    # Paused by the model (a task such as sick leave): it goes on when that task is done.
    resting_on = (pauses[-1].details or {}).get("reason") if case.status == "paused" and pauses \
        and pauses[-1].element else None
    finished = {e.details.get("task_id") for e in history if e.event == "TaskCompleted"}
    may_read_notes = authz.sees(me(), case, authz.Part.NOTES)
    return render_template(
        "case.html", case=case, history=list(reversed(history)), diagram=diagram, protection=protection,
        personnummer="–" if not number else personnummer.shown(number) if show_personnummer
        else personnummer.masked(number),
        may_reveal=not show_personnummer and authz.allowed(me(), authz.Action.SEE_PERSONNUMMER, case),
        may_change=authz.allowed(me(), authz.Action.CHANGE_CASE, case),
        notes=teamwork().notes(case.id) if may_read_notes else None,
        process_map=authz.sees(me(), case, authz.Part.PROCESS_MAP),
        open_tasks_shown=authz.sees(me(), case, authz.Part.OPEN_TASKS),
        consent=consent, may_renew_consent=_may_renew_consent(case, consent), today=engine().today(),
        resting_on=resting_on, now=now(),
        current_names=", ".join(step_names.get(e, e) for e in diagram.current),
        may_work=lambda t: authz.allowed(me(), authz.Action.WORK_ON_TASK, t),
        groups=case_record.case_groups(case.data, history, forms, step_names, diagram.labels, names, start,
                                       asked={f.id for t in case.open_tasks for f in t.form.fields}),
        step_names=step_names, person=lambda u: case_record.actor_name(u, names), finished=finished,
        process_name=_process_names().get(case.process_key, case.process_key),
        decisions=_decisions(case, history, forms, step_names, names),
        value_of=lambda key: case_record.shown(case.data.get(key), case_record.field_of(forms, key) or start.field(key),
                                               names),
    )


def _step_names(history: list[CaseEvent], in_model: dict[str, str]) -> dict[str, str]:
    """Element id → what people call it: its name in the model, else the title its task was given."""
    titles = {e.element: str(e.details["title"]) for e in history
              if e.event == "TaskCreated" and e.element and e.details.get("title")}
    return {**titles, **in_model}


def _decisions(case: Case, history: list[CaseEvent], forms: dict[str, Form], step_names: dict[str, str],
               names: dict[str, str]) -> list[case_record.Entry]:
    """For the printed summary: every choice made on a form (an option or yes/no), latest value."""
    found: dict[str, case_record.Entry] = {}
    for e in history:
        form = forms.get(e.element or "") if e.event == "TaskCompleted" else None
        if form is None:
            continue
        for f in form.fields:
            value = (e.details.get("data") or {}).get(f.id)
            if (f.options or f.type == "boolean") and value not in (None, ""):
                found[f.id] = case_record.Entry(f.id, f"{step_names.get(e.element or '', '')}: {f.label}",
                                                case_record.shown(value, f, names))
    return list(found.values())


def log_read(case: Case, action: str) -> None:
    """Log a read of one case, and that it showed a protected identity if it did (``identity.shown``)."""
    log_access(me(), case.id, action)
    if authz.reveals_identity(me(), case):
        log_access(me(), case.id, IDENTITY_SHOWN)


@blueprint.get("/<case_id>")
def show(case_id: str) -> str:
    case = _case(case_id)
    log_read(case, "case.read")
    return _render(case)


@blueprint.post("/<case_id>/personnummer")
def reveal(case_id: str) -> str:
    case = _case(case_id)
    authz.require(me(), authz.Action.SEE_PERSONNUMMER, case)
    log_read(case, "personnummer.shown")
    return _render(case, show_personnummer=True)


@blueprint.post("/<case_id>/skydd")
def protect(case_id: str) -> WerkzeugResponse:
    """Protect the participant's identity (skyddade personuppgifter), naming who may know it, or lift
    the protection; with a reason, in the case's history and the access log."""
    case = _changeable(case_id, authz.Action.PROTECT_IDENTITY)
    reason = _reason()
    if reason is None:
        return redirect(url_for("cases.show", case_id=case.id) + "#protection")
    protected = request.form.get("skyddad") == "ja"
    offered = {person for person, _name, _named in (_protection(case) or Protection(False, [])).people}
    named = [u for u in request.form.getlist("behorig") if u in offered]
    try:
        action = "identity.protected" if protected else "identity.unprotected"
        engine().protect_identity(case.id, protected, named, reason, me().username,
                                  alongside=logged_with(me(), action))
    except (Conflict, NotFound):
        flash(_("Skyddet kunde inte ändras: ärendet har inga personuppgifter kvar."), "error")
    else:
        flash(_("Deltagarens identitet är skyddad.") if protected
              else _("Skyddet av deltagarens identitet är borttaget."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _may_renew_consent(case: Case, consent: Consent) -> bool:
    return case.status in ("open", "paused") and consent.status is not ConsentStatus.REVOKED \
        and authz.allowed(me(), authz.Action.RENEW_CONSENT, case)


@blueprint.post("/<case_id>/samtycke")
def renew_consent(case_id: str) -> WerkzeugResponse:
    """Record the participant's renewed consent (its day, scope and last day), with a reason: in the
    case's data and history, and in the access log."""
    case = _changeable(case_id, authz.Action.RENEW_CONSENT)
    back = redirect(url_for("cases.show", case_id=case.id) + "#consent")
    given, valid_until = _day(request.form.get("samtycke_datum")), _day(request.form.get("samtycke_giltigt_till"))
    if given is None or (request.form.get("samtycke_giltigt_till", "").strip() and valid_until is None):
        flash(_("Ange samtyckets datum (och sista giltighetsdag) som ÅÅÅÅ-MM-DD."), "error")
        return back
    try:
        engine().renew_consent(case.id, given, request.form.get("samtycke_omfattning", ""), valid_until,
                               request.form.get("reason", ""), me().username)
    except InvalidInput as refused:
        flash(_consent_problem(refused.details), "error")
        return back
    except Conflict:
        flash(_("Samtycket kan inte förnyas: det är återkallat eller ärendet är avslutat."), "error")
        return back
    log_access(me(), case.id, "consent.renewed")
    flash(_("Det förnyade samtycket är registrerat."), "success")
    return back


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _consent_problem(problems: Mapping[str, object]) -> str:
    """The first of a refused renewal's problems, in Swedish."""
    if "given" in problems:
        return _("Samtyckets datum kan inte ligga i framtiden.")
    if "valid_until" in problems:
        return _("Sista giltighetsdag kan inte ligga före i dag eller före samtyckets datum.")
    if problems.get("scope") == "too_long":
        return _("Omfattningen får vara högst 1 000 tecken.")
    if "scope" in problems:
        return _("Ange samtyckets omfattning.")
    return _("Skriv en anledning.")


@blueprint.get("/<case_id>/tasks/<task_id>")
def finished_task(case_id: str, task_id: str) -> str | WerkzeugResponse:
    """A finished task, read-only: who completed it, when, and what they submitted."""
    case = _case(case_id)
    if any(t.id == task_id for t in case.open_tasks):
        return redirect(url_for("tasks.show", task_id=task_id))
    full_history = engine().history(case.id)
    forms = engine().forms(case.process_key, case.process_version)
    start = engine().start_form(case.process_key, case.process_version)
    step_names = _step_names(full_history, engine().case_diagram(case, full_history).names)
    # The referrer reads a finished task only if it recorded a shared value, and only those values.
    history = authz.history_as_seen(me(), case, full_history, forms, start)
    everything = authz.sees(me(), case, authz.Part.ALL_HISTORY)
    names = _people(history, forms, case)
    task = case_record.finished_task(history, task_id, forms, step_names, names, whole_form=everything)
    if task is None:
        raise NotFound(f"task {task_id} of case {case_id} was not completed")
    log_read(case, "task.read")
    notes = authz.sees(me(), case, authz.Part.NOTES)
    return render_template(
        "finished_task.html", case=authz.identity_as_seen(me(), case, start), task=task,
        person=lambda u: case_record.actor_name(u, names),
        comments=[n for n in teamwork().notes(case.id) if n.task_id == task_id] if notes else None)


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


def _participant(case: Case) -> str:
    return authz.listed_name(case)


def _confirm(case: Case, question: str, lines: list[str], action: str, fields: list[tuple[str, str]],
             confirm_label: str, *, danger: bool = False) -> str:
    """The page that asks before a step that cannot be undone is taken (server-rendered, no script)."""
    return render_template("confirm.html", question=question, lines=lines, action=action, fields=fields,
                           confirm_label=confirm_label, danger=danger,
                           back=url_for("cases.show", case_id=case.id), back_label=_participant(case))


@blueprint.post("/<case_id>/messages")
def report(case_id: str) -> WerkzeugResponse | str:
    """Report an event (sick leave, consent revoked, …) that the case is waiting for."""
    case = _changeable(case_id, authz.Action.REPORT_EVENT)
    name = request.form.get("name", "")
    if name not in case.waiting_messages:
        flash(_("Ärendet väntar inte på den händelsen just nu."), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    note = request.form.get("note", "").strip()
    if request.form.get("confirmed") != "ja":  # an event moves the case (consent revoked ends it): asked first
        return _confirm(case, _("Rapportera ”%(event)s” för %(name)s?", event=labels.label(labels.MESSAGES, name),
                                name=_participant(case)),
                        [_("Anteckning: %(note)s", note=note)] if note else [],
                        url_for("cases.report", case_id=case.id), [("name", name), ("note", note)], _("Ja, rapportera"))
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
def close(case_id: str) -> WerkzeugResponse | str:
    case = _changeable(case_id)
    reason = _reason()
    if reason is not None and request.form.get("confirmed") != "ja":
        return _confirm(case, _("Stänga ärendet för %(name)s?", name=_participant(case)),
                        [_("Anledning: %(reason)s", reason=reason),
                         _("Ärendet avslutas: dess öppna uppgifter tas bort och inga tidsgränser löper. "
                           "Det kan inte öppnas igen.")],
                        url_for("cases.close", case_id=case.id), [("reason", reason)], _("Ja, stäng ärendet"),
                        danger=True)
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
