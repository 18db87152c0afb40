"""The JSON API under ``/api/v1`` (bearer tokens). Shapes follow the public contract."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from engine.api import WorkflowEngine
from engine.errors import InvalidFormData, InvalidInput, InvalidProcess, NotFound, OpensCasesItself
from engine.views import Case, SourceFile, Task
from web import authz, participants
from web.access_log import IDENTITY_SHOWN, log_access, logged_with
from web.accounts.tokens import TokenRefused
from web.accounts.users import Accounts, User
from web.api.json_views import case_json, case_summary_json, task_json
from web.errors import BadRequest, Forbidden, Unauthorized

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


def engine() -> WorkflowEngine:
    return current_app.extensions["samverkan.engine"]


def accounts() -> Accounts:
    return current_app.extensions["samverkan.accounts"]


def me() -> User:
    return g.user


@blueprint.before_request
def authenticate() -> None:
    if request.endpoint == "api.openapi":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    try:
        g.user = accounts().tokens.user(token.strip() if scheme.lower() == "bearer" else "")
    except TokenRefused as refused:  # unknown, expired, revoked, or the user deactivated: which, said
        raise Unauthorized(refused.message) from None


def _body() -> dict[str, Any]:
    """The request's JSON object, parsed strictly: NaN and Infinity are not JSON (they would be stored
    and break every later read), and nesting deeper than Python's parser goes is refused, not a 500."""
    try:
        body = json.loads(request.get_data(cache=True) or b"null", parse_constant=_not_json)
    except RecursionError:
        raise BadRequest("the request body is nested too deeply") from None
    except ValueError as err:
        raise BadRequest(f"the request body is not JSON: {err}") from None
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


# --- processes -------------------------------------------------------------------------------------


@blueprint.get("/processes")
def list_processes() -> Response:
    return jsonify([
        {"key": p.key, "name": p.name, "version": p.version, "deployed_at": p.deployed_at.isoformat()}
        for p in engine().processes()
    ])


@blueprint.post("/processes")
def deploy_process() -> tuple[Response, int]:
    authz.require(me(), authz.Action.DEPLOY)
    if "file" in request.files:
        files = [SourceFile(f.filename or f"upload-{i}.bpmn", f.read())
                 for i, f in enumerate(request.files.getlist("file"))]
    else:
        files = [SourceFile("upload.bpmn", request.get_data())]
    if not files or not any(f.content for f in files):
        raise InvalidProcess([])
    versions = engine().deploy(files, me().username)
    first = versions[0]
    return jsonify({"key": first.key, "version": first.version,
                    "processes": [{"key": v.key, "version": v.version} for v in versions]}), 201


# --- cases ----------------------------------------------------------------------------------------


#: What a case is started with; anything else in the body is refused by name.
START_FIELDS = {"process", "participant", "data"}
PARTICIPANT_FIELDS = {"name", "personnummer", "municipality", "skyddad"}


@blueprint.post("/cases")
def start_case() -> tuple[Response, int]:
    """Start a case, checked exactly as the registration page checks it (web.participants): the
    participant's name and personnummer, and ``data`` held to the start form of the process."""
    body = _body()
    process = body.get("process")
    if not isinstance(process, str) or not process:
        raise InvalidFormData({"process": "krävs"})
    authz.require(me(), authz.Action.START_CASE, process)
    start = engine().registration(process)
    if start is None:
        raise NotFound(f"process '{process}' is not deployed")
    if not start.by_hand:
        raise OpensCasesItself(f"process '{process}' opens its cases itself (on a message or a timer); "
                               "it has no start event to open one by hand")
    participant, data = body.get("participant"), body.get("data") or {}
    fields = dict.fromkeys(sorted(set(body) - START_FIELDS), "okänt fält")
    if not isinstance(participant, dict):
        fields["participant"] = "krävs (ett objekt)"
        participant = {}
    fields.update({f"participant.{k}": "okänt fält" for k in sorted(set(participant) - PARTICIPANT_FIELDS)})
    if not isinstance(data, dict):
        fields["data"] = "ska vara ett objekt"
        data = {}
    values = {**data, "name": participant.get("name"), "personnummer": participant.get("personnummer"),
              participants.PROTECTED: participant.get(participants.PROTECTED)}
    registration, errors = participants.check(process, start.form, values, today=engine().clock.now().date(),
                                              municipality=participant.get("municipality"), registrant=me().username)
    fields.update({f"participant.{key}": message for key, message in errors.items()})
    if fields or registration is None:
        raise InvalidFormData(fields)
    try:
        case = engine().start_case(process, participant=registration.participant,
                                   data={**data, **registration.data}, participant_key=registration.personnummer,
                                   actor=me().username, alongside=logged_with(me(), "case.started"))
    except InvalidFormData as refused:
        # A home municipality given beside the person answers the form's own field (participants.check).
        given_with_person = participants.MUNICIPALITY not in data and participant.get("municipality") not in (None, "")
        raise InvalidFormData({
            "participant.municipality" if key == participants.MUNICIPALITY and given_with_person else f"data.{key}":
                message for key, message in refused.fields.items()}) from refused
    return jsonify(_case_json(case)), 201


@blueprint.get("/cases/<case_id>")
def get_case(case_id: str) -> Response:
    case = authz.visible_case(engine(), me(), case_id)
    reveal = request.args.get("reveal") == "personnummer"
    shown = _case_json(case, reveal=reveal)
    log_access(me(), case.id, "case.read")
    if reveal:
        log_access(me(), case.id, "personnummer.shown")
    return jsonify(shown)


def _case_json(case: Case, *, reveal: bool = False) -> dict[str, Any]:
    """The case as the caller sees it (authz.SEES: the referrer only its status and shared data; a
    protected identity only to those the case names, each showing logged)."""
    number = authz.shown_personnummer(me(), case, reveal=reveal)
    if authz.reveals_identity(me(), case):
        log_access(me(), case.id, IDENTITY_SHOWN)
    forms = engine().forms(case.process_key, case.process_version)
    start = engine().start_form(case.process_key, case.process_version)
    history = authz.history_as_seen(me(), case, engine().history(case.id), forms, start)
    return case_json(authz.case_as_seen(me(), case, forms, start), history, number, traceback=me().is_admin)


#: A list answers a page of items at a time: ``limit`` of them (at most, and unless asked, MOST_ITEMS),
#: from ``offset`` on, in the list's order.
MOST_ITEMS = 500


def _paging(default: int = MOST_ITEMS) -> tuple[int, int]:
    """``limit`` (1–500) and ``offset`` (default 0) of a list, from the query string."""
    values = []
    for name, first, lowest, highest in (("limit", default, 1, MOST_ITEMS), ("offset", 0, 0, None)):
        raw = request.args.get(name, "")
        try:
            value = int(raw) if raw else first
        except ValueError:
            raise InvalidInput(f"'{name}' must be a whole number", {"fields": {name: "a whole number"}}) from None
        if value < lowest or (highest is not None and value > highest):
            raise InvalidInput(f"'{name}' must be from {lowest}" + (f" to {highest}" if highest else " on"),
                               {"fields": {name: "out of range"}})
        values.append(value)
    return values[0], values[1]


@blueprint.get("/cases")
def list_cases() -> Response:
    limit, offset = _paging()
    cases = authz.visible_cases(engine(), me(), process=request.args.get("process") or None,
                                status=request.args.get("status") or None, limit=limit, offset=offset)
    # A case whose consent is withdrawn is left out for those who no longer read it (authz.listed_case).
    listed = [authz.listed_case(me(), c) for c in cases]
    return jsonify([case_summary_json(c) for c, opens in listed if opens])


def _message() -> tuple[str, dict[str, Any]]:
    """A message's name and data, as the body gives them."""
    body = _body()
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidInput("'name' is required", {"fields": {"name": "required"}})
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise InvalidInput("'data' must be an object", {"fields": {"data": "must be an object"}})
    return name, data


@blueprint.post("/cases/<case_id>/messages")
def send_message(case_id: str) -> tuple[Response, int]:
    case = authz.visible_case(engine(), me(), case_id)
    authz.require(me(), authz.Action.REPORT_EVENT, case)
    name, data = _message()
    engine().send_message(case.id, name, data, me().username)
    log_access(me(), case.id, f"message.{name}")
    return jsonify({"case_id": case.id, "name": name}), 202


@blueprint.post("/processes/<process>/messages")
def start_on_message(process: str) -> tuple[Response, int]:
    """A message to a process that opens its cases on one (a message start event): a new case."""
    authz.require(me(), authz.Action.START_CASE, process)
    name, data = _message()
    case = engine().start_on_message(process, name, data, me().username)
    log_access(me(), case.id, "case.started")
    return jsonify(_case_json(case)), 201


# --- tasks ----------------------------------------------------------------------------------------


@blueprint.get("/tasks")
def list_tasks() -> Response:
    user = me()
    case_id = request.args.get("case")
    limit, offset = _paging()
    overdue = bool(request.args.get("overdue"))
    if case_id:
        case = authz.visible_case(engine(), user, case_id)
        tasks = list(case.open_tasks) if authz.sees(user, case, authz.Part.OPEN_TASKS) else []
        if overdue:
            now = engine().clock.now()
            tasks = [t for t in tasks if t.due_at is not None and t.due_at < now]
        tasks = tasks[offset:offset + limit]
    elif request.args.get("mine"):
        tasks = engine().tasks(assignee=user.username, process_keys=list(user.staff_of), overdue=overdue,
                               limit=limit, offset=offset)
    else:
        keys = None if user.is_admin else list(user.staff_of)
        if user.is_admin:
            tasks = engine().tasks(process_keys=keys, overdue=overdue, limit=limit, offset=offset)
        else:
            tasks = engine().tasks(process_keys=keys, user=user.username, scopes=authz.task_scopes(user),
                                   overdue=overdue, limit=limit, offset=offset)
    return jsonify([task_json(t) for t in tasks])


def _task(task_id: str) -> Any:
    """An open task of a case the caller may see."""
    try:
        task, case = engine().task_with_case(task_id)
    except NotFound:
        raise NotFound(f"task {task_id} is no longer open") from None
    return _visible_task(task, case)


def _visible_task(task: Task, case: Case) -> Task:
    if not authz.can_see(me(), case):
        raise NotFound(f"case {case.id} does not exist")
    if not authz.sees(me(), case, authz.Part.OPEN_TASKS):
        raise NotFound(f"task {task.id} does not exist")
    return task


@blueprint.post("/tasks/<task_id>/claim")
def claim(task_id: str) -> Response:
    task = _task(task_id)
    if task.assignee is None:
        authz.require(me(), authz.Action.WORK_ON_TASK, task)
    return jsonify(task_json(engine().claim_task(task.id, me().username)))


@blueprint.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str) -> Response:
    task = _task(task_id)
    return jsonify(task_json(engine().unclaim_task(task.id, me().username)))


def _admitted(task: Task, case: Case) -> None:
    """The caller may work on this open task (a case they may not see: as if neither existed)."""
    _visible_task(task, case)
    authz.require(me(), authz.Action.WORK_ON_TASK, task)


@blueprint.post("/tasks/<task_id>/complete")
def complete(task_id: str) -> Response:
    """Checked on the task and case the step reads (``admit``), not on a read of their own: a task
    no longer open is a conflict, one of a case the caller may not see is not found."""
    body = _body()
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise InvalidInput("'data' must be an object", {"fields": {"data": "must be an object"}})
    completed: list[str] = []

    def log(session: Any, case_id: str) -> None:
        logged_with(me(), f"task.completed.{completed[0]}")(session, case_id)

    def admit(task: Task, case: Case) -> None:
        _admitted(task, case)
        completed[:] = [task.name]

    case = engine().complete_task(task_id, data, me().username, alongside=log, admit=admit)
    return jsonify({"case": _case_json(case)})


# --- notifications -----------------------------------------------------------------------------------


@blueprint.get("/notifications")
def notifications() -> Response:
    found = authz.visible_notifications(engine(), me())
    return jsonify([
        {"id": n.id, "kind": n.kind, "case_id": n.case_id, "task_id": n.task_id,
         "recipient": n.recipient if n.recipient_kind == "user" else f"{n.recipient} ({n.process_key})",
         "created_at": n.created_at.isoformat(), "subject": n.subject}
        for n in found
    ])


# --- the simulated clock ---------------------------------------------------------------------------


@blueprint.route("/clock", methods=["GET", "POST"])
def clock() -> Response:
    if not current_app.config.get("SIMULATED_CLOCK"):
        raise NotFound("the clock can only be read and moved in simulated-clock mode")
    if request.method == "POST":
        if not (me().is_admin or me().is_staff or "processdesigner" in me().roles):
            raise Forbidden("moving the clock needs a staff or admin account")
        body = _body()
        if "advance" in body:
            engine().advance_clock(str(body["advance"]))
        elif "now" in body:
            engine().advance_clock(to=str(body["now"]))
        else:
            raise InvalidInput("give 'advance' (ISO 8601 duration) or 'now' (ISO 8601 date-time)")
    return jsonify({"now": engine().clock.now().isoformat()})


@blueprint.get("/openapi.json")
def openapi() -> Response:
    from web.api.openapi import document

    return jsonify(document(simulated_clock=bool(current_app.config.get("SIMULATED_CLOCK"))))
