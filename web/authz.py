"""Who may see and do what. Every read of a case goes through :func:`visible_case`.

- admin: everything;
- staff (teamledare, arbetscoach, …): the cases of their own interventions (their teams);
- remittent: only the cases they referred (started);
- a task is worked on by staff of its intervention who are offered it (a candidate group among
  their roles, or named) or hold it.
"""

from __future__ import annotations

from engine.api import WorkflowEngine
from engine.errors import NotFound
from engine.views import Case, Notification, Task
from web.accounts.users import User
from web.errors import Forbidden


def can_see(user: User, case: Case) -> bool:
    if user.is_admin:
        return True
    if user.is_staff and case.process_key in user.teams:
        return True
    return user.is_referrer and case.started_by == user.username


def visible_case(engine: WorkflowEngine, user: User, case_id: str) -> Case:
    """The case if the user may see it; otherwise NotFound, exactly as if it did not exist."""
    try:
        case = engine.case(case_id)
    except NotFound:
        raise NotFound(f"case {case_id} does not exist") from None
    if not can_see(user, case):
        raise NotFound(f"case {case_id} does not exist")
    return case


def visible_cases(engine: WorkflowEngine, user: User, *, process: str | None = None, status: str | None = None,
                  limit: int = 500) -> list[Case]:
    """The case summaries the user may see (newest first): all for admins, their interventions' for
    staff, their own referrals for a referrer, none for anyone else."""
    if user.is_admin:
        return engine.cases(process, status, limit)
    if user.is_staff:
        teams = [t for t in user.teams if process in (None, t)]
        return engine.cases(status=status, process_keys=teams, limit=limit)
    if user.is_referrer:
        return engine.cases(process, status, limit, started_by=user.username)
    return []


def visible_notifications(engine: WorkflowEngine, user: User, limit: int = 200) -> list[Notification]:
    """Reminders and escalations addressed to the user, by name or through a role in one of their
    interventions; every one for admins."""
    if user.is_admin:
        return engine.notifications(limit=limit)
    return engine.notifications(user=user.username, groups=list(user.roles), process_keys=list(user.teams),
                                limit=limit)


def may_work_on(user: User, task: Task) -> bool:
    if task.process_key not in user.teams or not user.is_staff:
        return False
    if task.assignee is not None:
        return task.assignee == user.username
    return bool(set(task.candidate_groups) & set(user.roles)) or user.username in task.candidate_users


def require_work(user: User, task: Task) -> None:
    if not may_work_on(user, task):
        raise Forbidden(f"task {task.id} is not offered to {user.username}")


def may_start_case(user: User, process_key: str) -> bool:
    return user.is_admin or user.is_referrer or (user.is_staff and process_key in user.teams)


def may_deploy(user: User) -> bool:
    return user.is_admin or "processdesigner" in user.roles


#: Who hands out work: a team leader (Samverkansteamet) or a coordinator (Gemensamma taget).
LEADER_ROLES = frozenset({"teamledare", "koordinator"})


def may_assign(user: User, task: Task) -> bool:
    """Reassign or delegate a task of one's own intervention to someone else."""
    return user.is_admin or (bool(LEADER_ROLES & set(user.roles)) and task.process_key in user.teams)


def may_see_personnummer(user: User, case: Case) -> bool:
    """The full personnummer is shown (on request, and logged) to those who register and coordinate
    participants, and to the referrer of the case; everyone else sees it masked."""
    if user.is_admin:
        return True
    if user.is_referrer and case.started_by == user.username:
        return True
    return bool({"teamledare", "koordinator", "handlaggare"} & set(user.roles)) and case.process_key in user.teams


def may_change_case(user: User, case: Case) -> bool:
    """Report events, pause, resume and close: staff of the case's intervention."""
    return user.is_admin or (user.is_staff and case.process_key in user.teams)
