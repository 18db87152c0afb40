"""A workflow the engine is done with is freed at once, not left for Python's cyclic collector.

A workflow and its tasks point at each other. Left as garbage, such cycles pile up in the
collector's oldest generation, whose every collection walks all objects alive: in a worker firing a
burst of timers that was a large share of the time per timer (docs/benchmarks.md). These tests
switch the collector off and count what is left.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from engine.api import WorkflowEngine
from engine.cases.runner import WorkflowCache
from engine.persistence.models import CaseRow


@contextmanager
def no_cyclic_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def workflows_in_memory() -> int:
    return sum(1 for item in gc.get_objects() if isinstance(item, BpmnWorkflow))


def test_cases_whose_timers_fired_leave_no_workflow_behind(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    cases = [journey.start("referral_reply") for _ in range(3)]
    for case in cases:
        journey.complete(case, "register_referral", {"remiss_inkom": "2026-01-12"})
    worker = WorkflowEngine(journey.db, clock=journey.clock, migrate=False)  # loads every case from the database

    with no_cyclic_collector():
        before = workflows_in_memory()
        journey.clock.advance(timedelta(days=15))  # past the two-week reply
        run = worker.run_due()
        after = workflows_in_memory()

    assert run.timers == 3
    assert after == before


def test_a_workflow_dropped_from_the_cache_is_freed_at_once(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    first, second = journey.start("referral_reply"), journey.start("referral_reply")
    runner = WorkflowEngine(journey.db, clock=journey.clock, migrate=False).runner
    cache = WorkflowCache(size=1)

    with no_cyclic_collector():
        with runner.db.transaction() as session:
            workflows = [runner._workflow(session, session.get(CaseRow, case.id)) for case in (first, second)]
        cache.put(first.id, 1, workflows[0])
        gone = weakref.ref(workflows.pop(0))
        cache.put(second.id, 1, workflows[0])  # the first is now the least recently used: dropped
        assert gone() is None
        assert cache.take(second.id, 1) is workflows[0]
