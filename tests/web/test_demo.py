"""`samverkan serve --demo`: a user for every role and a living set of cases at every stage."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from engine.api import WorkflowEngine
from engine.views import ConsentStatus, SourceFile
from tests.web.roles import SHIPPED_ROLES
from web.demo import DEMO_USERS, seed

PROCESSES = Path(__file__).parents[2] / "processes"


def test_demo_users_for_every_role_and_cases_at_many_stages(app) -> None:  # type: ignore[no-untyped-def]
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    accounts = app.extensions["samverkan.accounts"]
    engine.deploy([SourceFile(p.name, p.read_bytes()) for p in sorted(PROCESSES.iterdir())
                   if p.suffix in (".bpmn", ".dmn")], "designer")

    passwords = seed(engine, accounts)

    assert set(passwords) == set(DEMO_USERS)
    assert {role for _, roles, _ in DEMO_USERS.values() for role in roles} >= set(SHIPPED_ROLES)
    assert accounts.check_password("tove.teamledare", passwords["tove.teamledare"]) is not None
    cases = engine.cases()
    assert len(cases) >= 25
    assert {c.process_key for c in cases} == {"samverkansteamet", "gemensamma_taget", "gemensamma_taget_urval"}
    [meeting] = [c for c in cases if c.process_key == "gemensamma_taget_urval"]  # an extra group start, planned
    assert [t.name for t in engine.case(meeting.id).open_tasks] == ["las_in_forslag"]
    stages = {t.name for c in cases for t in engine.case(c.id).open_tasks}
    assert len(stages) >= 6, stages
    assert engine.tasks(overdue=True), "some demo work is overdue"
    # Most consents hold for a year; one has lapsed, and a renewal is asked for or done somewhere.
    statuses = [engine.consent(engine.case(c.id)).status for c in cases if c.process_key != "gemensamma_taget_urval"]
    assert statuses.count(ConsentStatus.VALID) >= len(statuses) // 2, statuses
    assert ConsentStatus.LAPSED in statuses, statuses
    assert any(e.event == "TaskCreated" and e.element == "fornya_samtycke"
               for c in cases for e in engine.history(c.id)), "no renewal asked for"

    # A second start adds no cases, and prints passwords that work (the old ones no longer do).
    again = seed(engine, accounts)
    assert set(again) == set(DEMO_USERS) and len(engine.cases()) == len(cases)
    assert accounts.check_password("tove.teamledare", again["tove.teamledare"]) is not None
    assert accounts.check_password("tove.teamledare", passwords["tove.teamledare"]) is None


def test_the_clock_the_demo_sees_is_the_apps(app, start_of_journey: datetime) -> None:  # type: ignore[no-untyped-def]
    assert app.extensions["samverkan.engine"].clock.now() == start_of_journey
