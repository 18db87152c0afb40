"""Several server processes, each with its own engine and workflow cache, take turns on one case
(whichever worker a request lands on): each takes up the case as the database last saw it, never
as its own cache last left it."""

from __future__ import annotations

from pathlib import Path

from engine.api import WorkflowEngine
from engine.views import SourceFile

TEN_TASKS = Path(__file__).parents[2] / "bench" / "bpmn" / "ten_tasks.bpmn"


def test_engines_taking_turns_on_a_case_each_continue_from_the_others_step(database_url: str) -> None:
    first, second = WorkflowEngine(database_url), WorkflowEngine(database_url, migrate=False)
    try:
        first.deploy([SourceFile("ten_tasks.bpmn", TEN_TASKS.read_bytes())], "test")
        case = first.start_case("ten_tasks", actor="test")
        for step in range(1, 6):  # steps 1, 3, 5 on the first engine; 2, 4 on the second
            engine = first if step % 2 else second
            (task,) = engine.case(case.id).open_tasks
            assert task.name == f"task_{step}"
            done = engine.complete_task(task.id, {f"anteckning_{step}": f"steg {step}"}, "test")
            assert [t.name for t in done.open_tasks] == [f"task_{step + 1}"]
        data = second.case(case.id).data
        assert [data[f"anteckning_{step}"] for step in range(1, 6)] == [f"steg {n}" for n in range(1, 6)]
    finally:
        first.db.dispose()
        second.db.dispose()
