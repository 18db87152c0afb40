"""One task: its form beside the case, claim and release, reassignment, comments, completion."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import CaseOnHold, Conflict, EngineError, InvalidFormData, NotFound, StepFailed
from engine.events import TaskCompleted
from engine.views import CaseFilter, Task
from web import authz
from web.access_log import log_access, logged_with
from web.ui import form_fields
from web.ui.i18n import locale
from web.ui.pages import accounts, engine, me, now, page_context, require_user, safe_next, teamwork

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)


def _open_task(task_id: str) -> Task | None:
    """The task if it is open and its case visible to me; None (with a message) if it is no longer open."""
    try:
        task = engine().task(task_id)
    except NotFound:
        flash(_("Uppgiften är redan slutförd eller finns inte längre. Någon annan kan ha hunnit före."), "info")
        return None
    _readable(task)
    return task


def _readable(task: Task) -> None:
    """NotFound unless I may read the task's case and see its open tasks (authz.SEES: not the referrer)."""
    case = authz.visible_case(engine(), me(), task.case_id)
    if not authz.sees(me(), case, authz.Part.OPEN_TASKS):
        raise NotFound(f"task {task.id} does not exist")


def _gone() -> Response:
    return redirect(safe_next(request.form.get("next") or request.args.get("next"), url_for("inbox.index")))


def _render(task: Task, values: Mapping[str, Any], errors: Mapping[str, str], status: int = 200) -> tuple[str, int]:
    case = engine().case(task.case_id)
    log_access(me(), case.id, "task.read")
    shown_errors = {k: form_fields.message_in(v, locale()) for k, v in errors.items()}
    unknown = {k: v for k, v in shown_errors.items() if task.form.field(k) is None}
    notes = [n for n in teamwork().notes(case.id) if n.task_id == task.id]
    history = engine().history(case.id)
    return render_template(
        "task.html", task=task, case=case,
        inputs=form_fields.inputs(task.form, values, shown_errors, case.data, people={
            f.id: engine().people_for(task, f.id) for f in task.form.fields if f.user_roles is not None}),
        form_errors=unknown, may_work=authz.allowed(me(), authz.Action.WORK_ON_TASK, task),
        may_assign=authz.allowed(me(), authz.Action.ASSIGN_TASK, task),
        may_comment=authz.allowed(me(), authz.Action.COMMENT_ON_TASK, task),
        colleagues=accounts().colleagues((task.process_key,)), comments=notes,
        assignee_name=accounts().display_names([task.assignee]).get(task.assignee or "", task.assignee),
        process_name=next((p.name for p in engine().processes() if p.key == case.process_key), case.process_key),
        history=history[-8:], names=engine().case_diagram(case, history).names, now=now(),
    ), status


#: How many of the cases one may see (newest first) are searched for a finished task whose address
#: names no case: enough for a task finished lately, few enough that an address made up cannot make
#: the page read every case's history.
FINISHED_SEARCH = 200


def _case_of_finished(task_id: str) -> str | None:
    """The case whose history completed ``task_id``, among those I may see, or None. The engine finds
    open tasks only (``engine().task``), so the case comes from the address's ``next`` (the
    notifications pass the case's), a notification about the task, or the history of my newest cases."""
    candidates: list[str] = []
    found = re.fullmatch(r"/cases/([^/?#]+)", request.args.get("next") or "")
    if found:
        candidates.append(found.group(1))
    candidates += [n.case_id for n in authz.visible_notifications(engine(), me(), limit=1000) if n.task_id == task_id]
    for case_id in dict.fromkeys(candidates):
        try:
            if _completed_in(authz.visible_case(engine(), me(), case_id).id, task_id):
                return case_id
        except NotFound:
            continue
    newest = authz.visible_case_page(engine(), me(), CaseFilter(), limit=FINISHED_SEARCH).cases
    return next((c.id for c in newest if _completed_in(c.id, task_id)), None)


def _completed_in(case_id: str, task_id: str) -> bool:
    return any(e.event == TaskCompleted.event and (e.details or {}).get("task_id") == task_id
               for e in engine().history(case_id))


@blueprint.get("/<task_id>")
def show(task_id: str) -> Response | tuple[str, int]:
    """An open task's form; a finished one's record (who, when, what), read through its case."""
    try:
        task = engine().task(task_id)
    except NotFound:
        case_id = _case_of_finished(task_id)
        if case_id is not None:
            return redirect(url_for("cases.finished_task", case_id=case_id, task_id=task_id))
        flash(_("Uppgiften är redan slutförd eller finns inte längre. Någon annan kan ha hunnit före."), "info")
        return _gone()
    _readable(task)
    return _render(task, {}, {})


@blueprint.post("/<task_id>/complete")
def complete(task_id: str) -> Response | tuple[str, int]:
    task = _open_task(task_id)
    if task is None:
        return _gone()
    authz.require(me(), authz.Action.WORK_ON_TASK, task)
    data = form_fields.submitted(task.form, request.form)
    try:
        case = engine().complete_task(task.id, data, me().username,
                                      alongside=logged_with(me(), f"task.completed.{task.name}"))
    except InvalidFormData as err:
        flash(_("Formuläret har fel. Rätta de markerade fälten."), "error")
        return _render(task, request.form, err.fields, 422)
    except (Conflict, NotFound):
        flash(_("Uppgiften hann slutföras eller tas av någon annan. Inget av det du skrev sparades."), "info")
        return redirect(url_for("cases.show", case_id=task.case_id))
    except StepFailed:
        flash(_("Uppgiften sparades, men nästa steg i processen stannade på ett fel. Ärendet visar felet; "
                "en administratör kan försöka igen."), "error")
        return redirect(url_for("cases.show", case_id=task.case_id))
    flash(_("Klart: %(task)s.", task=task.title), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@blueprint.post("/<task_id>/claim")
def claim(task_id: str) -> Response:
    task = _open_task(task_id)
    if task is None:
        return _gone()
    authz.require(me(), authz.Action.WORK_ON_TASK, task)
    try:
        engine().claim_task(task.id, me().username)
    except CaseOnHold:
        flash(_("Ärendet vilar: uppgiften kan inte tas förrän ärendet återupptas."), "error")
    except (Conflict, NotFound):
        flash(_("Någon annan tog uppgiften innan dig."), "info")
    else:
        flash(_("Du har tagit uppgiften."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("tasks.show", task_id=task.id)))


@blueprint.post("/<task_id>/unclaim")
def unclaim(task_id: str) -> Response:
    task = _open_task(task_id)
    if task is None:
        return _gone()
    try:
        engine().unclaim_task(task.id, me().username)
    except (Conflict, NotFound):
        flash(_("Uppgiften är inte din att lämna tillbaka."), "error")
    else:
        flash(_("Uppgiften är tillbaka hos gruppen."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))


@blueprint.post("/<task_id>/assign")
def assign(task_id: str) -> Response:
    """A team leader gives a task to a colleague (delegates), or back to its groups."""
    task = _open_task(task_id)
    if task is None:
        return _gone()
    authz.require(me(), authz.Action.ASSIGN_TASK, task)
    target = request.form.get("assignee") or None
    if target is not None and target not in {u.username for u in accounts().colleagues((task.process_key,))}:
        flash(_("Välj en person i teamet."), "error")
        return redirect(url_for("tasks.show", task_id=task.id))
    try:
        engine().assign_task(task.id, target, me().username)
    except EngineError:
        flash(_("Uppgiften kunde inte tilldelas: den är inte längre öppen."), "error")
    else:
        flash(_("Uppgiften är tilldelad.") if target else _("Uppgiften är tillbaka hos gruppen."), "success")
    return redirect(url_for("tasks.show", task_id=task.id))


@blueprint.post("/<task_id>/comments")
def comment(task_id: str) -> Response:
    task = _open_task(task_id)
    if task is None:
        return _gone()
    authz.require(me(), authz.Action.COMMENT_ON_TASK, task)
    try:
        teamwork().add_note(task.case_id, me(), request.form.get("text", ""), now(), task_id=task.id)
    except InvalidFormData as err:
        flash(_("Kommentaren sparades inte: %(why)s", why="; ".join(err.fields.values())), "error")
    else:
        log_access(me(), task.case_id, "task.commented")
        flash(_("Kommentaren är sparad."), "success")
    return redirect(url_for("tasks.show", task_id=task.id) + "#comments")
