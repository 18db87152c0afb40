"""A deployed version's spec objects are built once and shared by its cases, except where
SpiffWorkflow would change them while a case runs (then each case gets its own)."""

from __future__ import annotations

from engine import events
from engine.spiff.state import _serializer


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

    assert len(journey.history(first, events.TIMER_FIRED)) >= 12
    assert len(journey.history(second, events.TIMER_FIRED)) >= 12
    assert _specs_as_stored(bundle) == (bundle.spec, bundle.subprocess_specs)


def test_a_version_with_an_event_sub_process_gives_each_case_a_spec_of_its_own(journey) -> None:  # type: ignore[no-untyped-def]
    # Triggering the sub-process makes SpiffWorkflow connect it to the start of the spec it ran on,
    # after which every case started on that spec would start the sub-process at once.
    journey.deploy("event_subprocess.bpmn")
    bundle = journey.engine.catalog.bundle(1)
    assert bundle.specs()[0] is not bundle.specs()[0]

    first, second = journey.start("event_subprocess"), journey.start("event_subprocess")
    assert journey.open_task_names(first) == journey.open_task_names(second) == ["work"]
