"""How a case's workflow is stored and rebuilt: a deployed version's spec objects are built once
and shared by its cases, except where SpiffWorkflow would change them while a case runs (then each
case gets its own); the task tree is read and written in SpiffWorkflow's own format."""

from __future__ import annotations

import json
import uuid
import zlib

import pytest
from SpiffWorkflow.task import Task

from engine import events
from engine.persistence.models import CaseRow
from engine.spiff import state, task_tree
from engine.spiff.script_engine import SafeScriptEngine
from engine.spiff.state import _serializer, full_serializer
from simulation.stored import serializer_problem


def _specs_as_stored(bundle):  # type: ignore[no-untyped-def]
    spec, subprocesses = bundle.specs()
    registry = _serializer.registry
    return registry.convert(spec), {name: registry.convert(s) for name, s in subprocesses.items()}


def test_cases_of_one_version_share_its_spec_and_running_them_leaves_it_as_deployed(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("monthly_contact.bpmn")
    bundle = journey.engine.catalog.bundle(1)
    assert bundle.specs()[0] is bundle.specs()[0]

    first = journey.start("monthly_contact")
    journey.advance("P1M")
    second = journey.start("monthly_contact")
    journey.advance("P13M")  # a year of contacts, then the time limit: both cases end

    assert len(journey.history(first, events.TimerFired.event)) >= 12
    assert len(journey.history(second, events.TimerFired.event)) >= 12
    assert _specs_as_stored(bundle) == (bundle.spec, bundle.subprocess_specs)


def test_a_version_with_an_event_sub_process_gives_each_case_a_spec_of_its_own(journey) -> None:  # type: ignore[no-untyped-def]
    # Triggering the sub-process makes SpiffWorkflow connect it to the start of the spec it ran on,
    # after which every case started on that spec would start the sub-process at once.
    journey.deploy("event_subprocess.bpmn")
    bundle = journey.engine.catalog.bundle(1)
    assert bundle.specs()[0] is not bundle.specs()[0]

    first, second = journey.start("event_subprocess"), journey.start("event_subprocess")
    assert journey.open_task_names(first) == journey.open_task_names(second) == ["work"]


def test_a_state_reads_and_writes_exactly_as_with_spiffworkflows_own_converters(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("monthly_contact.bpmn")
    case = journey.start("monthly_contact")
    journey.advance("P2M")  # timers fired, contacts opened: data deltas, waiting events, a sub-process
    with journey.db.transaction() as session:
        stored = session.get(CaseRow, case.id).state
    bundle = journey.engine.catalog.bundle(1)

    ours = state.load(stored, state.SERIALIZER_VERSION, bundle, SafeScriptEngine())
    stock = full_serializer()
    dct = json.loads(state.json_text(stored))
    dct["spec"], dct["subprocess_specs"] = bundle.copies()
    theirs = stock.from_dict(dct)

    def as_stock_writes_it(workflow):  # type: ignore[no-untyped-def]
        written = stock.to_dict(workflow)
        del written["spec"], written["subprocess_specs"]
        return written

    assert as_stock_writes_it(ours) == as_stock_writes_it(theirs) == json.loads(state.json_text(stored))
    assert state.dump(theirs) == state.dump(ours) == stored


def test_a_task_read_from_a_state_has_exactly_what_spiffworkflow_gives_a_task(journey) -> None:  # type: ignore[no-untyped-def]
    # The reader sets a task's attributes itself instead of running Task.__init__: if SpiffWorkflow
    # gave tasks another attribute, this is where it would show.
    journey.deploy("monthly_contact.bpmn")
    case = journey.start("monthly_contact")
    journey.advance("P1M")
    with journey.db.transaction() as session:
        stored = session.get(CaseRow, case.id).state
    workflow = state.load(stored, state.SERIALIZER_VERSION, journey.engine.catalog.bundle(1), SafeScriptEngine())
    read = next(iter(workflow.tasks.values()))
    made = Task(workflow, read.task_spec, state=read.state, id=uuid.uuid4())
    del workflow.tasks[made.id]
    assert set(vars(read)) == set(vars(made))
    assert all(type(getattr(read, name)) is type(getattr(made, name)) for name in ("id", "_children", "data"))


def test_stored_task_ids_are_read_as_the_uuids_they_were_written_from() -> None:
    written = uuid.uuid4()
    read = task_tree.parse_id(str(written))
    assert read == written and hash(read) == hash(written) and str(read) == str(written)
    text = str(written)
    for bad in ("", "not-a-uuid", written.hex, f"{{{text}}}", text.replace("-", "_"), text[:-1] + "g"):
        with pytest.raises(ValueError):
            task_tree.parse_id(bad)


def _stored(journey, case_id: str) -> bytes:  # type: ignore[no-untyped-def]
    with journey.db.reading() as session:
        return session.get(CaseRow, case_id).state


def test_a_case_state_is_stored_compressed_and_the_case_goes_on_from_it(journey, referral) -> None:  # type: ignore[no-untyped-def]
    stored = _stored(journey, referral.id)
    text = zlib.decompress(stored).decode()

    assert stored[:1] != b"{" and state.json_text(stored) == text
    assert len(stored) * 3 < len(text.encode())
    assert json.loads(text)["tasks"]  # SpiffWorkflow's JSON, compressed as a whole
    workflow = state.load(stored, state.SERIALIZER_VERSION, journey.engine.catalog.bundle(1), SafeScriptEngine())
    assert state.dump_json(workflow) == text
    assert serializer_problem(journey.engine, referral.id) is None  # SpiffWorkflow's own serializer reads it
    case = journey.complete(referral, "assess", {"beslut": "ja"})
    assert case.status == "completed"


def test_a_state_stored_before_compression_still_loads_and_is_compressed_at_the_next_step(journey, referral) -> None:  # type: ignore[no-untyped-def]
    text = state.json_text(_stored(journey, referral.id))
    with journey.db.transaction() as session:
        session.get(CaseRow, referral.id).state = text.encode()  # the JSON's bytes, as the migration leaves it
    journey.engine.runner.cache.take(referral.id, -1)  # nothing kept in memory: the row is read

    assert [t.name for t in journey.case(referral).open_tasks] == ["assess"]
    case = journey.complete(referral, "assess", {"beslut": "ja"})

    assert case.status == "completed"
    assert _stored(journey, referral.id)[:1] != b"{"
    assert serializer_problem(journey.engine, referral.id) is None

