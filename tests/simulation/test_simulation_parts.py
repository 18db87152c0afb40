"""The journey simulator's parts: the chooser gives valid answers to every form of every shipped
model, and every invariant check is shown able to fail on a planted violation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engine.api import WorkflowEngine, folder_files
from engine.clock import SimulatedClock
from engine.language import forms
from engine.spiff.specs import form_of
from engine.views import Case, CaseEvent, FieldOption, Form, FormField, Incident, SourceFile, Task, Timer
from simulation import invariants, model, people, stored
from simulation.choices import Chooser
from simulation.driver import START, Settings, Simulation
from simulation.report import RunReport, Step
from tests.registrations import registered

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("samverkansteamet", "gemensamma_taget", "gemensamma_taget_urval")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> WorkflowEngine:
    url = f"sqlite:///{tmp_path_factory.mktemp('parts') / 'parts.sqlite3'}"
    engine = WorkflowEngine(url, clock=SimulatedClock(START))
    engine.deploy(folder_files(ROOT / "processes"), "test")
    return engine


def _model(engine: WorkflowEngine, key: str) -> model.ProcessModel:
    return model.read(key, 1, engine.process_xml(key, 1), engine.version_files(key, 1))


def _forms(engine: WorkflowEngine, key: str) -> dict[str, Form]:
    version_id = next(c for c in [engine.versions(key)[0]]).version  # version 1 of a fresh database
    assert version_id == 1
    with engine.db.reading() as session:  # the version's parsed spec: every user task's form
        from engine.persistence import store
        row = store.latest_version(session, key)
        assert row is not None
        spec, subprocess_specs = engine.catalog.bundle(row.id).build()
    found: dict[str, Form] = {}
    for process in (spec, *subprocess_specs.values()):
        for name, task_spec in process.task_specs.items():
            if getattr(task_spec, "form", None) is not None:
                found[name] = form_of(task_spec)
    return found


@pytest.mark.parametrize("key", SHIPPED)
def test_the_chooser_answers_every_form_of_every_shipped_model_validly(deployed: WorkflowEngine, key: str) -> None:
    process = _model(deployed, key)
    all_forms = _forms(deployed, key)
    assert all_forms, f"{key} has no forms?"
    for seed in range(40):
        chooser = Chooser(random.Random(seed), process)
        day = date(2026, 1, 12) + timedelta(days=seed * 17)
        for element, form in sorted(all_forms.items()):
            answers = chooser.answers(form, day, {"antal_utvalda": 7, "antal_forslag": 9})
            forms.clean(form, answers)  # raises InvalidFormData if any answer is invalid
            for field_id, roles in process.user_fields.items():
                if field_id in answers:
                    held = set(people.STAFF[answers[field_id]])
                    assert held & set(roles), f"{element}.{field_id}: {answers[field_id]} holds none of {roles}"


def test_user_fields_and_their_roles_are_read_from_the_model(deployed: WorkflowEngine) -> None:
    roles = ("arbetscoach", "arbetsterapeut", "sius-konsulent", "teamledare")
    assert _model(deployed, "samverkansteamet").user_fields == dict.fromkeys(
        ("teammedlem_1", "teammedlem_2", "kontaktperson", "andra_kontaktperson"), roles)
    assert _model(deployed, "gemensamma_taget").user_fields == {"handlaggare": ("handlaggare",)}


def test_two_user_fields_of_one_form_name_two_people() -> None:
    process = model.ProcessModel("p", 1, user_fields={"a": ("teamledare",), "b": ("teamledare",)})
    form = Form((FormField("a", "A", "string", required=True), FormField("b", "B", "string", required=True)))
    for seed in range(30):
        answers = Chooser(random.Random(seed), process).answers(form, date(2026, 1, 12))
        assert answers["a"] != answers["b"]


def test_a_group_deciding_on_forty_proposals_chooses_about_seven() -> None:
    # The selection meeting's "Utvald till gruppstarten?" in each of 40 instances: a case's leaning
    # would answer them all alike (about 36 yes, or about 4), and the meeting's 6–8 rule would send
    # the proposals round again and again; a group is selective.
    assert "halla_urvalsmote" in _model_of_urval().in_instances
    form = Form((FormField("utvald", "Utvald?", "boolean", required=True),))
    chooser = Chooser(random.Random(3), model.ProcessModel("p", 1))
    chosen = [sum(chooser.answers(form, date(2026, 1, 12), instances=40)["utvald"] for _ in range(40))
              for _ in range(200)]
    assert 6 <= sum(chosen) / len(chosen) <= 8
    assert sum(6 <= n <= 8 for n in chosen) >= 60  # the rule holds in a good share of the rounds


def _model_of_urval() -> model.ProcessModel:
    xml = (Path(__file__).resolve().parents[2] / "processes" / "gemensamma_taget_urval.bpmn").read_text()
    return model.read("gemensamma_taget_urval", 1, xml)


def test_answers_keep_every_bound() -> None:
    form = Form((
        FormField("n", "N", "long", required=True, min="6", max="8"),
        FormField("d", "D", "date", required=True, min="2026-02-01", max="2026-02-03"),
        FormField("t", "T", "string", required=True, minlength=5, maxlength=7),
        FormField("e", "E", "enum", required=True, options=(FieldOption("x", "X"), FieldOption("y", "Y"))),
        FormField("r", "R", "string", readonly=True),
    ))
    for seed in range(50):
        answers = Chooser(random.Random(seed), model.ProcessModel("p", 1)).answers(form, date(2026, 1, 12))
        forms.clean(form, answers)
        assert 6 <= answers["n"] <= 8 and "2026-02-01" <= answers["d"] <= "2026-02-03"
        assert 5 <= len(answers["t"]) <= 7 and answers["e"] in ("x", "y") and "r" not in answers


def test_concurrency_property_is_read_and_checked() -> None:
    assert model.concurrency_of("3") == 3
    assert model.concurrency_of("obegränsat") is None
    with pytest.raises(ValueError):
        model.concurrency_of("0")
    xml = (ROOT / "tests" / "simulation" / "concurrent.bpmn").read_text()
    read = model.read("concurrent", 1, xml)
    assert read.allowed_open("three") == 3 and read.allowed_open("any") is None and read.allowed_open("one") == 1


# --- each invariant check fails on a planted violation -------------------------------------------------

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _case(**changes: object) -> Case:
    values: dict[str, object] = {
        "id": "c", "process_key": "p", "process_version": 1, "status": "open", "participant": {}, "started_by": "x",
        "data": {}, "created_at": AT, "updated_at": AT, "next_due_at": None, "incident": None}
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def _task(name: str, n: int) -> Task:
    return Task(f"t{n}", "c", "p", name, name, ("teamledare",), (), None, None, None, AT, Form())


def _event(n: int, event: str, element: str | None, at: datetime = AT, **details: object) -> CaseEvent:
    return CaseEvent(n, "c", at, event, "x", element, dict(details))


def test_the_incident_check_fails_on_an_incident() -> None:
    assert invariants.incident(_case()) is None
    found = invariants.incident(_case(incident=Incident("join", "AttributeError: boom", AT, "Traceback …")))
    assert found is not None and "AttributeError: boom" in found[0] and found[1] == "Traceback …"


def test_the_open_task_check_fails_on_a_stacked_task() -> None:
    process = model.ProcessModel("p", 1, concurrency={"many": 2})
    assert invariants.open_tasks(_case(open_tasks=(_task("a", 1), _task("many", 2), _task("many", 3))), process) is None
    problem = invariants.open_tasks(_case(open_tasks=(_task("a", 1), _task("a", 2))), process)
    assert problem is not None and "2 open tasks of a" in problem
    assert invariants.open_tasks(_case(open_tasks=tuple(_task("many", n) for n in range(3))), process) is not None


def test_the_value_check_fails_on_a_lost_value() -> None:
    history = [_event(1, "TaskCompleted", "form", data={"beslut": "antagen", "datum": "2026-03-02"})]
    expected = invariants.expected_values(history)
    assert invariants.lost_values(expected, {"beslut": "antagen", "datum": "2026-03-02"}) is None
    problem = invariants.lost_values(expected, {"datum": "2026-03-02"})
    assert problem is not None and "beslut='antagen'" in problem and "missing" in problem
    assert invariants.lost_values(expected, {"beslut": "ej_antagen", "datum": "2026-03-02"}) is not None
    # a later form, a correction or a message may change it; a key the model computes is not checked
    later = [*history, _event(2, "DataCorrected", None, data={"beslut": "x"}, reason="r")]
    assert invariants.lost_values(invariants.expected_values(later), {"beslut": "y", "datum": "2026-03-02"}) is None
    assert invariants.lost_values(expected, {"datum": "2026-03-02"}, computed={"beslut"}) is None


def test_the_timer_check_fails_on_a_duplicate_an_early_or_a_paused_firing() -> None:
    due = AT.isoformat()
    fired = _event(1, "TimerFired", "monthly", AT, due_at=due)
    assert invariants.TimerLedger().read([fired]) is None
    problem = invariants.TimerLedger().read([fired, _event(2, "TimerFired", "monthly", AT + timedelta(hours=1),
                                                            due_at=due)])
    assert problem is not None and "fired twice" in problem
    early = invariants.TimerLedger().read([_event(1, "TimerFired", "monthly", AT - timedelta(hours=1), due_at=due)])
    assert early is not None and "early" in early
    paused = invariants.TimerLedger().read([_event(1, "CasePaused", None, reason="sjuk"), fired])
    assert paused is not None and "paused" in paused
    assert invariants.TimerLedger().read([_event(1, "CasePaused", None, reason="sjuk"),
                                          _event(2, "CaseResumed", None, paused_days=3), fired]) is None


def test_the_timer_check_fails_on_a_timer_left_waiting_past_its_time() -> None:
    waiting = _case(timers=(Timer("c", "monthly", "Månadskontakt", AT),))
    assert invariants.overdue_timers(waiting, AT - timedelta(minutes=1)) is None
    problem = invariants.overdue_timers(waiting, AT + timedelta(days=1))
    assert problem is not None and "has not fired" in problem
    assert invariants.overdue_timers(_case(status="paused", timers=waiting.timers), AT + timedelta(days=1)) is None


def test_the_growth_checks_fail_beyond_their_bounds() -> None:
    assert invariants.growth({0: 5_000, 3: 30_000, 12: 80_000}) is None
    problem = invariants.growth({3: 30_000, 12: 80_001})
    assert problem is not None and "80001 bytes at 12 months" in problem
    # A case that reached its participation late, in its fifth month, is measured from there.
    assert invariants.growth({0: 5_000, 3: 17_000, 5: 55_000, 7: 56_000}) is None
    assert invariants.growth({0: 5_000, 3: 17_000, 5: 55_000, 18: 130_001}) is not None
    # One that began its participation after six months (it waited for a group start) is measured
    # against what the journey's other cases were in their first months.
    assert invariants.growth({0: 20_000, 5: 28_000, 11: 77_000}) is not None
    assert invariants.growth({0: 20_000, 5: 28_000, 11: 77_000}, journey_early=60_000) is None
    assert invariants.growth({0: 20_000, 5: 28_000, 11: 140_001}, journey_early=60_000) is not None
    steady = dict.fromkeys(range(12), [0.010] * 100)  # 10 ms a step at every age
    assert invariants.step_cost(steady) is None
    assert invariants.step_cost({**steady, 11: [0.100] * 100}) is not None  # 100 ms a step at 11 months
    # A few stalls of the machine (ten steps of three seconds at four months) are not the case's age.
    assert invariants.step_cost({**steady, 4: [0.010] * 90 + [3.0] * 10}) is None


def test_the_serializer_check_loads_a_stored_state_and_fails_on_a_broken_one(deployed: WorkflowEngine) -> None:
    case = deployed.start_case("samverkansteamet", participant={"name": "Test"}, actor="r",
                               data=registered("samverkansteamet"))
    assert stored.serializer_problem(deployed, case.id) is None
    import json

    from engine.persistence import store  # plant a broken state: a task whose spec does not exist
    from engine.spiff import state
    with deployed.db.transaction() as session:
        row = store.get_case(session, case.id)
        assert row is not None
        held = json.loads(state.json_text(row.state))
        next(iter(held["tasks"].values()))["task_spec"] = "no_such_element"
        row.state = state.compress(json.dumps(held))
    problem = stored.serializer_problem(deployed, case.id)
    assert problem is not None and "cannot load" in problem


# --- the run, and its replay ----------------------------------------------------------------------------

def test_one_seed_gives_one_run_and_its_steps_replay(tmp_path: Path) -> None:
    def run(name: str) -> RunReport:
        settings = Settings(f"sqlite:///{tmp_path / name}", ["samverkansteamet"], cases=3, months=2, seed=11)
        simulation = Simulation(settings, folder_files(ROOT / "processes"))
        try:
            return simulation.run()
        finally:
            simulation.close()

    first, second = run("a.sqlite3"), run("b.sqlite3")
    assert [s.as_json() for s in first.steps] == [s.as_json() for s in second.steps]
    assert first.ok, first.summary()
    saved = first.save(tmp_path / "steps.json")
    settings, steps = RunReport.load(saved)
    assert [Step.from_json(s.as_json()) for s in steps] == steps
    replayed = Simulation(Settings(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings["processes"]),
                          folder_files(ROOT / "processes"))
    try:
        report = replayed.replay(steps)
    finally:
        replayed.close()
    assert report.ok, report.summary()
    assert report.outcomes == first.outcomes


def test_the_driver_stops_at_a_planted_violation(tmp_path: Path) -> None:
    """A model that says an element may have one open task at once, yet opens two: the run stops."""
    source = SourceFile("twice.bpmn", (ROOT / "tests" / "simulation" / "twice.bpmn").read_bytes())
    settings = Settings(f"sqlite:///{tmp_path / 'd.sqlite3'}", ["twice"], cases=1, months=1, seed=1)
    simulation = Simulation(settings, [source])
    try:
        report = simulation.run()
    finally:
        simulation.close()
    assert report.violation is not None and report.violation.invariant == "open_tasks", report.summary()
    assert report.violation.case == 0 and "open tasks of task at once (the model allows 1)" in report.violation.message


def test_the_follow_up_row_must_say_what_the_case_holds(deployed: WorkflowEngine) -> None:
    from engine.views.followup import FollowUpRow, Period

    case = deployed.start_case("samverkansteamet", participant={"name": "Test"}, actor="r",
                               data=registered("samverkansteamet"))
    indicators = deployed.follow_up.indicators("samverkansteamet")
    [row] = [r for r in deployed.follow_up.rows(Period(date(2026, 1, 1), date(2026, 12, 31)), ["samverkansteamet"])
             if r.case_id == case.id]
    assert invariants.follow_up(case, row, indicators) is None
    assert invariants.follow_up(case, None, indicators) == "the case has no row in the follow-up's read model"
    wrong = FollowUpRow(**{**row.__dict__, "status": "completed", "outcome": "arbete"})
    assert invariants.follow_up(case, wrong, indicators) == (
        "status completed, the case is open; outcome arbete, the case holds None")
