"""Output parameters let a model count without scripts: three to six assessment conversations."""

from __future__ import annotations

import pytest


@pytest.fixture
def assessment(journey):  # type: ignore[no-untyped-def]
    journey.deploy("conversations.bpmn")
    return journey.start("conversations")


def _talk(journey, case, more: bool):  # type: ignore[no-untyped-def]
    return journey.complete(case, "conversation", {"samtal_datum": "2026-02-01", "fler_samtal": more})


def test_the_start_sets_the_counter(journey, assessment) -> None:  # type: ignore[no-untyped-def]
    assert journey.case(assessment).data["antal_samtal"] == 0


def test_fewer_than_three_conversations_cannot_finish(journey, assessment) -> None:  # type: ignore[no-untyped-def]
    _talk(journey, assessment, more=False)
    case = _talk(journey, assessment, more=False)
    assert case.status == "open" and case.data["antal_samtal"] == 2
    case = _talk(journey, assessment, more=False)
    assert case.status == "completed" and case.data["antal_samtal"] == 3


def test_a_seventh_conversation_is_never_offered(journey, assessment) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert _talk(journey, assessment, more=True).status == "open"
    case = _talk(journey, assessment, more=True)
    assert case.status == "completed" and case.data["antal_samtal"] == 6
