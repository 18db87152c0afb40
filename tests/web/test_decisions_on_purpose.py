"""A decision is made on purpose: a required yes/no shows two radio buttons with neither chosen, and
a blank one is refused, never taken for "no". Found on `make run`: submitting "Invänta och registrera
urvalsbeskedet" empty recorded "utvald: nej" and sent the participant back to the referring authority.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from engine.api import WorkflowEngine
from tests.registrations import registered
from tests.web.browser import PASSWORD, Person
from tests.web.conftest import walk

REMISS = {"remiss_inkom": "2026-01-12", "utredningsmaterial": "Kartläggning", "utredningsmaterial_datum": "2025-12-15",
          "kand_af": True, "kand_viva": True, "tidigare_deltagit": False}


@pytest.fixture
def kim(app: Flask, shipped: WorkflowEngine) -> Iterator[Person]:
    """Kim, the coordinator of Gemensamma taget, on the journeys `serve` deploys."""
    app.extensions["samverkan.accounts"].add_user("kim", ["koordinator"], ["gemensamma_taget"], password=PASSWORD,
                                                  display_name="Kim Koordinator")
    yield Person(app, "kim")


def engine(app: Flask) -> WorkflowEngine:
    return app.extensions["samverkan.engine"]


def waiting_for_the_selection(app: Flask) -> str:
    """A Gemensamma taget case whose selection meeting is two weeks past with no answer: the
    coordinator registers its decision."""
    real = engine(app)
    case = real.start_case("gemensamma_taget", participant={"name": "Ali Ahmed"}, actor="kim",
                           data=registered("gemensamma_taget"))
    walk(real, case.id, [("registrera_remiss", REMISS),
                         ("anmal_till_urval", {"urvalsmote_datum": "2026-01-20"})], "kim")
    real.advance_clock(to="2026-02-04T09:00:00+01:00")  # two weeks after that meeting: the coordinator's task
    return next(t.id for t in real.case(case.id).open_tasks if t.name == "registrera_urvalsbesked")


def test_a_required_yes_or_no_is_two_radio_buttons_with_neither_chosen(app: Flask, kim: Person) -> None:
    task = waiting_for_the_selection(app)
    page = kim.get(f"/tasks/{task}").text
    radios = re.findall(r'<input type="radio"[^>]*name="utvald"[^>]*>', page)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["true", "false"]  # type: ignore[union-attr]
    assert not any("checked" in r for r in radios)
    assert re.search(r"<legend>Utvald till gruppstarten\? <span class=\"required\">", page)


def test_a_blank_decision_is_refused_and_nothing_is_recorded(app: Flask, kim: Person) -> None:
    task = waiting_for_the_selection(app)
    case_id = engine(app).task(task).case_id
    before = engine(app).case(case_id)
    answer = kim.post(f"/tasks/{task}/complete", {"urval_motivering": "Behov av samordnat stöd"})
    assert answer.status_code == 422
    assert 'id="field-utvald-error"' in answer.text and "välj ja eller nej" in kim.text()
    after = engine(app).case(case_id)
    assert [t.id for t in after.open_tasks] == [task] and after.data == before.data

    kim.follow(kim.post(f"/tasks/{task}/complete", {"utvald": "false", "urval_motivering": "Inte i målgruppen nu"}))
    assert "Klart: Registrera urvalsbeskedet." in kim.flashes()
    assert engine(app).case(case_id).data["utvald"] is False
