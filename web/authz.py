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
from engine.views import Case, Task
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
