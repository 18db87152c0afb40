"""The inbox: my tasks, my groups' tasks and all tasks of my interventions, earliest due first.

Rows speak people's language: the intervention's name, the assignee's name, the groups' role
names. A task whose case is paused (and not by this task) is marked "Ärendet vilar" and offers no
"Ta": the engine refuses to let it be taken (``CaseOnHold``). Taking or returning a task from
the inbox comes back to the same row, focused (its id is the address's fragment, and a focusable
target of a fragment gets the focus); a row that no longer belongs to the tab (taken from
"Gruppens uppgifter") stays in place for that one answer, saying where it went.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import CaseOnHold, Conflict, EngineError, InvalidFormData, NotFound
from engine.views import COUNT_CAP, OTHER_TABS_CAP, TABS, InboxPage, InboxRow, TaskFilter
from web import authz, personnummer
from web.errors import Forbidden
from web.teamwork import FILTER_KEYS
from web.ui.pages import accounts, engine, me, now, page_context, require_user, teamwork

blueprint = Blueprint("inbox", __name__)
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

PAGE_SIZE = 50
#: Each tab's tasks are counted up to this; more shows as "fler än 1 000" (and pages without an end).
TAB_COUNT_CAP = COUNT_CAP
#: The tabs beside the one shown are counted up to this ("fler än 99").
OTHER_TAB_COUNT_CAP = OTHER_TABS_CAP


def _query_args() -> dict[str, str]:
    return {k: request.args.get(k, "").strip()[:200] for k in FILTER_KEYS if request.args.get(k, "").strip()}


@blueprint.get("/")
def home() -> Response:
    if me().is_referrer and not me().is_staff:
        return redirect(url_for("cases.index"))
    if "processdesigner" in me().roles and not me().is_staff:
        return redirect(url_for("cases.index"))
    if me().is_log_reviewer and not me().is_staff and not me().is_admin:
        return redirect(url_for("access_review.index"))
    return redirect(url_for("inbox.index"))


@blueprint.get("/inbox")
def index() -> str | Response:
    user = me()
    if user.is_log_reviewer and not user.is_staff and not user.is_admin:  # has no tasks: lands on the log
        return redirect(url_for("access_review.index"))
    args = _query_args()
    tab = args.get("tab", "mine" if user.is_staff else "all")
    if tab not in TABS:
        tab = "mine"
    keys: list[str] | None = None if user.is_admin else list(user.staff_of)
    process = args.get("process")
    if process:
        keys = [process] if keys is None or process in keys else []
    try:
        page_number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_number = 1
    # A search is a name, or a personnummer: whole, its birth date or its last four digits.
    number = personnummer.search_pattern(args.get("q") or "")
    query = TaskFilter(process_keys=keys, user=user.username, scopes=authz.task_scopes(user), tab=tab,
                       element=args.get("task") or None, assignee=args.get("assignee") or None,
                       participant=(args.get("q") or None) if number is None else None, participant_key=number)
    due = args.get("due") if args.get("due") in ("overdue", "soon") else None
    page = engine().inbox.page(query, due=due, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE,
                               count_cap=TAB_COUNT_CAP, other_tabs_cap=OTHER_TAB_COUNT_CAP)
    rows, kept = _with_kept_row(page, request.args.get("kept", ""))
    # A task of a case whose consent is withdrawn is listed without the participant's name, and
    # without a way in, to those who no longer read the case (authz.listed_case).
    closed = {r.task.id for r in rows if not authz.may_read_listed(user, r.task.process_key, r.consent_withdrawn)}
    rows = [replace(r, participant_name=authz.withheld_name()) if r.task.id in closed else r for r in rows]
    team_keys = list(user.staff_of) if not user.is_admin else None
    # The page's own links and forms keep the search, except a whole personnummer: that reaches no
    # address but the one the search form sent (as on the case list).
    searched = args.get("q", "")
    linked: dict[str, Any] = {k: v for k, v in args.items() if not (k == "q" and personnummer.is_whole_number(v))}
    known = {p.key: p.name for p in engine().processes()}
    return render_template(
        "inbox.html", page=page, rows=rows, kept=kept, closed_to_me=closed, tab=tab, args=linked, searched=searched,
        here=url_for("inbox.index", **linked), page_number=page_number,
        pages=None if page.capped(tab) else max(1, -(-page.total // PAGE_SIZE)),
        caps_shown={key: format_decimal(page.cap(key), format="#,##0") for key in TABS},
        kinds=engine().inbox.task_kinds(team_keys), processes=_processes(known, user.staff_of, user.is_admin),
        process_names=known,
        names=accounts().display_names(r.task.assignee for r in rows),
        colleagues=accounts().colleagues(user.staff_of), filters=teamwork().filters_for(user),
        may_assign=authz.may_assign_somewhere(user),
        may_work=lambda t: authz.allowed(user, authz.Action.WORK_ON_TASK, t),
    )


def _with_kept_row(page: InboxPage, task_id: str) -> tuple[list[InboxRow], str | None]:
    """The page's rows, and the task just taken or returned from this page put back in its place
    if it has left the tab, so that the focus can come back to it (its id, if it is shown)."""
    rows = list(page.rows)
    if not task_id:
        return rows, None
    if any(r.task.id == task_id for r in rows):
        return rows, task_id
    row = engine().inbox.row(task_id)
    if row is None or not authz.allowed(me(), authz.Action.READ_CASE, engine().case(row.task.case_id)):
        return rows, None
    task = row.task
    order = (task.due_at is None, task.due_at or task.created_at, task.created_at)
    at = next((i for i, r in enumerate(rows) if (r.task.due_at is None, r.task.due_at or r.task.created_at,
                                                   r.task.created_at) > order), len(rows))
    rows.insert(at, row)
    return rows, task_id


def _processes(known: dict[str, str], teams: tuple[str, ...], everything: bool) -> list[tuple[str, str]]:
    """The interventions the filter offers: of ``known`` (key → name), the user's (all for an admin)."""
    keys = sorted(known) if everything else [t for t in teams if t in known]
    return [(k, known[k]) for k in keys]


def _back(**extra: Any) -> str:
    kept: dict[str, Any] = {k: v for k, v in request.form.items() if k in FILTER_KEYS and v}
    page = request.form.get("page", "")
    if page.isdigit() and page != "1":
        kept["page"] = page
    return url_for("inbox.index", **kept, **extra)


def _back_to_row(task_id: str) -> Response:
    return redirect(_back(kept=task_id, _anchor=f"task-{task_id}"))


@blueprint.post("/inbox/tasks/<task_id>/claim")
def claim(task_id: str) -> Response:
    """Take one task from the inbox, and come back to its row."""
    user = me()
    try:
        task = engine().task(task_id)
        authz.visible_case(engine(), user, task.case_id)
    except NotFound:
        flash(_("Uppgiften är redan klar eller återkallad."), "info")
        return redirect(_back())
    authz.require(user, authz.Action.WORK_ON_TASK, task)
    try:
        engine().claim_task(task.id, user.username)
    except CaseOnHold:
        flash(_("Ärendet vilar: uppgiften kan inte tas förrän ärendet återupptas."), "error")
    except (Conflict, NotFound):
        flash(_("Någon annan tog uppgiften innan dig."), "info")
    else:
        flash(_("Du har tagit %(task)s för %(name)s.", task=task.title, name=_participant(task.case_id)), "success")
    return _back_to_row(task.id)


@blueprint.post("/inbox/tasks/<task_id>/release")
def release(task_id: str) -> Response:
    """Give one of my tasks back to its groups from the inbox, and come back to its row."""
    user = me()
    try:
        task = engine().task(task_id)
        authz.visible_case(engine(), user, task.case_id)
        engine().unclaim_task(task.id, user.username)
    except NotFound:
        flash(_("Uppgiften är redan klar eller återkallad."), "info")
        return redirect(_back())
    except Conflict:
        flash(_("Uppgiften är inte din att lämna tillbaka."), "error")
    else:
        flash(_("%(task)s för %(name)s är tillbaka hos gruppen.", task=task.title,
                name=_participant(task.case_id)), "success")
    return _back_to_row(task.id)


def _participant(case_id: str) -> str:
    return authz.listed_name(engine().case(case_id))


@blueprint.post("/inbox/bulk")
def bulk() -> Response | str:
    """Claim several tasks, or (team leaders) give several to someone or back to their groups. Giving
    tasks away is shown first, to be confirmed: a click on the wrong name moves nothing."""
    user = me()
    action = request.form.get("action", "")
    ids = request.form.getlist("task")[:PAGE_SIZE]
    if not ids:
        flash(_("Markera minst en uppgift först."), "error")
        return redirect(_back())
    assignee = request.form.get("assignee") or None
    if action == "assign" and assignee is None:
        flash(_("Välj vem uppgifterna ska tilldelas."), "error")
        return redirect(_back())
    if action in ("assign", "release") and request.form.get("confirmed") != "ja":
        return _confirm(action, ids, assignee)
    done: list[str] = []
    failed: list[str] = []
    held: list[str] = []
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
        except CaseOnHold:
            held.append(task_id)
        except EngineError:
            failed.append(task_id)
    if done:
        flash(ngettext("%(num)d uppgift ändrad.", "%(num)d uppgifter ändrade.", len(done)), "success")
    if held:
        flash(ngettext("%(num)d uppgift togs inte: ärendet vilar.",
                       "%(num)d uppgifter togs inte: deras ärenden vilar.", len(held)), "error")
    if failed:
        flash(ngettext("%(num)d uppgift kunde inte ändras (redan tagen, klar eller inte din).",
                       "%(num)d uppgifter kunde inte ändras (redan tagna, klara eller inte dina).", len(failed)),
              "error")
    return redirect(_back())


def _confirm(action: str, ids: list[str], assignee: str | None) -> str:
    """The page that asks before tasks are given away: which tasks, to whom, and the two buttons."""
    tasks = []
    for task_id in ids:
        try:
            task = engine().task(task_id)
            case = authz.visible_case(engine(), me(), task.case_id)
        except EngineError:
            continue
        tasks.append((task, authz.listed_name(case)))
    keys = tuple({task.process_key for task, _name in tasks})
    names = {c.username: c.display_name for c in accounts().colleagues(keys)}
    lines = []
    for task, participant in tasks:
        held = f" ({_('nu hos %(name)s', name=names.get(task.assignee, task.assignee))})" if task.assignee else ""
        lines.append(f"{task.title} – {participant}{held}")
    fields = [("action", action), *([("assignee", assignee)] if assignee else []),
              *[("task", task.id) for task, _name in tasks],
              *[(k, v) for k, v in request.form.items() if k in FILTER_KEYS or k == "page"]]
    if action == "assign":
        question = _("Tilldela %(name)s dessa uppgifter?", name=names.get(assignee or "", assignee))
        label = _("Ja, tilldela")
    else:
        question, label = _("Lämna tillbaka dessa uppgifter till gruppen?"), _("Ja, lämna tillbaka")
    return render_template("confirm.html", question=question, lines=lines, action=url_for("inbox.bulk"),
                           fields=fields, confirm_label=label, danger=False, back=_back(), back_label=_("Inkorg"))


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
