"""Cases as units of work: versions they run on, who may take a task, one winner when two act at
once, failures that leave the case unchanged, and state stored without the process spec."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import events
from engine.api import WorkflowEngine, folder_files
from engine.errors import Conflict, DuplicateCase, InvalidFormData, NotFound, StepFailed
from engine.persistence.models import CaseRow, ProcessVersionRow
from engine.spiff import state
from engine.views import SourceFile
from tests.bpmn import BPMN_DIR

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _renamed(xml: bytes, old: str, new: str) -> bytes:
    return xml.replace(old.encode(), new.encode())


def test_open_cases_stay_on_their_version_and_new_cases_take_the_newest(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    old = journey.start("referral_reply")
    original = (BPMN_DIR / "referral_reply.bpmn").read_bytes()
    changed = _renamed(original, 'name="Registrera remiss"', 'name="Registrera inkommen remiss"')
    versions = journey.engine.deploy([SourceFile("referral_reply.bpmn", changed)], "designer")
    assert [(v.key, v.version) for v in versions] == [("referral_reply", 2)]

    new = journey.start("referral_reply")

    assert journey.case(old).process_version == 1
    assert journey.task(old, "register_referral").title == "Registrera remiss"
    assert journey.case(new).process_version == 2
    assert journey.task(new, "register_referral").title == "Registrera inkommen remiss"
    assert [v.version for v in journey.engine.versions("referral_reply")] == [1, 2]
    assert [(p.key, p.version) for p in journey.engine.processes()] == [("referral_reply", 2)]


def test_deploying_unchanged_content_makes_no_new_version(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    journey.deploy("referral_reply.bpmn")
    assert [v.version for v in journey.engine.versions("referral_reply")] == [1]


def test_a_deployment_of_several_journeys_gives_each_a_version_of_its_own_files(journey) -> None:  # type: ignore[no-untyped-def]
    """As ``serve`` deploys processes/: one journey's file changed makes a new version of that journey
    only, and each version holds its BPMN file and the decision files it uses, not the others'."""
    engine: WorkflowEngine = journey.engine
    bundle = folder_files(PROCESSES)
    engine.deploy(bundle, "system")
    assert {k: [s.name for s in engine.version_files(k, 1)] for k in ("samverkansteamet", "gemensamma_taget_urval")} \
        == {"samverkansteamet": ["samverkansteamet.bpmn", "samverkansteamet_motesplats.dmn"],
            "gemensamma_taget_urval": ["gemensamma_taget_urval.bpmn"]}
    urval = next(f for f in bundle if f.name == "gemensamma_taget_urval.bpmn")
    edited = urval.content.replace(b"</bpmn:definitions>", "<!-- ändrad -->\n</bpmn:definitions>".encode())
    changed = [SourceFile(f.name, edited) if f is urval else f for f in bundle]
    engine.deploy(changed, "system")
    assert {p.key: p.version for p in engine.processes()} == {
        "samverkansteamet": 1, "gemensamma_taget": 1, "gemensamma_taget_urval": 2}

    # Deployed again with keep_published (start-up), the earlier content does not replace version 2.
    engine.deploy(bundle, "system", keep_published=True)
    assert engine.versions("gemensamma_taget_urval")[-1].version == 2
    engine.deploy(bundle, "system")  # deployed by hand, the earlier content is a new version
    assert engine.versions("gemensamma_taget_urval")[-1].version == 3


def test_starting_an_unknown_process_is_not_found(journey) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        journey.start("finns_inte")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_data_that_is_not_json_is_refused_at_every_door_of_the_engine(journey, value: float) -> None:  # type: ignore[no-untyped-def]
    """NaN and Infinity are not JSON: stored, they would make every later read of the case fail."""
    journey.deploy("referral_reply.bpmn")
    with pytest.raises(InvalidFormData):
        journey.start("referral_reply", {"x": value})
    case = journey.start("referral_reply")
    with pytest.raises(InvalidFormData):
        journey.engine.correct_case_data(case.id, {"x": [value]}, "rättning", "admin")
    assert [c.id for c in journey.engine.cases()] == [case.id]  # the refused start left nothing behind


def test_one_open_case_per_participant_and_intervention(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    first = journey.start("referral_reply", participant_key="199001011234")
    with pytest.raises(DuplicateCase):
        journey.start("referral_reply", participant_key="199001011234")
    journey.engine.cancel_case(first.id, "felregistrerad", "teamledare")
    assert journey.start("referral_reply", participant_key="199001011234").status == "open"


def test_a_claimed_task_belongs_to_its_claimer(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    task = journey.task(case, "register_referral")

    assert journey.engine.claim_task(task.id, "anna").assignee == "anna"
    with pytest.raises(Conflict, match="claimed by anna"):
        journey.engine.claim_task(task.id, "bertil")
    with pytest.raises(Conflict, match="claimed by anna"):
        journey.engine.complete_task(task.id, {"remiss_inkom": "2026-01-12"}, "bertil")
    assert [t.id for t in journey.engine.tasks(user="bertil", groups=["arbetscoach"])] == []
    assert [t.id for t in journey.engine.tasks(user="anna", groups=[])] == [task.id]

    journey.engine.unclaim_task(task.id, "anna")
    assert [t.id for t in journey.engine.tasks(user="bertil", groups=["arbetscoach"])] == [task.id]
    assert [e.event for e in journey.history(case) if e.event.startswith("TaskC") or "claim" in e.event] == [
        events.TaskCreated.event, events.TaskClaimed.event, events.TaskUnclaimed.event]


def test_the_inbox_offers_a_task_to_its_candidate_groups_only(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    assert len(journey.engine.tasks(user="x", groups=["arbetscoach"])) == 1
    assert len(journey.engine.tasks(user="x", groups=["teamledare"])) == 1
    assert journey.engine.tasks(user="x", groups=["styrgrupp"]) == []
    assert len(journey.engine.tasks(case_id=case.id)) == 1
    assert journey.engine.tasks(process_keys=["gemensamma_taget"]) == []


def test_two_people_completing_one_task_at_once_one_wins(database_url, start_of_journey) -> None:  # type: ignore[no-untyped-def]
    from tests.engine.journey import Journey

    journey = Journey(database_url, start_of_journey, restored=False)
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    task = journey.task(case, "register_referral")
    engines = [WorkflowEngine(journey.db, clock=journey.clock, migrate=False) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def complete(engine: WorkflowEngine, day: str) -> None:
        barrier.wait()
        try:
            engine.complete_task(task.id, {"remiss_inkom": day}, "handläggare")
            outcomes.append("completed")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=complete, args=(e, d)) for e, d in zip(engines, ("2026-01-12", "2026-01-13"),
                                                                                  strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["completed", "conflict"]
    assert len(journey.history(case, events.TaskCompleted.event)) == 1
    assert journey.open_task_names(case) == ["assess"]
    journey.db.dispose()


def test_a_failing_step_leaves_the_case_unchanged_and_marks_an_incident(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("broken_after_timer.bpmn")
    case = journey.start("broken_after_timer")
    before = journey.case(case)

    journey.advance("P8D")  # the timer fires; the gateway's condition needs 'godkand', which is missing

    after = journey.case(case)
    assert after.incident is not None
    assert after.incident.element == "check" and "godkand" in after.incident.message
    # For administrators, where it stopped: the traceback down to the line that raised.
    assert after.incident.traceback is not None and "Traceback (most recent call last)" in after.incident.traceback
    assert "godkand" in after.incident.traceback.splitlines()[-1]
    assert after.status == "open" and after.timers == before.timers and after.data == before.data
    assert after.next_due_at is None  # out of the schedule until retried, but the timer is still there
    assert journey.history(case, events.TimerFired.event) == []
    assert journey.history(case, events.IncidentRaised.event)[0].element == "check"

    with pytest.raises(StepFailed):
        journey.engine.retry_incident(case.id, "förvaltare")
    assert journey.case(case).incident is not None

    journey.engine.correct_case_data(case.id, {"godkand": True}, "saknades i remissen", "förvaltare")
    fixed = journey.engine.retry_incident(case.id, "förvaltare")
    assert fixed.incident is None
    assert journey.open_task_names(case) == ["follow_up"]
    assert [e.event for e in journey.history(case)][-4:] == [
        events.DataCorrected.event, events.IncidentResolved.event, events.TimerFired.event, events.TaskCreated.event]


def test_a_case_failing_among_many_due_at_once_holds_back_none_of_the_others(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("broken_after_timer.bpmn")
    approved = [journey.start("broken_after_timer", {"godkand": True}) for _ in range(4)]
    broken = journey.start("broken_after_timer")  # all five due at the same moment: one batch

    journey.advance("P8D")

    assert [journey.open_task_names(case) for case in approved] == [["follow_up"]] * 4
    assert [len(journey.history(case, events.TimerFired.event)) for case in approved] == [1] * 4
    failed = journey.case(broken)
    assert failed.incident is not None and failed.incident.element == "check" and failed.next_due_at is None
    assert journey.history(broken, events.TimerFired.event) == []


def test_a_burst_is_fired_batch_by_batch_each_case_once(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("broken_after_timer.bpmn")
    cases = [journey.start("broken_after_timer", {"godkand": True}) for _ in range(7)]
    journey.clock.set(journey.clock.now() + timedelta(days=8))

    assert journey.engine.run_due_timers(batch=3) == 7
    assert journey.engine.run_due_timers(batch=3) == 0
    assert [len(journey.history(case, events.TimerFired.event)) for case in cases] == [1] * 7


def test_state_is_stored_without_the_process_spec(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    with journey.db.transaction() as session:
        row = session.scalars(select(CaseRow).where(CaseRow.id == case.id)).one()
        text = state.json_text(row.state)
        assert row.serializer_version == "1.5"
    stored = json.loads(text)
    assert "spec" not in stored and "subprocess_specs" not in stored
    assert "task_specs" not in text
    spec = journey.engine.catalog.bundle(1).spec
    assert len(text) < len(json.dumps(spec))  # the spec alone would more than double every case


def test_a_task_that_goes_away_undone_is_withdrawn_in_the_history(journey, referral) -> None:  # type: ignore[no-untyped-def]
    """The history says what became of every task: completed, or withdrawn (here the case closed)."""
    [assess] = journey.case(referral).open_tasks

    journey.engine.cancel_case(referral.id, "fel person", "teamledare")

    withdrawn = journey.history(referral, events.TaskWithdrawn.event)
    assert [(e.element, e.details["task_id"], e.details["title"]) for e in withdrawn] == [
        ("assess", assess.id, assess.title)]


def test_a_version_stored_with_its_whole_bundle_is_not_deployed_again(journey) -> None:  # type: ignore[no-untyped-def]
    """Versions deployed before a version held only its own files kept the whole bundle and the
    bundle's digest: deploying the same processes/ again finds them by their own files."""
    engine: WorkflowEngine = journey.engine
    bundle = folder_files(PROCESSES)
    engine.deploy(bundle, "system")
    with engine.db.transaction() as session:
        rows = list(session.scalars(select(ProcessVersionRow)))
        texts = {s["name"]: s["content"] for row in rows for s in row.sources}  # every file, as stored
        whole = [{"name": f.name, "content": texts[f.name]} for f in bundle]
        for row in rows:
            row.sources, row.content_hash = whole, "digest of the whole bundle"
    engine.deploy(bundle, "system")
    assert {p.key: p.version for p in engine.processes()} == {
        "samverkansteamet": 1, "gemensamma_taget": 1, "gemensamma_taget_urval": 1}


def test_a_step_on_a_task_reads_the_task_its_case_and_the_case_s_other_open_tasks_at_once(journey) -> None:  # type: ignore[no-untyped-def]
    from engine.persistence import store

    journey.deploy("mi_parallel_join.bpmn")
    case = journey.start("mi_parallel_join", {"myndigheter": ["AF", "FK"]})
    other = journey.start("mi_parallel_join", {"myndigheter": ["SN"]})
    open_tasks = journey.case(case).open_tasks
    assert len(open_tasks) == 3
    with journey.db.reading() as session:
        for task in open_tasks:
            found = store.case_of_task_with_tasks(session, task.id)
            assert found is not None
            row, case_row, tasks = found
            assert row.id == task.id and case_row.id == case.id
            assert [t.id for t in tasks] == [t.id for t in store.tasks_of_case(session, case.id)]
        assert store.case_of_task_with_tasks(session, "no-such-task") is None
        assert {t.case_id for t in store.case_of_task_with_tasks(session, journey.case(other).open_tasks[0].id)[2]} \
            == {other.id}
