"""Trying a draft in its sandbox: start a test case, work its tasks with test data, report events,
move the simulated clock — in a database of its own, never touching real cases."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import (
    Conflict,
    EngineError,
    InvalidFormData,
    InvalidInput,
    NotFound,
    OpensCasesItself,
    StepFailed,
)
from engine.sandbox import Sandbox
from engine.views import NAMED, PROTECTED, Case
from web.designer.common import blueprint, check, errors_of, open_draft, sandboxes
from web.designer.drafts import Draft
from web.ui import form_fields
from web.ui.i18n import locale
from web.ui.pages import me, now

#: A test case's participant, unless the designer names one.
TEST_PARTICIPANT = "Testdeltagare"


def _box(draft: Draft) -> tuple[Sandbox, list[Any]]:
    """The draft's sandbox, with the draft loaded in it if it has no errors (and the errors if it has)."""
    errors = errors_of(check(draft))
    box = sandboxes().get(draft.sandbox_name, now())
    if not errors:
        box.load(draft.sources(), me().username)
    return box, errors


def _page(draft_id: int, case_id: str | None = None) -> Response:
    target = url_for("designer.sandbox", draft_id=draft_id, case=case_id) if case_id else \
        url_for("designer.sandbox", draft_id=draft_id)
    return redirect(target, code=303)


def _render(draft: Draft, box: Sandbox, errors: list[Any], case_id: str | None = None,
            form_errors: Mapping[str, Mapping[str, str]] | None = None,
            values: Mapping[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    sandbox = box.engine
    cases = sandbox.cases(process_key=draft.process_key, limit=50) if not errors else []
    selected: Case | None = None
    if cases:
        wanted = case_id or request.args.get("case")
        selected = next((c for c in cases if c.id == wanted), cases[0])
        selected = sandbox.case(selected.id)
    forms: dict[str, list[form_fields.Input]] = {}
    history, notifications = [], []
    if selected is not None:
        shown = form_errors or {}
        for task in selected.open_tasks:
            task_errors = {k: form_fields.message_in(v, locale()) for k, v in shown.get(task.id, {}).items()}
            # The case's data fills the fields it already has a value for: quicker test runs, and a
            # read-only field shows what the case holds.
            filled = (values or {}) if task.id in shown else {k: v for k, v in selected.data.items() if v is not None}
            forms[task.id] = form_fields.inputs(task.form, filled, task_errors, selected.data)
        history = list(reversed(sandbox.history(selected.id)))
        notifications = [n for n in sandbox.notifications(limit=200) if n.case_id == selected.id]
    return render_template(
        "designer/sandbox.html", draft=draft, errors=errors, cases=cases, case=selected, forms=forms,
        history=history, notifications=notifications, sandbox_now=box.clock.now(), next_due=_next_due(box),
        versions=sandbox.versions(draft.process_key) if not errors else [],
    ), status


def _next_due(box: Sandbox) -> Any:
    """The next moment anything falls due in the sandbox: a timer, a reminder or a due date."""
    moments = [t.due_at for t in box.engine.upcoming_timers(limit=1)]
    moments += [s.next_due_at for s in box.engine.automatic_starts() if s.next_due_at is not None]
    for task in box.engine.tasks(limit=500):
        moments += [m for m in (task.follow_up_at, task.due_at) if m is not None and m > box.clock.now()]
    return min(moments, default=None)


@blueprint.get("/drafts/<int:draft_id>/sandbox")
def sandbox(draft_id: int) -> tuple[str, int]:
    draft = open_draft(draft_id)
    box, errors = _box(draft)
    return _render(draft, box, errors)


@blueprint.post("/drafts/<int:draft_id>/sandbox/cases")
def sandbox_start(draft_id: int) -> Response | tuple[str, int]:
    draft = open_draft(draft_id)
    box, errors = _box(draft)
    if errors:
        return _render(draft, box, errors, status=409)
    name = (request.form.get("name") or "").strip()[:200] or TEST_PARTICIPANT
    raw = (request.form.get("data") or "").strip()
    try:
        data = json.loads(raw) if raw else {}
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError:
        flash(_('Startdata ska vara ett JSON-objekt, t.ex. {"hemkommun": "Nora"}.'), "error")
        return _page(draft.id)
    # What registration would ask (the start event's form) and the start data does not say gets an
    # example answer, so that a test case can start without typing every field.
    start = box.engine.registration(draft.process_key)
    examples = {k: v for k, v in (start.form.sample_answers(box.engine.clock.now().date()) if start else {}).items()
                if k not in data}
    try:
        # A test participant with a protected identity, to see the journey as its staff and its mails would.
        protected = {PROTECTED: True, NAMED: []} if request.form.get("skyddad") == "ja" else {}
        case = box.engine.start_case(draft.process_key, participant={"name": name, **protected},
                                     data={**examples, **data},
                                     actor=me().username)
    except (InvalidFormData, InvalidInput):
        flash(_("Startdata kunde inte tas emot: namnen ska vara identifierare och värdena text, tal eller "
                "sant/falskt."), "error")
        return _page(draft.id)
    except StepFailed as failed:
        flash(_("Testärendet stannade på ett fel: %(message)s", message=failed.message), "error")
        return _page(draft.id)
    except OpensCasesItself:  # a timer start event opens them: only when the sandbox's time is moved
        flash(_("Processen öppnar sina ärenden själv med sin starthändelse med timer: flytta tiden i sandlådan "
                "fram så öppnas de."), "info")
        return _page(draft.id)
    flash(_("Ett testärende är startat."), "success")
    if examples and start is not None:
        flash(_("Registreringens fält som startdata inte angav fick exempelvärden: %(fields)s.",
                fields=", ".join(f.label for f in start.form.fields if f.id in examples)), "info")
    return _page(draft.id, case.id)


@blueprint.post("/drafts/<int:draft_id>/sandbox/tasks/<task_id>")
def sandbox_complete(draft_id: int, task_id: str) -> Response | tuple[str, int]:
    draft = open_draft(draft_id)
    box, errors = _box(draft)
    if errors:
        return _render(draft, box, errors, status=409)
    try:
        task = box.engine.task(task_id)
    except NotFound:
        flash(_("Uppgiften är inte längre öppen."), "info")
        return _page(draft.id)
    data = form_fields.submitted(task.form, request.form)
    try:
        # In the sandbox the designer plays every role: the one who holds the task, else anyone offered it.
        box.engine.complete_task(task.id, data, task.assignee or me().username)
    except InvalidFormData as err:
        flash(_("Formuläret har fel. Rätta de markerade fälten."), "error")
        return _render(draft, box, errors, task.case_id, {task.id: err.fields}, request.form, status=422)
    except StepFailed as failed:
        flash(_("Nästa steg i processen stannade på ett fel: %(message)s", message=failed.message), "error")
    except Conflict:
        flash(_("Uppgiften är inte längre öppen."), "info")
    else:
        flash(_("Klart: %(task)s.", task=task.title), "success")
    return _page(draft.id, task.case_id)


@blueprint.post("/drafts/<int:draft_id>/sandbox/cases/<case_id>/messages")
def sandbox_message(draft_id: int, case_id: str) -> Response | tuple[str, int]:
    draft = open_draft(draft_id)
    box, errors = _box(draft)
    if errors:
        return _render(draft, box, errors, status=409)
    name = request.form.get("name", "")
    try:
        box.engine.send_message(case_id, name, {}, me().username)
    except StepFailed as failed:
        flash(_("Nästa steg i processen stannade på ett fel: %(message)s", message=failed.message), "error")
    except EngineError:
        flash(_("Ärendet väntar inte på den händelsen just nu."), "error")
    else:
        flash(_("Händelsen är rapporterad."), "success")
    return _page(draft.id, case_id)


@blueprint.post("/drafts/<int:draft_id>/sandbox/clock")
def sandbox_clock(draft_id: int) -> Response | tuple[str, int]:
    """Move the sandbox's time forward: by days and hours, or to the next thing that falls due."""
    draft = open_draft(draft_id)
    box, errors = _box(draft)
    if errors:
        return _render(draft, box, errors, status=409)
    case_id = request.form.get("case") or None
    if request.form.get("to") == "next":
        moment = _next_due(box)
        if moment is None:
            flash(_("Inget väntar på en tidpunkt i sandlådan."), "info")
            return _page(draft.id, case_id)
        delta = max(moment - box.clock.now(), timedelta(minutes=1))
    else:
        try:
            delta = timedelta(days=int(request.form.get("days") or 0), hours=int(request.form.get("hours") or 0))
        except (ValueError, OverflowError):
            delta = timedelta(0)
    try:
        fired = box.advance(delta)
    except InvalidInput:
        flash(_("Ange hur långt fram tiden ska flyttas (högst tre år)."), "error")
        return _page(draft.id, case_id)
    flash(_("Tiden i sandlådan är flyttad fram. Tidsgränser som passerades: %(n)s.", n=fired), "success")
    return _page(draft.id, case_id)


@blueprint.post("/drafts/<int:draft_id>/sandbox/reset")
def sandbox_reset(draft_id: int) -> Response:
    draft = open_draft(draft_id)
    sandboxes().discard(draft.sandbox_name)
    flash(_("Sandlådan är tömd: testärendena är borta och klockan börjar om."), "success")
    return _page(draft.id)
