"""A purged case's page (docs/access.md "Gallring"): Anna's referral, closed in January 2026, is
purged in March 2028 after its two years. Whoever could have read it — the admin and the staff of
its intervention — and the log reviewer, who meets its id in the access log, are told calmly that it
was purged: its intervention, status, the days it started and closed and the day it was purged, and
nothing about Anna. Everyone else gets the 404 of a case that never existed; the API answers 410
Gone with the same facts, or 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from engine.settings import RetentionSettings
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, Api, engine_of, personnummer
from web.accounts.retention import Retention

ANNA = personnummer("19900101", "123").replace("-", "")
PURGE_DAY = datetime(2028, 3, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def scene(people: Flask) -> dict[str, Any]:
    app = people
    engine = engine_of(app)
    accounts = app.extensions["samverkan.accounts"]
    accounts.add_user("lotta", ["logggranskare"], [], password=PASSWORD, display_name="Lotta Logg")
    anna = engine.start_case("referral_reply", participant={"name": "Anna Andersson", "personnummer": ANNA},
                             participant_key=ANNA, actor="rita").id
    accounts.log_access("carl", anna, "case.read", datetime(2026, 1, 13, 9, 0, tzinfo=UTC), "10.0.0.2")
    engine.advance_clock(timedelta(days=3))
    engine.cancel_case(anna, "flyttade", "lena")
    engine.advance_clock(to=PURGE_DAY)
    done = Retention(engine, RetentionSettings({"referral_reply": 2})).purge("admin")
    assert done.cases == 1
    return {"app": app, "anna": anna}


@pytest.mark.parametrize("username", ["admin", "lena", "carl", "lotta"])
def test_those_who_could_read_it_are_told_it_was_purged_and_nothing_of_the_person(
        scene: dict[str, Any], username: str) -> None:
    person = Person(scene["app"], username)
    page = person.get(f"/cases/{scene['anna']}")
    assert page.status_code == 410
    text = person.text()
    assert "Ärendet är gallrat" in text
    assert "Insats Svar på remiss" in text and "Status Stängt" in text
    assert "Startat 2026-01-12" in text and "Avslutades 2026-01-15" in text and "Gallrat 2028-03-01" in text
    assert "Anna" not in text and ANNA[:8] not in text


@pytest.mark.parametrize("username", ["otto", "rita", "designer"])
def test_everyone_else_gets_the_404_of_an_unknown_case(scene: dict[str, Any], username: str) -> None:
    person = Person(scene["app"], username)
    purged = person.get(f"/cases/{scene['anna']}")
    unknown = person.get("/cases/no-such-case")
    assert purged.status_code == unknown.status_code == 404
    assert "gallrat" not in purged.text.lower()


def test_the_api_answers_410_gone_with_the_tombstone_or_404(scene: dict[str, Any], api: Api) -> None:
    answer = api.get(f"/cases/{scene['anna']}", "lena")
    assert answer.status_code == 410
    body = answer.get_json()
    assert body["error"] == "gone" and "purged" in body["message"]
    assert body["details"] == {"id": scene["anna"], "process": "referral_reply", "status": "cancelled",
                               "created_at": "2026-01-12T07:00:00+00:00", "closed_at": "2026-01-15T07:00:00+00:00",
                               "purged_at": "2028-03-01T07:00:00+00:00"}
    assert api.get(f"/cases/{scene['anna']}", "admin").status_code == 410
    for username in ("otto", "rita"):
        refused = api.get(f"/cases/{scene['anna']}", username)
        assert refused.status_code == 404 and refused.get_json()["error"] == "not_found"
    openapi = api.get("/openapi.json", None).get_json()
    assert "410" in openapi["paths"]["/cases/{id}"]["get"]["responses"]


def test_the_log_review_names_a_purged_case_and_links_to_its_page(scene: dict[str, Any]) -> None:
    lotta = Person(scene["app"], "lotta")
    page = lotta.get("/logg?fran=2026-01-13&till=2026-01-13")
    link = f'<a href="/cases/{scene["anna"]}">Gallrat ärende</a>'
    assert link in page.text and "Anna" not in page.text
    assert lotta.get(f"/cases/{scene['anna']}").status_code == 410
    csv = lotta.get("/logg/logg.csv?fran=2026-01-13&till=2026-01-13").data.decode("utf-8-sig")
    assert "Gallrat ärende;–;Svar på remiss;Läste ärendet" in csv
