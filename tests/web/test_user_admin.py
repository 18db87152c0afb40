"""Administration in the browser (/admin): users, their roles and interventions, deactivation, a
one-time link to set a password, API tokens, and the role catalogue — which is what the deployed
journeys offer tasks to, not a list in code. Every change is in the audit log: who, what, to whom,
when.

The scenario: the referral journey is deployed and the usual people have accounts (conftest
PEOPLE: admin, lena the team leader, carl and cecilia the job coaches …). A new journey,
"Arbetsmarknadsinsats", offers its one task to a role no code knows: the labour market secretary
(``arbetsmarknadssekreterare``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import SimulatedClock
from tests.bpmn import BPMN_DIR
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, engine_of, personnummer
from web import role_catalogue
from web.accounts.models import PRODUCT_ROLES, PasswordResetRow

NEW_ROLE = "arbetsmarknadssekreterare"
NEW_JOURNEY = "arbetsmarknadsinsats"
NEW_PASSWORD = "en lång ny fras 2026"


def accounts_of(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["samverkan.accounts"]


def audit(app: Flask, subject: str) -> list[tuple[str, str, dict[str, object]]]:
    """The audit log about ``subject``, oldest first: (who, what, details)."""
    entries = app.extensions["samverkan.teamwork"].audit_log(subject)
    return [(e.username, e.action, e.details) for e in reversed(entries)]


def reset_link(person: Person) -> str:
    """The one-time link the page shows the administrator (its path)."""
    found = re.search(r'id="reset-link" readonly value="([^"]+)"', person.page.text if person.page else "")
    assert found, "the page shows no link"
    return "/" + unescape(found.group(1)).split("/", 3)[3]


def deploy_new_journey(app: Flask) -> None:
    api = app.test_client()
    token = accounts_of(app).create_token("designer")
    answer = api.post("/api/v1/processes", data=(BPMN_DIR / "labour_market_secretary.bpmn").read_bytes(),
                      content_type="application/xml", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.get_json()


def create_user(admin: Person, username: str, name: str, roles: list[str], teams: list[str], email: str = ""):  # type: ignore[no-untyped-def]
    admin.get("/admin/users/new")
    return admin.post("/admin/users/new", {"username": username, "display_name": name, "email": email,
                                           "roles": roles, "teams": teams})


@pytest.mark.parametrize("username", ["lena", "carl", "otto", "rita", "designer"])
def test_only_administrators_reach_the_administration(people: Flask, username: str) -> None:
    person = Person(people, username)
    for path in ("/admin/users", "/admin/users/new", "/admin/users/carl", "/admin/roles"):
        assert person.get(path).status_code == 403, path
    assert person.post("/admin/users/carl/active", {"active": "nej"}).status_code == 403
    assert person.post("/admin/roles", {"name": "x", "label": "X"}).status_code == 403
    assert 'href="/admin/users"' not in person.get("/notifications").text
    assert accounts_of(people).user("carl").username == "carl"  # still active


def test_the_administrator_lists_everyone_by_name_with_their_roles_and_interventions(people: Flask) -> None:
    admin = Person(people, "admin")
    assert 'href="/admin/users"' in admin.get("/notifications").text
    admin.get("/admin/users")
    text = admin.text()
    assert "Lena teamledare" not in text
    assert "Lena lena" in text and "Teamledare" in text and "Svar på remiss" in text
    assert 'href="/admin/users/cecilia"' in admin.page.text  # type: ignore[union-attr]


def test_every_form_of_the_administration_needs_its_csrf_token(people: Flask) -> None:
    admin = Person(people, "admin")
    assert admin.post("/admin/users/carl/active", {"active": "nej"}, csrf=False).status_code == 400
    assert admin.post("/admin/users/new", {"username": "x", "display_name": "X", "roles": ["teamledare"]},
                      csrf=False).status_code == 400
    assert admin.post("/admin/users/carl/reset", csrf=False).status_code == 400
    assert admin.post("/admin/roles", {"name": "x", "label": "X"}, csrf=False).status_code == 400
    assert accounts_of(people).user("carl").username == "carl"


def test_a_journey_with_a_new_role_offers_its_task_to_the_user_given_that_role_on_the_admin_page(
        people: Flask) -> None:
    admin = Person(people, "admin")
    # Before the journey is deployed, no one knows the role: it is not in the catalogue.
    assert NEW_ROLE not in role_catalogue.role_names(engine_of(people), accounts_of(people))
    refused = create_user(admin, "amir", "Amir Sekreterare", [NEW_ROLE], [])
    assert refused.status_code == 400 and "Välj minst en roll ur katalogen." in admin.text()

    deploy_new_journey(people)
    admin.get("/admin/roles")
    assert NEW_ROLE in admin.page.text and "Arbetsmarknadsinsats" in admin.text()  # type: ignore[union-attr]
    admin.get("/admin/users/new")
    assert f'value="{NEW_ROLE}"' in admin.page.text  # type: ignore[union-attr]
    created = create_user(admin, "amir", "Amir Sekreterare", [NEW_ROLE], [NEW_JOURNEY], "amir@example.se")
    assert created.status_code == 200 and "Användaren Amir Sekreterare är skapad." in admin.text()
    link = reset_link(admin)

    # Amir sets his password through the link and signs in.
    amir = Person(people)
    amir.get(link)
    amir.follow(amir.post(link, {"password": NEW_PASSWORD, "repeated": NEW_PASSWORD}))
    assert "Ditt lösenord är sparat. Logga in med det." in amir.flashes()
    assert amir.sign_in("amir", NEW_PASSWORD).status_code == 302

    number = personnummer("19910203", "456").replace("-", "")
    case = engine_of(people).start_case(NEW_JOURNEY, participant={"name": "Petra Plan", "personnummer": number},
                                        participant_key=number, actor="admin")
    task = case.open_tasks[0]
    amir.get("/inbox?tab=group")
    assert f"/tasks/{task.id}" in amir.page.text and "Planera insatsen" in amir.text()  # type: ignore[union-attr]
    amir.follow(amir.post(f"/inbox/tasks/{task.id}/claim", {"tab": "group"}))
    assert engine_of(people).task(task.id).assignee == "amir"
    # The job coach, staff of another intervention, is not offered it.
    carl = Person(people, "carl")
    carl.get("/inbox?tab=all")
    assert f"/tasks/{task.id}" not in carl.page.text  # type: ignore[union-attr]

    assert audit(people, "amir")[0][:2] == ("admin", "user.created")
    assert audit(people, "amir")[0][2]["roles"] == [NEW_ROLE]


def test_the_product_roles_are_always_in_the_catalogue_and_an_added_role_joins_them(people: Flask) -> None:
    names = role_catalogue.role_names(engine_of(people), accounts_of(people))
    assert names[:len(PRODUCT_ROLES)] == list(PRODUCT_ROLES)
    assert "arbetscoach" in names  # the referral journey's candidate group
    admin = Person(people, "admin")
    admin.get("/admin/roles")
    assert admin.post("/admin/roles", {"name": "Jobb Specialist", "label": "Jobbspecialist"}).status_code == 400
    assert "Ett rollnamn skrivs med små bokstäver" in admin.text()
    admin.follow(admin.post("/admin/roles", {"name": "jobbspecialist", "label": "Jobbspecialist"}))
    assert "Rollen är tillagd i katalogen." in admin.flashes()
    assert admin.post("/admin/roles", {"name": "jobbspecialist", "label": "Igen"}).status_code == 400
    assert "jobbspecialist" in role_catalogue.role_names(engine_of(people), accounts_of(people))
    admin.get("/admin/users/carl")
    assert 'value="jobbspecialist"' in admin.page.text and "Jobbspecialist" in admin.text()  # type: ignore[union-attr]
    assert audit(people, "jobbspecialist") == [("admin", "role.added", {"label": "Jobbspecialist"})]


def test_editing_a_users_roles_and_interventions_takes_effect_at_once_and_is_audited(people: Flask) -> None:
    carl = Person(people, "carl")
    assert carl.get("/inbox").status_code == 200
    admin = Person(people, "admin")
    admin.get("/admin/users/carl")
    answer = admin.post("/admin/users/carl", {"display_name": "Carl Coach", "email": "carl@example.se",
                                              "roles": ["teamledare", "arbetscoach"], "teams": ["referral_reply"]})
    assert admin.follow(answer).status_code == 200 and "Ändringarna är sparade." in admin.flashes()
    assert accounts_of(people).user("carl").roles == ("teamledare", "arbetscoach")
    who, what, details = audit(people, "carl")[-1]
    assert (who, what) == ("admin", "user.changed")
    assert details == {"display_name": {"före": "Carl", "efter": "Carl Coach"},
                       "email": {"före": None, "efter": "carl@example.se"},
                       "roles": {"före": ["arbetscoach"], "efter": ["teamledare", "arbetscoach"]}}
    # Without an intervention carl is staff of none: his own session sees no task of the journey.
    admin.get("/admin/users/carl")
    admin.post("/admin/users/carl", {"display_name": "Carl Coach", "email": "carl@example.se",
                                     "roles": ["arbetscoach"]})
    assert accounts_of(people).user("carl").teams == ()
    assert 'href="/tasks/' not in carl.get("/inbox?tab=all").text
    # A bad address or no role at all is answered in Swedish and changes nothing.
    admin.get("/admin/users/carl")
    assert admin.post("/admin/users/carl", {"display_name": "Carl", "email": "inte en adress",
                                            "roles": ["arbetscoach"]}).status_code == 400
    assert "Ange en giltig e-postadress." in admin.text()
    assert admin.post("/admin/users/carl", {"display_name": "Carl", "roles": []}).status_code == 400
    assert accounts_of(people).account("carl").email == "carl@example.se"


def test_a_deactivated_user_cannot_sign_in_and_their_tokens_and_sessions_stop(people: Flask) -> None:
    carl = Person(people, "carl")
    token = accounts_of(people).create_token("carl")
    api = people.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/tasks", headers=bearer).status_code == 200
    admin = Person(people, "admin")
    admin.get("/admin/users/carl")
    admin.follow(admin.post("/admin/users/carl/active", {"active": "nej"}))
    assert "Kontot är inaktiverat." in admin.text()
    assert carl.get("/inbox").status_code == 302  # his session ended
    assert Person(people).sign_in("carl").status_code == 401
    refused = api.get("/api/v1/tasks", headers=bearer)
    assert refused.status_code == 401 and "deactivated" in refused.text
    admin.get("/admin/users")
    assert "Inaktiverad" in admin.text()
    # An administrator cannot lock themselves out.
    admin.get("/admin/users/admin")
    admin.follow(admin.post("/admin/users/admin/active", {"active": "nej"}))
    assert "Du kan inte inaktivera dig själv." in admin.flashes()

    admin.get("/admin/users/carl")
    admin.follow(admin.post("/admin/users/carl/active", {"active": "ja"}))
    assert Person(people).sign_in("carl").status_code == 302
    assert api.get("/api/v1/tasks", headers=bearer).status_code == 200
    assert [what for _, what, _ in audit(people, "carl")] == ["user.deactivated", "user.activated"]


def test_a_password_reset_link_is_stored_hashed_works_once_and_for_a_day(people: Flask) -> None:
    accounts = accounts_of(people)
    clock = SimulatedClock(accounts.clock.now())
    accounts.password_resets.clock = clock
    carl = Person(people, "carl")
    admin = Person(people, "admin")
    admin.get("/admin/users/carl")
    assert admin.post("/admin/users/carl/reset").status_code == 200
    first = reset_link(admin)
    secret = first.rsplit("/", 1)[1]
    with accounts.db.reading() as session:
        stored = session.scalars(select(PasswordResetRow.token_hash)).all()
    assert len(stored) == 1 and secret not in stored[0]
    # Asking again replaces the first link.
    admin.get("/admin/users/carl")
    admin.post("/admin/users/carl/reset")
    second = reset_link(admin)
    visitor = Person(people)
    assert visitor.get(first).status_code == 404 and "Länken fungerar inte" in visitor.text()
    # Too short, or not repeated alike: the link still works.
    visitor.get(second)
    assert visitor.post(second, {"password": "kort", "repeated": "kort"}).status_code == 400
    assert "Lösenordet behöver minst 10 tecken." in visitor.text()
    assert visitor.post(second, {"password": NEW_PASSWORD, "repeated": NEW_PASSWORD + "x"}).status_code == 400
    assert visitor.post(second, {"password": NEW_PASSWORD, "repeated": NEW_PASSWORD}).status_code == 302
    assert carl.get("/inbox").status_code == 302  # his sessions ended with the new password
    assert Person(people).sign_in("carl", PASSWORD).status_code == 401
    assert Person(people).sign_in("carl", NEW_PASSWORD).status_code == 302
    # Once only.
    assert Person(people).get(second).status_code == 404
    # A day at most.
    admin.get("/admin/users/cecilia")
    admin.post("/admin/users/cecilia/reset")
    third = reset_link(admin)
    clock.advance(timedelta(hours=24))
    assert Person(people).get(third).status_code == 404
    assert [what for who, what, _ in audit(people, "carl")] == ["user.password_link", "user.password_link",
                                                               "user.password_set"]


def test_a_new_user_without_a_password_gets_one_only_through_the_link(people: Flask) -> None:
    admin = Person(people, "admin")
    create_user(admin, "nina", "Nina Ny", ["arbetscoach"], ["referral_reply"])
    assert accounts_of(people).check_password("nina", "") is None
    assert Person(people).sign_in("nina", "").status_code in (400, 401)
    link = reset_link(admin)
    visitor = Person(people)
    visitor.get(link)
    visitor.post(link, {"password": NEW_PASSWORD, "repeated": NEW_PASSWORD})
    assert Person(people).sign_in("nina", NEW_PASSWORD).status_code == 302
    # A user name taken already is answered in Swedish.
    assert create_user(admin, "nina", "Nina Igen", ["arbetscoach"], []).status_code == 400
    assert "Det finns redan en användare med det användarnamnet." in admin.text()


def test_api_tokens_are_listed_per_user_and_revoked_from_the_page(people: Flask) -> None:
    accounts = accounts_of(people)
    token = accounts.create_token("carl")
    api = people.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/tasks", headers=bearer).status_code == 200  # marks it used
    listed = accounts.tokens.of_user("carl")
    assert len(listed) == 2 and listed[0].last_used_at is not None and not listed[0].revoked
    admin = Person(people, "admin")
    admin.get("/admin/users/carl")
    page = admin.page.text  # type: ignore[union-attr]
    assert page.count("/revoke") == 2 and token not in page
    assert "Senast använd" in admin.text() and "Gäller" in admin.text()
    # Another user's token is not revoked through carl's page.
    cecilias = accounts.tokens.of_user("cecilia")[0].id
    assert admin.post(f"/admin/users/carl/tokens/{cecilias}/revoke").status_code == 404
    admin.get("/admin/users/carl")
    admin.follow(admin.post(f"/admin/users/carl/tokens/{listed[0].id}/revoke"))
    assert "API-nyckeln är återkallad." in admin.flashes()
    refused = api.get("/api/v1/tasks", headers=bearer)
    assert refused.status_code == 401 and "revoked" in refused.text
    assert accounts.tokens.of_user("carl")[0].revoked
    assert admin.page.text.count("/revoke") == 1  # type: ignore[union-attr]
    assert audit(people, "carl") == [("admin", "token.revoked", {"token_id": listed[0].id})]
