"""Many of the same: a task per authority, a sub-process per authority, a conversation N times, a plan
revised until it is ready (docs/modeling.md, "Many of the same: multi-instance and loops").

Every scenario runs straight and restored (a fresh engine before every step), on SQLite and
PostgreSQL, so each instance's item, answers and results come back from the database."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import CaseNotStarted, StepFailed
from engine.views import Case, Task, TaskFilter

MYNDIGHETER = ["AF", "FK", "SOC"]


def _open(journey: Any, case: Case) -> list[Task]:
    return sorted(journey.case(case).open_tasks, key=lambda t: t.title)


def _titles(journey: Any, case: Case) -> list[str]:
    return [t.title for t in _open(journey, case)]


def _answer(journey: Any, case: Case, title: str, data: dict[str, Any]) -> Case:
    task = next(t for t in _open(journey, case) if t.title == title)
    return journey.engine.complete_task(task.id, data, "handläggare")


def test_the_found_case_runs_to_its_end(journey) -> None:  # type: ignore[no-untyped-def]
    """camunda:collection="${myndigheter}", as Camunda Modeler 5 writes it: was an incident."""
    journey.deploy("mi_consent.bpmn")
    case = journey.start("mi_consent", {"myndigheter": MYNDIGHETER})
    assert case.incident is None
    assert _titles(journey, case) == ["Inhämta samtycke — AF", "Inhämta samtycke — FK", "Inhämta samtycke — SOC"]
    group = journey.engine.inbox.page(TaskFilter(None, "kim", ("samordnare",), tab="group"))
    assert sorted(r.task.title for r in group.rows) == _titles(journey, case)
    for myndighet in MYNDIGHETER:
        _answer(journey, case, f"Inhämta samtycke — {myndighet}", {"samtycke": True, "kommentar": myndighet})
    journey.complete(case, "sammanstall", {"notering": "klart"})
    assert journey.case(case).status == "completed"


def test_each_authority_is_asked_on_its_own_and_no_answer_overwrites_another(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_consent.bpmn")
    case = journey.start("mi_consent", {"myndigheter": MYNDIGHETER})
    _answer(journey, case, "Inhämta samtycke — FK", {"samtycke": False, "kommentar": "nej från FK"})
    # The others are still open, each restored on its own, and FK's answer is not put on them.
    assert _titles(journey, case) == ["Inhämta samtycke — AF", "Inhämta samtycke — SOC"]
    assert journey.case(case).data["inhamta_samtycke_resultat"] == [
        {"myndighet": "FK", "samtycke": False, "kommentar": "nej från FK"}]
    _answer(journey, case, "Inhämta samtycke — SOC", {"samtycke": True, "kommentar": "ja från SOC"})
    done = _answer(journey, case, "Inhämta samtycke — AF", {"samtycke": True, "kommentar": "ja från AF"})
    assert [t.name for t in done.open_tasks] == ["sammanstall"]
    assert done.data["inhamta_samtycke_resultat"] == [  # in the collection's order, whatever the answers' order
        {"myndighet": "AF", "samtycke": True, "kommentar": "ja från AF"},
        {"myndighet": "FK", "samtycke": False, "kommentar": "nej från FK"},
        {"myndighet": "SOC", "samtycke": True, "kommentar": "ja från SOC"},
    ]
    assert "myndighet" not in done.data and "samtycke" not in done.data  # an instance's own, not the case's
    created = [e for e in journey.history(case, "TaskCreated") if e.element == "inhamta_samtycke"]
    assert len(created) == 3


def test_sequential_asks_one_authority_after_the_other(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_sequential.bpmn")
    case = journey.start("mi_sequential", {"myndigheter": MYNDIGHETER})
    for myndighet in MYNDIGHETER:
        assert _titles(journey, case) == [f"Inhämta samtycke — {myndighet}"]
        _answer(journey, case, f"Inhämta samtycke — {myndighet}", {"samtycke": myndighet != "FK"})
    current = journey.case(case)
    assert [t.name for t in current.open_tasks] == ["sammanstall"]
    assert current.data["svar"] == [{"myndighet": m, "samtycke": m != "FK"} for m in MYNDIGHETER]


def test_a_sub_process_per_authority_with_its_own_tasks(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_subprocess.bpmn")
    case = journey.start("mi_subprocess", {"myndigheter": ["AF", "FK"]})
    assert _titles(journey, case) == ["Begär underlag — AF", "Begär underlag — FK"]
    _answer(journey, case, "Begär underlag — FK", {"begart": "journal"})
    assert _titles(journey, case) == ["Begär underlag — AF", "Granska underlag — FK"]
    _answer(journey, case, "Begär underlag — AF", {"begart": "intyg"})
    _answer(journey, case, "Granska underlag — AF", {"godkant": True})
    assert _titles(journey, case) == ["Granska underlag — FK"]
    done = _answer(journey, case, "Granska underlag — FK", {"godkant": False})
    assert [t.name for t in done.open_tasks] == ["sammanstall"]
    assert done.data["underlag_resultat"] == [
        {"myndighet": "AF", "begart": "intyg", "godkant": True},
        {"myndighet": "FK", "begart": "journal", "godkant": False},
    ]


def test_a_cardinality_from_the_case_data_counts_the_instances(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_cardinality.bpmn")
    case = journey.start("mi_cardinality", {"antal_samtal": 2})
    for number in (1, 2, 3):
        assert _titles(journey, case) == [f"Samtal — {number} av 3"]
        _answer(journey, case, f"Samtal — {number} av 3", {"samtal_datum": f"2026-02-0{number}"})
    current = journey.case(case)
    assert current.status == "completed"
    assert [r["samtal_datum"] for r in current.data["samtal_resultat"]] == ["2026-02-01", "2026-02-02", "2026-02-03"]


def test_the_completion_condition_withdraws_the_instances_left(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_completion.bpmn")
    case = journey.start("mi_completion", {"myndigheter": MYNDIGHETER})
    _answer(journey, case, "Inhämta samtycke — SOC", {"samtycke": True})
    assert len(_open(journey, case)) == 2
    done = _answer(journey, case, "Inhämta samtycke — AF", {"samtycke": True})
    assert [t.name for t in done.open_tasks] == ["sammanstall"]
    assert [r["myndighet"] for r in done.data["inhamta_samtycke_resultat"]] == ["AF", "SOC"]
    withdrawn = [e for e in journey.history(case, "TaskWithdrawn") if e.element == "inhamta_samtycke"]
    assert len(withdrawn) == 1


def test_the_completion_condition_sees_the_instance_answers(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_completion.bpmn")
    case = journey.start("mi_completion", {"myndigheter": MYNDIGHETER})
    done = _answer(journey, case, "Inhämta samtycke — FK", {"samtycke": False})
    assert [t.name for t in done.open_tasks] == ["sammanstall"]


def test_an_empty_collection_starts_no_instance_and_goes_on(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_consent.bpmn", "mi_sequential.bpmn")
    for key, results in (("mi_consent", "inhamta_samtycke_resultat"), ("mi_sequential", "svar")):
        case = journey.start(key, {"myndigheter": []})
        assert case.incident is None
        assert [t.name for t in case.open_tasks] == ["sammanstall"]
        assert case.data[results] == []


def test_a_collection_that_is_not_a_list_stops_the_start_naming_it(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_consent.bpmn")
    with pytest.raises(CaseNotStarted, match="inhamta_samtycke: the collection 'myndigheter' holds str, not a list"):
        journey.start("mi_consent", {"myndigheter": "AF"})
    with pytest.raises(CaseNotStarted, match="the collection 'myndigheter' is not in the case data"):
        journey.start("mi_consent", {})


def test_a_plan_is_revised_while_it_is_not_ready(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("loop_plan.bpmn")
    case = journey.start("loop_plan", {})
    journey.complete(case, "revidera_plan", {"plan_klar": False})
    journey.complete(case, "revidera_plan", {"plan_klar": True})
    assert journey.open_task_names(case) == ["folj_upp"]


def test_a_loop_stops_at_its_maximum(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("loop_plan.bpmn")
    case = journey.start("loop_plan", {})
    for _ in range(3):
        assert journey.open_task_names(case) == ["revidera_plan"]
        journey.complete(case, "revidera_plan", {"plan_klar": False})
    assert journey.open_task_names(case) == ["folj_upp"]


def test_a_loop_tested_before_may_not_run_at_all(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("loop_counting.bpmn")
    case = journey.start("loop_counting", {"varv": 0})
    done = journey.complete(case, "forbered", {"grans": 0})
    assert done.incident is None and done.data["varv"] == 0
    case = journey.start("loop_counting", {"varv": 0})
    done = journey.complete(case, "forbered", {"grans": 7})
    assert done.incident is None and done.data["varv"] == 7
    assert [t.name for t in done.open_tasks] == ["klart"]


def test_a_loop_without_maximum_is_stopped_by_the_engine(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("loop_counting.bpmn")
    case = journey.start("loop_counting", {"varv": 0})
    with pytest.raises(StepFailed, match="varv_runt: the loop has gone round 100 times"):
        journey.complete(case, "forbered", {"grans": 10_000})
    stopped = journey.case(case)
    assert stopped.incident is not None and stopped.incident.element == "varv_runt"
    assert stopped.data["varv"] == 0  # the step left nothing behind


def test_many_instances_then_a_timer_and_a_message(journey) -> None:  # type: ignore[no-untyped-def]
    """Thirty instances make the tree long enough to be compacted; the case then waits for time and a
    message, as any case does."""
    journey.deploy("mi_then_timer.bpmn")
    many = [f"M{n:02}" for n in range(30)]
    case = journey.start("mi_then_timer", {"myndigheter": many})
    assert len(_open(journey, case)) == 30
    for myndighet in reversed(many):
        _answer(journey, case, f"Inhämta samtycke — {myndighet}", {"samtycke": True})
    current = journey.case(case)
    assert current.open_tasks == ()
    assert [r["myndighet"] for r in current.data["inhamta_samtycke_resultat"]] == many
    journey.advance("P13D")
    assert journey.case(case).waiting_messages == ()
    journey.advance("P1D")
    assert journey.case(case).waiting_messages == ("beslut_inkom",)
    journey.engine.send_message(case.id, "beslut_inkom", {"beslut": "bifall"}, "handläggare")
    journey.complete(case, "sammanstall", {"notering": "klart"})
    done = journey.case(case)
    assert done.status == "completed" and done.incident is None


def test_a_second_round_starts_new_results_and_a_timer_withdraws_the_instances_left(journey) -> None:  # type: ignore[no-untyped-def]
    """The activity reached again through a gateway starts afresh; its boundary timer ends it, every
    instance still open withdrawn."""
    journey.deploy("mi_boundary.bpmn")
    case = journey.start("mi_boundary", {"myndigheter": MYNDIGHETER})
    for myndighet in MYNDIGHETER:
        _answer(journey, case, f"Inhämta samtycke — {myndighet}", {"samtycke": True})
    assert len(journey.case(case).data["inhamta_samtycke_resultat"]) == 3
    again = journey.complete(case, "sammanstall", {"notering": "igen"})
    assert again.data["inhamta_samtycke_resultat"] == []
    assert _titles(journey, case) == ["Inhämta samtycke — AF", "Inhämta samtycke — FK", "Inhämta samtycke — SOC"]
    answered = _answer(journey, case, "Inhämta samtycke — FK", {"samtycke": False})
    assert answered.data["inhamta_samtycke_resultat"] == [{"myndighet": "FK", "samtycke": False}]
    journey.advance("P30D")
    assert journey.open_task_names(case) == ["utred"]
    withdrawn = [e for e in journey.history(case, "TaskWithdrawn") if e.element == "inhamta_samtycke"]
    assert len(withdrawn) == 2
    journey.complete(case, "utred")
    assert journey.case(case).status == "completed"


def test_instances_on_a_parallel_branch_are_waited_for_by_the_join(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("mi_parallel_join.bpmn")
    case = journey.start("mi_parallel_join", {"myndigheter": ["AF", "FK"]})
    assert _titles(journey, case) == ["Annat", "Inhämta samtycke — AF", "Inhämta samtycke — FK"]
    _answer(journey, case, "Inhämta samtycke — FK", {"samtycke": True})
    _answer(journey, case, "Annat", {})
    assert _titles(journey, case) == ["Inhämta samtycke — AF"]  # the join waits for the activity's last instance
    done = _answer(journey, case, "Inhämta samtycke — AF", {"samtycke": False})
    assert [t.name for t in done.open_tasks] == ["sammanstall"]
    assert done.data["inhamta_samtycke_resultat"] == [{"myndighet": "AF", "samtycke": False},
                                                      {"myndighet": "FK", "samtycke": True}]
