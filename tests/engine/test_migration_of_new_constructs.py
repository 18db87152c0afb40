"""Open cases that wait inside the constructs designers reach for, moved to a new version of their
process: at an event-based gateway, among the instances of a multi-instance task, and inside a
called process. Each goes on to its end on the new version's terms, nothing lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine import events
from engine.views import Case, SourceFile
from tests.bpmn import BPMN_DIR
from tests.engine.journey import Journey

REPLY = (BPMN_DIR / "reply_deadline.bpmn").read_text(encoding="utf-8")
CONSENT = (BPMN_DIR / "mi_consent.bpmn").read_text(encoding="utf-8")
CALLER = (BPMN_DIR / "calls_avslut.bpmn").read_text(encoding="utf-8")


def _deploy(journey: Journey, name: str, content: str) -> int:
    return journey.engine.deploy([SourceFile(name, content.encode("utf-8"))], "designer")[0].version


def _move(journey: Journey, key: str, version: int, case: Case) -> None:
    (dry,) = journey.engine.migration.dry_run(key, version, [case.id])
    assert dry.moved, dry
    (moved,) = journey.engine.migration.migrate(key, version, [case.id], "designer", "Ny version")
    assert moved.moved, moved
    after = journey.case(case)
    assert after.process_version == version and after.incident is None
    assert [e.event for e in journey.history(case, events.CaseMigrated.event)] == [events.CaseMigrated.event]


def test_a_case_waiting_at_an_event_based_gateway_moves_and_the_answer_still_reaches_it(journey: Journey) -> None:
    _deploy(journey, "reply_deadline.bpmn", REPLY)
    waiting = journey.start("reply_deadline", {})
    journey.complete(waiting, "invite")
    journey.advance("P3D")
    v2 = _deploy(journey, "reply_deadline.bpmn", REPLY.replace('name="Planera insatsen"', 'name="Planera stödet"'))

    _move(journey, "reply_deadline", v2, waiting)

    moved = journey.case(waiting)
    assert moved.waiting_messages == ("deltagaren_svarade",)
    # The two weeks are unchanged by the move: still due two weeks after the invitation.
    assert [(t.element, t.due_at) for t in moved.timers] == [("two_weeks", datetime(2026, 1, 26, 7, 0, tzinfo=UTC))]
    answered = journey.engine.send_message(waiting.id, "deltagaren_svarade", {"svar": "ja"}, "deltagare")
    assert [t.title for t in answered.open_tasks] == ["Planera stödet"]
    assert answered.timers == ()


def test_a_case_waiting_at_an_event_based_gateway_moves_to_a_shorter_wait(journey: Journey) -> None:
    _deploy(journey, "reply_deadline.bpmn", REPLY)
    waiting = journey.start("reply_deadline", {})
    journey.complete(waiting, "invite")
    v2 = _deploy(journey, "reply_deadline.bpmn", REPLY.replace("<bpmn:timeDuration>P14D", "<bpmn:timeDuration>P10D"))

    _move(journey, "reply_deadline", v2, waiting)

    journey.advance("P10DT1H")
    after = journey.case(waiting)
    assert journey.open_task_names(after) == ["follow_up"]
    assert after.waiting_messages == ()


def _titles(journey: Journey, case: Case) -> list[str]:
    return sorted(t.title for t in journey.case(case).open_tasks)


def _answer(journey: Journey, case: Case, title: str, data: dict[str, Any]) -> Case:
    task = next(t for t in journey.case(case).open_tasks if t.title == title)
    return journey.engine.complete_task(task.id, data, "handläggare")


def test_a_case_among_the_instances_of_a_multi_instance_task_moves_and_keeps_every_answer(journey: Journey) -> None:
    _deploy(journey, "mi_consent.bpmn", CONSENT)
    case = journey.start("mi_consent", {"myndigheter": ["AF", "FK", "SOC"]})
    _answer(journey, case, "Inhämta samtycke — FK", {"samtycke": False, "kommentar": "nej från FK"})
    v2 = _deploy(journey, "mi_consent.bpmn", CONSENT.replace('name="Sammanställ"', 'name="Sammanställ svaren"'))

    _move(journey, "mi_consent", v2, case)

    assert _titles(journey, case) == ["Inhämta samtycke — AF", "Inhämta samtycke — SOC"]
    _answer(journey, case, "Inhämta samtycke — SOC", {"samtycke": True, "kommentar": "ja från SOC"})
    done = _answer(journey, case, "Inhämta samtycke — AF", {"samtycke": True, "kommentar": "ja från AF"})
    assert [t.title for t in done.open_tasks] == ["Sammanställ svaren"]
    assert [r["myndighet"] for r in done.data["inhamta_samtycke_resultat"]] == ["AF", "FK", "SOC"]
    assert done.data["inhamta_samtycke_resultat"][1]["kommentar"] == "nej från FK"


def test_a_case_inside_a_called_process_moves_and_its_outputs_still_come_out(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    _deploy(journey, "calls_avslut.bpmn", CALLER)
    case = journey.start("calls_avslut", {})
    journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 4, "halsa": "-"})
    assert journey.open_task_names(case) == ["avsluta_insatsen"]
    v2 = _deploy(journey, "calls_avslut.bpmn", CALLER.replace('name="Skriv sammanfattning"',
                                                              'name="Skriv en sammanfattning"'))

    _move(journey, "calls_avslut", v2, case)

    journey.complete(case, "avsluta_insatsen", {"utfall": "arbete"})
    journey.advance("P3M1D")
    journey.complete(case, "folj_upp_avslutet", {"kvar_i_arbete": True})
    after = journey.case(case)
    assert after.data["resultat"] == "arbete"
    assert [t.title for t in after.open_tasks] == ["Skriv en sammanfattning"]
