"""The inbox: my tasks, my groups' tasks and all tasks of my interventions, earliest due first."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from engine.errors import EngineError, InvalidFormData, NotFound
from engine.views import TABS, TaskFilter
from web import authz
from web.errors import Forbidden
from web.teamwork import FILTER_KEYS
from web.ui.pages import accounts, engine, me, now, page_context, require_user, teamwork

blueprint = Blueprint("inbox", __name__)
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

PAGE_SIZE = 50


def _query_args() -> dict[str, str]:
    return {k: request.args.get(k, "").strip()[:200] for k in FILTER_KEYS if request.args.get(k, "").strip()}


@blueprint.get("/")
def home() -> Response:
    if me().is_referrer and not me().is_staff:
        return redirect(url_for("cases.index"))
    if "processdesigner" in me().roles and not me().is_staff:
        return redirect(url_for("cases.index"))
    return redirect(url_for("inbox.index"))


@blueprint.get("/inbox")
def index() -> str:
    user = me()
    args = _query_args()
    tab = args.get("tab", "mine" if user.is_staff else "all")
    if tab not in TABS:
        tab = "mine"
    keys: list[str] | None = None if user.is_admin else list(user.teams) if user.is_staff else []
    process = args.get("process")
    if process:
        keys = [process] if keys is None or process in keys else []
    try:
        page_number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_number = 1
    query = TaskFilter(process_keys=keys, user=user.username, groups=list(user.roles), tab=tab,
                       element=args.get("task") or None, assignee=args.get("assignee") or None,
                       participant=args.get("q") or None)
    due = args.get("due") if args.get("due") in ("overdue", "soon") else None
    page = engine().inbox.page(query, due=due, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    team_keys = list(user.teams) if not user.is_admin else None
    return render_template(
        "inbox.html", page=page, tab=tab, args=args, page_number=page_number,
        pages=max(1, -(-page.total // PAGE_SIZE)),
        kinds=engine().inbox.task_kinds(team_keys), processes=_processes(user.teams, user.is_admin),
        colleagues=accounts().colleagues(user.teams), filters=teamwork().filters_for(user),
        may_assign=bool(authz.LEADER_ROLES & set(user.roles)) or user.is_admin,
        may_work=lambda t: authz.allowed(user, authz.Action.WORK_ON_TASK, t),
    )


def _processes(teams: tuple[str, ...], everything: bool) -> list[tuple[str, str]]:
    known = {p.key: p.name for p in engine().processes()}
    keys = sorted(known) if everything else [t for t in teams if t in known]
    return [(k, known[k]) for k in keys]


def _back() -> str:
    kept: dict[str, Any] = {k: v for k, v in request.form.items() if k in FILTER_KEYS and v}
    return url_for("inbox.index", **kept)


@blueprint.post("/inbox/bulk")
def bulk() -> Response:
    """Claim several tasks, or (team leaders) give several to someone or back to their groups."""
    user = me()
    action = request.form.get("action", "")
    ids = request.form.getlist("task")[:PAGE_SIZE]
    if not ids:
        flash(_("Markera minst en uppgift först."), "error")
        return redirect(_back())
    assignee = request.form.get("assignee") or None
    done: list[str] = []
    failed: list[str] = []
    for task_id in ids:
        try:
            task = engine().task(task_id)
            authz.visible_case(engine(), user, task.case_id)
            if action == "claim":
                authz.require(user, authz.Action.WORK_ON_TASK, task)
                engine().claim_task(task.id, user.username)
            elif action in ("assign", "release") and authz.allowed(user, authz.Action.ASSIGN_TASK, task):
                target = assignee if action == "assign" else None
                team = {c.username for c in accounts().colleagues((task.process_key,))}
                if action == "assign" and target not in team:
                    raise InvalidFormData({"assignee": "välj en person i teamet"})
                engine().assign_task(task.id, target, user.username)
            else:
                raise Forbidden(f"{user.username} may not {action} task {task.id}")
            done.append(task.title)
        except EngineError:
            failed.append(task_id)
    if done:
        flash(ngettext("%(num)d uppgift ändrad.", "%(num)d uppgifter ändrade.", len(done)), "success")
    if failed:
        flash(ngettext("%(num)d uppgift kunde inte ändras (redan tagen, klar eller inte din).",
                       "%(num)d uppgifter kunde inte ändras (redan tagna, klara eller inte dina).", len(failed)),
              "error")
    return redirect(_back())


@blueprint.post("/inbox/filters")
def save_filter() -> Response:
    user = me()
    query: dict[str, Any] = {k: request.form.get(k, "") for k in FILTER_KEYS}
    team = request.form.get("share") or None
    try:
        teamwork().save_filter(user, request.form.get("name", ""), query, team, now())
    except InvalidFormData as err:
        flash(_("Filtret sparades inte: %(why)s", why="; ".join(err.fields.values())), "error")
    else:
        flash(_("Filtret är sparat."), "success")
    return redirect(_back())


@blueprint.post("/inbox/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int) -> Response:
    try:
        teamwork().delete_filter(me(), filter_id)
    except NotFound:
        flash(_("Filtret finns inte, eller är inte ditt."), "error")
    else:
        flash(_("Filtret är borttaget."), "success")
    return redirect(url_for("inbox.index"))
