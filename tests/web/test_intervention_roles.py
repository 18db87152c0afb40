"""Roles per intervention: a role held in one intervention only.

The scenario: a förbund runs two interventions, Gemensamma taget and Samverkansteamet, each with a
task for its coordinator ("Fördela deltagaren", candidate group ``koordinator``). Karin works in
both: she is a handläggare everywhere, and the administrator makes her coordinator of Gemensamma
taget only. Gunnel is coordinator of both, the ordinary way (a role held in all her interventions).
Karin hands out Gemensamma taget's work, not Samverkansteamet's — in the inbox, in the API, in the
mail to "the coordinators of" an intervention — while she still reads both interventions' cases.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import text

from engine.directory import Person as DirectoryPerson
from engine.directory import StaticDirectory
from engine.errors import InvalidInput
from engine.persistence.db import Database
from engine.persistence.models import NotificationRow
from tests.bpmn import BPMN_DIR
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, Api, engine_of, personnummer
from tests.web.test_user_admin import accounts_of, audit, create_user
from web.accounts.directory import AccountsDirectory
from web.accounts.migrations import upgrade
from web.accounts.users import Accounts

GT, ST = "gemensamma_taget", "samverkansteamet"


@pytest.fixture
def forbund(deployed: Api, app: Flask) -> Flask:
    """Both interventions deployed; Gunnel coordinates both; Karin is created on the admin page."""
    for key in (GT, ST):
        answer = deployed.post("/processes", "designer", data=(BPMN_DIR / f"coordinated_{key}.bpmn").read_bytes(),
                               content_type="application/xml", json=None)
        assert answer.status_code == 201, answer.get_json()
    accounts = accounts_of(app)
    accounts.add_user("gunnel", ["koordinator"], [GT, ST], PASSWORD, "Gunnel Koordinator")
    admin = Person(app, "admin")
    assert create_user(admin, "karin", "Karin Handläggare", ["handlaggare"], [GT, ST]).status_code == 200
    accounts.set_password("karin", PASSWORD)
    return app


def karins_page(admin: Person, scoped: dict[str, list[str]], teams: list[str] | None = None):  # type: ignore[no-untyped-def]
    """The administrator saves Karin's page with these roles held in one intervention only."""
    admin.get("/admin/users/karin")
    fields: dict[str, object] = {"display_name": "Karin Handläggare", "roles": ["handlaggare"],
                                 "teams": [GT, ST] if teams is None else teams}
    fields.update({f"insatsroller:{key}": roles for key, roles in scoped.items()})
    return admin.post("/admin/users/karin", fields)


def start(app: Flask, key: str, name: str, serial: str) -> str:
    number = personnummer("19880405", serial).replace("-", "")
    case = engine_of(app).start_case(key, participant={"name": name, "personnummer": number},
                                     participant_key=number, actor="admin")
    return case.open_tasks[0].id


def tab_counts(person: Person) -> list[int]:
    """The inbox's tab counts as the page shows them: mine, the groups', all."""
    assert person.page is not None
    return [int(n) for n in re.findall(r'<span class="count">(\d+)</span>', person.page.text)]


def test_a_coordinator_of_one_intervention_takes_its_coordinator_tasks_and_not_the_others(forbund: Flask) -> None:
    admin = Person(forbund, "admin")
    admin.get("/admin/users/karin")
    assert "Roller bara i Gemensamma taget" in admin.text() and "Roller bara i Samverkansteamet" in admin.text()
    assert 'name="insatsroller:gemensamma_taget" value="admin"' not in admin.page.text  # type: ignore[union-attr]
    assert admin.follow(karins_page(admin, {GT: ["koordinator"]})).status_code == 200
    assert "Ändringarna är sparade." in admin.flashes()
    karin_now = accounts_of(forbund).user("karin")
    assert karin_now.roles_in(GT) == {"handlaggare", "koordinator"} and karin_now.roles_in(ST) == {"handlaggare"}
    admin.get("/admin/users")
    assert "Handläggare, Koordinator (Gemensamma taget)" in admin.text()

    in_gt = start(forbund, GT, "Greta Gemensam", "123")
    in_st = start(forbund, ST, "Sven Samverkan", "234")
    karin = Person(forbund, "karin")
    karin.get("/inbox?tab=group")
    assert f"/tasks/{in_gt}" in karin.page.text and f"/tasks/{in_st}" not in karin.page.text  # type: ignore[union-attr]
    assert tab_counts(karin) == [0, 1, 2]  # both interventions' tasks under "all": she is staff of both
    # The API's list of what she may work on is the inbox's "mine" and "the groups'" together.
    token = accounts_of(forbund).create_token("karin")
    api = Api(forbund.test_client(), {"karin": token})
    assert [t["id"] for t in api.get("/tasks", "karin").get_json()] == [in_gt]

    # She reads the Samverkansteamet case (a handläggare there), but its coordinator task is not hers.
    assert karin.get(f"/tasks/{in_st}").status_code == 200
    assert api.post(f"/tasks/{in_st}/claim", "karin").status_code == 403
    karin.post(f"/inbox/tasks/{in_st}/claim", {"tab": "all"})
    assert engine_of(forbund).task(in_st).assignee is None
    assert api.post(f"/tasks/{in_gt}/claim", "karin").get_json()["assignee"] == "karin"
    karin.get("/inbox?tab=group")
    assert tab_counts(karin) == [1, 0, 2]
    assert [t["id"] for t in api.get("/tasks", "karin").get_json()] == [in_gt]

    # Gunnel, coordinator of both the ordinary way, is offered Samverkansteamet's task as before.
    gunnel = Person(forbund, "gunnel")
    gunnel.get("/inbox?tab=group")
    assert f"/tasks/{in_st}" in gunnel.page.text and tab_counts(gunnel) == [0, 1, 2]  # type: ignore[union-attr]


def test_the_administrator_removes_an_intervention_role_and_both_changes_are_audited(forbund: Flask) -> None:
    admin = Person(forbund, "admin")
    karins_page(admin, {GT: ["koordinator"]})
    in_gt = start(forbund, GT, "Greta Gemensam", "123")
    karin = Person(forbund, "karin")
    assert f"/tasks/{in_gt}" in karin.get("/inbox?tab=group").text

    admin.get("/admin/users/karin")
    assert re.search(r'value="koordinator" checked', admin.page.text)  # type: ignore[union-attr]
    assert admin.follow(karins_page(admin, {})).status_code == 200
    assert accounts_of(forbund).account("karin").intervention_roles == {}
    assert f"/tasks/{in_gt}" not in karin.get("/inbox?tab=group").text
    changes = [details for _who, what, details in audit(forbund, "karin") if what == "user.changed"]
    assert changes == [{"intervention_roles": {"före": {}, "efter": {GT: ["koordinator"]}}},
                       {"intervention_roles": {"före": {GT: ["koordinator"]}, "efter": {}}}]

    # Taking her out of an intervention takes the roles she held there with it.
    karins_page(admin, {GT: ["koordinator"]})
    karins_page(admin, {GT: ["koordinator"]}, teams=[ST])
    assert accounts_of(forbund).account("karin").intervention_roles == {}
    assert accounts_of(forbund).user("karin").roles_in(GT) == frozenset()


def test_a_product_wide_role_cannot_be_held_in_one_intervention_only(forbund: Flask) -> None:
    admin = Person(forbund, "admin")
    refused = karins_page(admin, {GT: ["admin"]})
    assert refused.status_code == 400
    assert ("Rollerna admin, processdesigner, logggranskare och remittent gäller i alla användarens insatser och "
            "kan inte ges i en enda insats.") in admin.text()
    assert accounts_of(forbund).account("karin").intervention_roles == {}
    assert not accounts_of(forbund).user("karin").is_admin
    assert [what for _who, what, _details in audit(forbund, "karin")] == ["user.created", "user.password_link"]
    for role in ("admin", "logggranskare", "processdesigner", "remittent"):
        with pytest.raises(InvalidInput):
            accounts_of(forbund).add_user(f"ny-{role}", ["handlaggare"], [GT], None, intervention_roles={GT: [role]})


def test_a_mail_to_the_coordinators_of_an_intervention_reaches_those_who_coordinate_it(forbund: Flask) -> None:
    karins_page(Person(forbund, "admin"), {GT: ["koordinator"]})
    directory = AccountsDirectory(engine_of(forbund).db, ttl=0)
    assert [r.username for r in directory.addresses("group", "koordinator", GT)] == ["gunnel", "karin"]
    assert [r.username for r in directory.addresses("group", "koordinator", ST)] == ["gunnel"]
    assert [r.username for r in directory.addresses("group", "handlaggare", ST)] == ["karin"]
    # The same rule wherever the people come from: a role held in one intervention counts there only.
    static = StaticDirectory([DirectoryPerson("karin", "Karin", None, roles=(), teams=(),
                                              intervention_roles={GT: ("koordinator",)})])
    assert [r.username for r in static.addresses("group", "koordinator", GT)] == ["karin"]
    assert static.addresses("group", "koordinator", ST) == []


def test_a_reminder_to_the_coordinators_of_an_intervention_is_in_the_notifications_of_those_only(
        forbund: Flask) -> None:
    karins_page(Person(forbund, "admin"), {GT: ["koordinator"]})
    engine = engine_of(forbund)
    reminders = {key: (start(forbund, key, "Greta Gemensam" if key == GT else "Sven Samverkan", serial), subject)
                 for key, serial, subject in ((GT, "123", "Fördela Greta"), (ST, "234", "Fördela Sven"))}
    with engine.db.transaction() as session:
        for key, (task_id, subject) in reminders.items():
            session.add(NotificationRow(
                id=str(uuid.uuid4()), kind="reminder", case_id=engine.task(task_id).case_id, task_id=task_id,
                process_key=key, recipient_kind="group", recipient="koordinator", subject=subject,
                created_at=engine.clock.now(), dedupe_key=f"test:{key}"))
    assert "Fördela Greta" in (karin := Person(forbund, "karin")).get("/notifications").text
    assert "Fördela Sven" not in karin.page.text  # type: ignore[union-attr]
    gunnel = Person(forbund, "gunnel").get("/notifications").text
    assert "Fördela Greta" in gunnel and "Fördela Sven" in gunnel


def test_users_from_before_keep_their_roles_in_each_of_their_interventions(database_url: str) -> None:
    """The upgrade gives every existing user no role per intervention: their roles mean what they meant."""
    db = Database(database_url)
    db.migrate()
    upgrade(db.engine, "w0007")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (id, username, display_name, roles, teams, active, created_at) "
                                "VALUES (1, 'lena', 'Lena', '[\"teamledare\"]', '[\"gemensamma_taget\"]', :yes, :at)"),
                           {"yes": True, "at": datetime(2025, 1, 1, tzinfo=UTC)})
    upgrade(db.engine)
    lena = Accounts(db).user("lena")
    assert lena.intervention_roles == {} and Accounts(db).account("lena").intervention_roles == {}
    assert lena.roles_in(GT) == {"teamledare"} and lena.roles_in(ST) == frozenset()
    assert lena.scopes() == ((("teamledare",), (GT,)),)
    db.dispose()
