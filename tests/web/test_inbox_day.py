"""A case officer's day without friction: the inbox and the notifications in people's language,
notifications read one by one, a paused case's tasks held, claiming that comes back to the row,
and demo users who start with work of their own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from engine.errors import CaseOnHold
from engine.views import SourceFile, TaskFilter
from tests.bpmn import BPMN_DIR
from tests.web.browser import Person
from tests.web.conftest import Api, engine_of
from tests.web.roles import SHIPPED_ROLES
from tests.web.test_pages import GUNNAR, KAJSA, open_task, register
from web import authz, create_app
from web.accounts.identity import is_staff_role
from web.demo import DEMO_USERS, seed
from web.ui import labels

PROCESSES = Path(__file__).parents[2] / "processes"


def table(person: Person) -> str:
    """The text of the inbox's task table."""
    assert person.page is not None
    found = re.search(r'<table class="tasks">.*?</table>', person.page.text, flags=re.S)
    assert found, person.text()[:600]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def badge(person: Person) -> int:
    found = re.search(r'class="badge"[^>]*>(\d+)<', person.get("/inbox").text)
    return int(found.group(1)) if found else 0


# --- 1. people's language -----------------------------------------------------------------------


def test_the_inbox_names_the_intervention_the_assignee_and_the_groups_as_people_say_them(people: Flask) -> None:
    lena = Person(people, "lena")
    register(lena)
    register(lena, "Kajsa Kvist", KAJSA)
    lena.get("/inbox?tab=group")
    row = table(lena)
    assert "Svar på remiss" in row and "referral_reply" not in row
    assert "Ingen (Teamledare, Arbetscoach)" in row and "teamledare" not in row

    first = lena.links("/tasks/")[0].rsplit("/", 1)[-1]
    lena.follow(lena.post(f"/inbox/tasks/{first}/claim", {"tab": "all"}))
    lena.get("/inbox?tab=all")
    row = table(lena)
    assert "Lena" in row and "lena" not in row  # the display name, not the user name

    lena.follow(lena.post("/language", {"lang": "en", "next": "/inbox?tab=all"}))
    assert "Unassigned (Team leader, Job coach)" in table(lena)


def test_every_role_has_a_name_for_people() -> None:
    assert set(labels.ROLES) == set(SHIPPED_ROLES)


# --- 4. claiming comes back to the row ------------------------------------------------------------


def test_taking_a_task_from_the_inbox_comes_back_to_its_row_which_stays_in_place(people: Flask) -> None:
    lena = Person(people, "lena")
    register(lena)
    register(lena, "Kajsa Kvist", KAJSA)
    lena.get("/inbox?tab=group&q=kajsa")
    task = lena.links("/tasks/")[0].rsplit("/", 1)[-1]
    assert f'action="/inbox/tasks/{task}/claim"' in lena.page.text  # type: ignore[union-attr]

    answer = lena.post(f"/inbox/tasks/{task}/claim", {"tab": "group", "q": "kajsa"})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.endswith(f"#task-{task}") and "tab=group" in location and "q=kajsa" in location
    page = lena.follow(answer)
    # The row is no longer the group's, but it stays on this answer, focusable, saying where it went.
    assert re.search(rf'<tr id="task-{task}" tabindex="-1" class="[^"]*\bkept\b', page.text)
    assert "Nu under Mina uppgifter." in lena.text()
    assert any("Du har tagit Registrera remiss för Kajsa Kvist." in f for f in lena.flashes())
    assert engine_of(people).task(task).assignee == "lena"

    answer = lena.post(f"/inbox/tasks/{task}/release", {"tab": "mine"})
    assert answer.headers["Location"].endswith(f"#task-{task}")
    lena.follow(answer)
    assert f'id="task-{task}"' in lena.page.text and "Nu under Gruppens uppgifter." in lena.text()  # type: ignore[union-attr]
    assert engine_of(people).task(task).assignee is None

    # Without the kept row (a plain visit), the group's tab no longer holds a task that was taken.
    lena.post(f"/inbox/tasks/{task}/claim", {"tab": "group"})
    assert f'id="task-{task}"' not in lena.get("/inbox?tab=group").text


def test_a_colleague_of_another_intervention_cannot_take_a_task_through_the_inbox(people: Flask) -> None:
    lena, otto = Person(people, "lena"), Person(people, "otto")
    task = open_task(lena, register(lena))
    otto.follow(otto.post(f"/inbox/tasks/{task}/claim"))
    assert "Uppgiften är redan klar eller återkallad." in otto.flashes()  # as if it did not exist
    assert engine_of(people).task(task).assignee is None
    assert f'id="task-{task}"' not in otto.page.text  # type: ignore[union-attr]


# --- 3. paused cases ----------------------------------------------------------------------------


def test_a_paused_cases_task_is_marked_and_cannot_be_taken_through_any_door(people: Flask, api: Api) -> None:
    lena = Person(people, "lena")
    case_id = register(lena)
    task = open_task(lena, case_id)
    engine_of(people).pause_case(case_id, "Deltagaren är sjukskriven", "lena")

    lena.get("/inbox?tab=group")
    assert "Ärendet vilar" in table(lena) and "Kan inte tas förrän ärendet återupptas." in table(lena)
    assert f'action="/inbox/tasks/{task}/claim"' not in lena.page.text  # type: ignore[union-attr]
    assert re.search(rf'<tr id="task-{task}"[^>]*class="[^"]*\bon-hold\b', lena.page.text)  # type: ignore[union-attr]

    lena.follow(lena.post(f"/inbox/tasks/{task}/claim", {"tab": "group"}))
    assert "Ärendet vilar: uppgiften kan inte tas förrän ärendet återupptas." in lena.flashes()
    lena.follow(lena.post(f"/tasks/{task}/claim"))  # from the task page
    assert "Ärendet vilar: uppgiften kan inte tas förrän ärendet återupptas." in lena.flashes()
    lena.follow(lena.post("/inbox/bulk", {"action": "claim", "task": [task]}))
    assert "1 uppgift togs inte: ärendet vilar." in lena.flashes()
    answer = api.post(f"/tasks/{task}/claim", "lena")
    assert answer.status_code == 409 and answer.get_json()["error"] == "case_paused"
    assert engine_of(people).task(task).assignee is None

    engine_of(people).resume_case(case_id, "lena")
    lena.follow(lena.post(f"/inbox/tasks/{task}/claim", {"tab": "group"}))
    assert engine_of(people).task(task).assignee == "lena"


def test_the_task_that_pauses_its_case_can_be_taken_and_the_others_wait(app: Flask) -> None:
    engine = engine_of(app)
    engine.deploy([SourceFile("sick_leave.bpmn", (BPMN_DIR / "sick_leave.bpmn").read_bytes())], "designer")
    case = engine.start_case("sick_leave", participant={"name": "Sara Sjuk"})
    work = next(t for t in case.open_tasks if t.name == "work")
    case = engine.send_message(case.id, "sjukskrivning_rapporterad", {}, "lena")
    assert case.status == "paused"
    resting = next(t for t in case.open_tasks if t.name == "vilande")

    rows = {r.task.name: r for r in engine.inbox.page(TaskFilter(None, "x", tab="all")).rows}
    assert rows["work"].on_hold and not rows["vilande"].on_hold
    assert engine.inbox.row(work.id).on_hold  # type: ignore[union-attr]
    with pytest.raises(CaseOnHold):
        engine.claim_task(work.id, "carl")
    assert engine.claim_task(resting.id, "lena").assignee == "lena"


# --- 2. notifications ---------------------------------------------------------------------------


def reminded(people: Flask, lena: Person, *names: str) -> list[str]:
    """Cases for the names, each past its reminder and its escalation; the cases' ids."""
    cases = []
    for n, name in enumerate(names):
        case_id = register(lena, name, KAJSA if n else GUNNAR)
        lena.post(f"/tasks/{open_task(lena, case_id)}/complete", {"remiss_inkom": "2026-01-12"})
        cases.append(case_id)
    engine_of(people).advance_clock(timedelta(days=20))
    return cases


def test_each_notification_names_its_participant_and_is_read_on_its_own(people: Flask) -> None:
    lena = Person(people, "lena")
    gunnar, kajsa = reminded(people, lena, "Gunnar Gran", "Kajsa Kvist")
    assert badge(lena) == 4  # a reminder and an escalation for each

    lena.get("/notifications")
    text = lena.text()
    assert "– Gunnar Gran" in text and "– Kajsa Kvist" in text
    assert "till gruppen Teamledare i Svar på remiss" in text and "teamledare" not in text
    assert "4 olästa notiser." in text
    opened = re.findall(r'href="/notifications/([0-9a-f-]{36})"', lena.page.text)  # type: ignore[union-attr]
    assert len(opened) == 4
    assert badge(lena) == 4  # looking at the list reads nothing

    # Opening one reads that one only, and goes on to its task (with the case as the way back).
    answer = lena.get(f"/notifications/{opened[0]}")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/tasks/")
    assert badge(lena) == 3
    lena.get("/notifications")
    assert len(re.findall(r'class="tag tag-new"', lena.page.text)) == 3  # type: ignore[union-attr]
    assert f'id="notification-{opened[0]}"' in lena.page.text  # type: ignore[union-attr]

    # "Markera som läst" (a POST with the CSRF token), then "Markera alla som lästa".
    assert lena.post(f"/notifications/{opened[1]}/read", csrf=False).status_code == 400
    lena.follow(lena.post(f"/notifications/{opened[1]}/read"))
    assert badge(lena) == 2
    lena.follow(lena.post("/notifications/read"))
    assert "Alla notiser är markerade som lästa." in lena.flashes() and badge(lena) == 0
    lena.get("/notifications")
    assert "0 olästa notiser." in lena.text() and "Markera alla som lästa" not in lena.text()
    assert f'href="/notifications/{opened[0]}"' in lena.page.text and {gunnar, kajsa}  # type: ignore[union-attr]


def test_a_reminder_is_done_once_its_task_is_completed(people: Flask) -> None:
    lena = Person(people, "lena")
    (case_id,) = reminded(people, lena, "Gunnar Gran")
    assert badge(lena) == 2
    engine = engine_of(people)
    task = next(t for t in engine.case(case_id).open_tasks if t.name == "assess")
    engine.complete_task(task.id, engine.sample_answers(task.form, engine.clock.now().date()), "lena")
    assert badge(lena) == 0  # nothing read, but the task they were about is done
    lena.get("/notifications")
    assert lena.text().count("Uppgiften är klar") == 2
    # Its link now leads to the case.
    found = re.search(r'href="/notifications/([0-9a-f-]{36})"', lena.page.text)  # type: ignore[union-attr]
    assert found and lena.get(f"/notifications/{found.group(1)}").headers["Location"] == f"/cases/{case_id}"


def test_only_the_notifications_of_cases_one_may_see(people: Flask) -> None:
    lena, carl, otto = Person(people, "lena"), Person(people, "carl"), Person(people, "otto")
    reminded(people, lena, "Gunnar Gran")
    lena.get("/notifications")
    ids = re.findall(r'href="/notifications/([0-9a-f-]{36})"', lena.page.text)  # type: ignore[union-attr]
    assert ids
    for other in (carl, otto):
        assert other.get(f"/notifications/{ids[0]}").status_code == 404
        assert other.post(f"/notifications/{ids[0]}/read").status_code == 404
        other.get("/notifications")
        assert "Gunnar Gran" not in other.text()
    # Someone who leaves the intervention no longer sees its participants in their notifications.
    accounts = people.extensions["samverkan.accounts"]
    accounts.add_user("lisa", ["teamledare"], ["gemensamma_taget"], password="x" * 12, display_name="Lisa")
    lisa = accounts.user("lisa")
    assert authz.visible_notifications(engine_of(people), lisa) == []


# --- 5. demo users start with work ------------------------------------------------------------------


def demo_work(tmp_path: Path, name: str) -> dict[str, list[tuple[str, str]]]:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / name}", "SIMULATED_CLOCK": True,
                      "SECRET_KEY": "demo", "TESTING": True, "SANDBOX_DIR": tmp_path / f"sandbox-{name}",
                      "CLOCK_START": datetime(2026, 1, 12, 7, tzinfo=UTC)})
    try:
        engine = engine_of(app)
        engine.deploy([SourceFile(p.name, p.read_bytes()) for p in sorted(PROCESSES.iterdir())
                       if p.suffix in (".bpmn", ".dmn")], "designer")
        seed(engine, app.extensions["samverkan.accounts"])
        work: dict[str, list[tuple[str, str]]] = {}
        for username, (_, roles, teams) in DEMO_USERS.items():
            mine = engine.inbox.page(TaskFilter(teams, username, roles, tab="mine")).rows
            work[username] = sorted((r.participant_name, r.task.name) for r in mine)
        return work
    finally:
        app.extensions["samverkan.sandboxes"].close()
        engine_of(app).db.dispose()


def test_every_demo_case_officer_starts_with_work_of_their_own_the_same_every_time(tmp_path: Path) -> None:
    first, second = demo_work(tmp_path, "one.sqlite"), demo_work(tmp_path, "two.sqlite")
    assert first == second
    # Case officers: staff of an intervention; the steering group decides on the few cases that reach
    # it (none of the demo's do), it does not work an inbox.
    officers = [u for u, (_, roles, teams) in DEMO_USERS.items()
                if teams and any(is_staff_role(r) for r in roles) and "styrgrupp" not in roles]
    empty = [u for u in officers if not first[u]]
    assert not empty, first


def test_the_inbox_finds_a_participant_by_the_last_four_digits_birth_date_or_whole_number(people: Flask) -> None:
    lena = Person(people, "lena")
    register(lena)
    register(lena, "Kajsa Kvist", KAJSA)
    for search in (KAJSA[-4:], KAJSA[:8], KAJSA, "kajsa"):
        lena.get(f"/inbox?tab=all&q={search}")
        rows = re.findall(r'<tr id="task-', lena.page.text)  # type: ignore[union-attr]
        assert len(rows) == 1 and "Kajsa Kvist" in lena.text() and "Gunnar Gran" not in lena.text(), search
    # A whole number is not carried into the page's own links and forms.
    lena.get(f"/inbox?tab=all&q={KAJSA}")
    page = lena.page.text  # type: ignore[union-attr]
    assert page.count(KAJSA) == 1 and f'value="{KAJSA}"' in page  # the search field only
