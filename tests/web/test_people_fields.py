"""A field that names a person is a list of the intervention's colleagues with the field's role,
shown by name and stored as the user name; anything else is refused. Found on `make run`:
"Ansvarig kontaktperson (användarnamn)" took "Arvid Berg" (a display name), and the case's tasks
were then assigned to a user who does not exist."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from engine.api import WorkflowEngine
from engine.errors import InvalidFormData
from tests.registrations import registered
from tests.web.browser import PASSWORD, Person
from tests.web.conftest import walk

TEAM = {"tove": ("Tove Teamledare", ["teamledare"], ["samverkansteamet"]),
        "arvid": ("Arvid Berg", ["arbetscoach"], ["samverkansteamet"]),
        "sam": ("Sam Sius", ["sius-konsulent"], ["samverkansteamet"]),
        "hanna": ("Hanna Handläggare", ["handlaggare"], ["gemensamma_taget"])}


@pytest.fixture
def tove(app: Flask, shipped: WorkflowEngine) -> Iterator[Person]:
    """Tove, team leader of Samverkansteamet, and her colleagues, on the journeys `serve` deploys."""
    for username, (name, roles, teams) in TEAM.items():
        app.extensions["samverkan.accounts"].add_user(username, roles, teams, password=PASSWORD, display_name=name)
    yield Person(app, "tove")


def engine(app: Flask) -> WorkflowEngine:
    return app.extensions["samverkan.engine"]


def choosing_contact_persons(app: Flask) -> str:
    """A Samverkansteamet case the team has taken on: the team leader names its contact persons."""
    real = engine(app)
    case = real.start_case("samverkansteamet", participant={"name": "Gunnar Gran"}, actor="tove",
                           data=registered("samverkansteamet"))
    walk(real, case.id, [
        ("registrera_informationsmote", {"mote_datum": "2026-01-14"}),
        ("informationsmote", {"teammedlem_1": "arvid", "teammedlem_2": "sam", "deltagarens_svar": "ja"}),
        ("registrera_remiss", {"remiss_inkom": "2026-01-16"}),
        ("bedom_remiss", {"teammote_datum": "2026-01-20", "beslut": "antagen"})], "tove")
    return next(t.id for t in real.case(case.id).open_tasks if t.name == "utse_kontaktpersoner")


def test_a_contact_person_is_chosen_by_name_from_the_team(app: Flask, tove: Person) -> None:
    task = choosing_contact_persons(app)
    page = tove.get(f"/tasks/{task}").text
    select = re.search(r'<select id="field-kontaktperson" name="kontaktperson".*?</select>', page, flags=re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    assert options == [("", "Välj person …"), ("arvid", "Arvid Berg"), ("sam", "Sam Sius"),
                       ("tove", "Tove Teamledare")]  # the team by name; not Hanna of another intervention

    answer = tove.post(f"/tasks/{task}/complete", {"kontaktperson": "Arvid Berg", "andra_kontaktperson": "sam"})
    assert answer.status_code == 422
    assert 'id="field-kontaktperson-error"' in answer.text and "användarnamnet Arvid Berg" in tove.text()

    tove.follow(tove.post(f"/tasks/{task}/complete", {"kontaktperson": "arvid", "andra_kontaktperson": "sam"}))
    assert "Klart: Utse kontaktperson och andra kontaktperson." in tove.flashes()


def test_the_engine_refuses_a_person_without_the_role_or_outside_the_intervention(app: Flask, tove: Person) -> None:
    task = choosing_contact_persons(app)
    for who in ("hanna", "nobody", "Arvid Berg"):
        with pytest.raises(InvalidFormData) as refused:
            engine(app).complete_task(task, {"kontaktperson": who, "andra_kontaktperson": "sam"}, "tove")
        assert set(refused.value.fields) == {"kontaktperson"}, who
    done = engine(app).complete_task(task, {"kontaktperson": "arvid", "andra_kontaktperson": "sam"}, "tove")
    assert done.data["kontaktperson"] == "arvid"
