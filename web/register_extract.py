"""The register extract (registerutdrag, GDPR art. 15): everything held about one person, found by
personnummer — their cases in every intervention with the case data, history, open tasks, notes and
task comments, the notifications about those cases, and the access log's rows about them — as one
JSON-ready dict. For admins only (the page and the command line check it); each extract is written
to the access log (``register.extract``, one row per case), so the extract is itself on record, and
to the audit log (the number masked, the cases' ids), so an extract that found nothing is too."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from engine.api import WorkflowEngine
from engine.views import Case, CaseFilter
from web import personnummer
from web.accounts.access_log import Search
from web.accounts.users import Accounts
from web.teamwork import Teamwork

#: The access log's action for an extract.
EXTRACTED = "register.extract"
#: More cases than any one person has in a förbund's lifetime.
MOST_CASES = 1000
#: The notifications searched for the person's cases (newest first).
MOST_NOTIFICATIONS = 100_000


def participant_key(text: str) -> str | None:
    """The normalised personnummer a whole number (10 or 12 digits) names; None for anything else."""
    pattern = personnummer.search_pattern(text)
    if pattern is None or "_" in pattern[2:]:
        return None
    return pattern


def cases_of(engine: WorkflowEngine, key: str, *, searched_by: str | None = None) -> tuple[Case, ...]:
    """The person's cases in every intervention, by the normalised personnummer ``key`` (``__`` +
    ten digits matches either century). ``searched_by``: as that user's search finds them (a
    protected participant's case only if it names them); None, as the system (every case)."""
    return engine.case_page(CaseFilter(participant_key=key, searched_by=searched_by), limit=MOST_CASES).cases


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def extract(engine: WorkflowEngine, accounts: Accounts, teamwork: Teamwork, key: str, *, by: str, at: datetime,
            address: str | None = None) -> dict[str, Any]:
    """Everything about the person whose normalised personnummer is ``key`` (``__`` + ten digits
    matches either century), logged as read by ``by``."""
    found = cases_of(engine, key)
    ids = [c.id for c in found]
    about = set(ids)
    notifications = [n for n in engine.notifications(limit=MOST_NOTIFICATIONS) if n.case_id in about]
    log, _total = accounts.access_log.page(Search(case_ids=tuple(ids)), limit=MOST_NOTIFICATIONS)
    cases = []
    for summary in found:
        case = engine.case(summary.id)
        cases.append({
            "id": case.id, "intervention": case.process_key, "version": case.process_version,
            "status": case.status, "started_by": case.started_by, "created_at": case.created_at,
            "updated_at": case.updated_at, "participant": case.participant, "data": case.data,
            "open_tasks": [{"id": t.id, "name": t.name, "title": t.title, "assignee": t.assignee,
                            "due_at": t.due_at, "created_at": t.created_at} for t in case.open_tasks],
            "history": [asdict(e) for e in engine.history(case.id)],
            "notes": [{"at": n.at, "author": n.author_name, "task_id": n.task_id, "text": n.text}
                      for n in teamwork.notes(case.id)],
            "notifications": [{"at": n.created_at, "kind": n.kind, "to": n.recipient, "subject": n.subject,
                               "body": n.body} for n in notifications if n.case_id == case.id],
            "access_log": [{"at": e.at, "user": e.username, "action": e.action, "address": e.address}
                           for e in log if e.case_id == case.id],
        })
    for case_id in ids:
        accounts.log_access(by, case_id, EXTRACTED, at, address)
    # An extract that finds nothing is on record too: in the audit log, the number masked.
    shown_masked = personnummer.masked(key) if not key.startswith("__") else f"{key[2:8]}-****"
    teamwork.audit(by, EXTRACTED, shown_masked, at, details={"cases": ids})
    return _plain({"personnummer": personnummer.shown(key) if not key.startswith("__") else key[2:],
                   "extracted_at": at, "extracted_by": by, "cases": cases})
