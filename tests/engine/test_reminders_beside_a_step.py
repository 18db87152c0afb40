"""A reminder falls due while someone completes that very task. The step locks the case and then
removes the task; the reminder's notification needs the case after the task. The scheduler takes
the case too, skipping one a step holds, so that neither waits for the other (on PostgreSQL each
waiting for the other was a deadlock: one of them failed). The task skipped is reminded on the next
tick if it is still open."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.persistence.db import Database
from engine.views import SourceFile
from tests.registrations import registered

REFERRAL_REPLY = Path(__file__).parents[1] / "bpmn" / "referral_reply.bpmn"


def test_the_scheduler_skips_a_reminder_whose_case_a_step_holds(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one write lock for the whole database: a step and a tick never overlap")
    clock = SimulatedClock(datetime(2026, 1, 12, 7, 0, tzinfo=UTC))
    engine = WorkflowEngine(database_url, clock=clock)
    holder = Database(database_url)
    try:
        engine.deploy([SourceFile(REFERRAL_REPLY.name, REFERRAL_REPLY.read_bytes())], "designer")
        case = engine.start_case("referral_reply", data=registered("referral_reply"), actor="handläggare",
                                 participant={"name": "Test Testsson"})
        (task,) = engine.case(case.id).open_tasks
        engine.complete_task(task.id, {"remiss_inkom": "2026-01-12"}, "handläggare")
        clock.advance(timedelta(days=13))  # the reply's reminder (day 12) is due; no tick has run
        ticks: list[int] = []
        with holder.transaction() as step:  # a step of the case under way: the case is locked
            step.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case.id})
            tick = threading.Thread(target=lambda: ticks.append(engine.run_due().reminders))
            tick.start()
            tick.join(timeout=30)
            assert not tick.is_alive(), "the scheduler waited for the case a step holds"
        assert ticks == [0]
        assert engine.run_due().reminders == 1  # the next tick, the case free again
    finally:
        engine.db.dispose()
        holder.dispose()
