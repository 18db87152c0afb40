"""The case officers' pages, as people use them: sign in, register a participant, work the inbox,
complete a task through its form, follow the case — and what they may not see or do."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from engine.views import SourceFile
from tests.registrations import registered
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, Api, personnummer

GUNNAR = personnummer("19850312", "123")
KAJSA = personnummer("19900101", "234")


def register(person: Person, name: str = "Gunnar Gran", number: str = GUNNAR, **overrides: str) -> str:
    """Register a participant in the referral journey; the new case's id."""
    form = {"name": name, "personnummer": number, "hemkommun": "Nora", "remitterande_myndighet": "AF",
            "remittent": "Rita Remiss", "samtycke_datum": "2026-01-05",
            "samtycke_omfattning": "Utbyte av uppgifter mellan AF, FK och kommunen"}
    form.update(overrides)
    answer = person.post("/register/referral_reply", form)
    assert answer.status_code == 302, person.text()[:800]
    return answer.headers["Location"].rsplit("/", 1)[-1]


def open_task(person: Person, case_id: str) -> str:
    """The id of the case's open task, from the case page."""
    person.get(f"/cases/{case_id}")
    tasks = person.links("/tasks/")
    assert tasks, person.text()[:800]
    return tasks[0].rsplit("/", 1)[-1]


# --- signing in --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/inbox", "/cases", "/register", "/notifications", "/cases/x", "/tasks/x"])
def test_anonymous_visitors_are_sent_to_sign_in(people: Flask, path: str) -> None:
    answer = Person(people).get(path)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")


def test_signing_in_takes_you_where_you_were_going(people: Flask) -> None:
    visitor = Person(people)
    visitor.get("/cases")
    answer = visitor.post("/login", {"username": "lena", "password": "correct horse battery", "next": "/cases"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/cases"
    assert visitor.get("/cases").status_code == 200


def test_a_wrong_password_says_so_and_a_foreign_next_is_ignored(people: Flask) -> None:
    visitor = Person(people)
    answer = visitor.post("/login", {"username": "lena", "password": "wrong password"})
    assert answer.status_code == 401 and "Fel användarnamn eller lösenord" in visitor.text()
    answer = visitor.post("/login", {"username": "lena", "password": "correct horse battery",
                                     "next": "https://evil.example/phish"})
    assert answer.headers["Location"] == "/inbox"


def test_outside_the_tests_passwords_are_hashed_with_argon2s_own_parameters() -> None:
    """The tests hash cheaply (tests/conftest.py); the product, in a process of its own, does not."""
    shown = subprocess.run([sys.executable, "-c", "from web.accounts.users import _hasher as h; "
                            "print(h.time_cost, h.memory_cost, h.parallelism)"],
                           capture_output=True, text=True, check=True).stdout.split()
    time_cost, memory_cost, parallelism = (int(n) for n in shown)
    assert time_cost >= 3 and memory_cost >= 64 * 1024 and parallelism >= 1


def test_password_guessing_is_stopped_after_five_failures(people: Flask) -> None:
    guesser = Person(people)
    for attempt in range(5):
        assert guesser.post("/login", {"username": "carl", "password": f"guess {attempt}"}).status_code == 401
    answer = guesser.post("/login", {"username": "carl", "password": "correct horse battery"})
    assert answer.status_code == 429 and "För många misslyckade inloggningar" in guesser.text()
    # Another user is not locked out by carl's guesser.
    assert Person(people).sign_in("lena").status_code == 302


def test_every_form_needs_its_csrf_token(people: Flask) -> None:
    visitor = Person(people)
    answer = visitor.post("/login", {"username": "lena", "password": "correct horse battery"}, csrf=False)
    assert answer.status_code == 400 and "Formuläret hade gått ut" in visitor.text()
    lena = Person(people, "lena")
    case_id = register(lena)
    task = open_task(lena, case_id)
    answer = lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12"}, csrf=False)
    assert answer.status_code == 400
    assert lena.get(f"/tasks/{task}").status_code == 200  # nothing happened


def test_pages_carry_the_security_headers_and_a_secure_session_cookie(people: Flask) -> None:
    visitor = Person(people)
    answer = visitor.sign_in("lena")
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = visitor.get("/inbox")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"


def test_signing_out_ends_the_session(people: Flask) -> None:
    lena = Person(people, "lena")
    lena.get("/inbox")
    assert lena.post("/logout").status_code == 302
    assert lena.get("/inbox").status_code == 302


# --- registering a participant ---------------------------------------------------------------------


def test_registration_refuses_a_wrong_check_digit_and_a_second_open_case(people: Flask) -> None:
    lena = Person(people, "lena")
    wrong = GUNNAR[:-1] + str((int(GUNNAR[-1]) + 1) % 10)
    answer = lena.post("/register/referral_reply", {"name": "Gunnar Gran", "personnummer": wrong,
                                                    "hemkommun": "Nora", "remittent": "Rita"})
    assert answer.status_code == 422
    assert 'id="r-personnummer-error"' in answer.text and "kontrollsiffran" in lena.text()
    assert 'value="Gunnar Gran"' in answer.text  # what was typed is kept
    assert 'value="Nora" selected' in answer.text and 'value="Rita"' in answer.text
    register(lena)
    answer = lena.post("/register/referral_reply", {"name": "Gunnar Gran", "personnummer": GUNNAR})
    assert answer.status_code == 409 and "redan ett pågående ärende" in lena.text()


def test_a_consent_date_in_the_future_is_refused(people: Flask) -> None:
    lena = Person(people, "lena")
    answer = lena.post("/register/referral_reply", {"name": "Kajsa K", "personnummer": KAJSA,
                                                    "samtycke_datum": "2099-01-01"})
    assert answer.status_code == 422 and "i framtiden" in lena.text()


# --- the inbox and a task --------------------------------------------------------------------------


def test_a_case_officer_completes_a_task_through_its_form_and_sees_the_diagram_move(people: Flask) -> None:
    lena = Person(people, "lena")
    case_id = register(lena)

    lena.get("/inbox?tab=group")
    assert "Registrera remiss" in lena.text() and "Gunnar Gran" in lena.text()
    task = lena.links("/tasks/")[0].rsplit("/", 1)[-1]
    lena.follow(lena.post(f"/tasks/{task}/claim"))
    lena.get("/inbox")
    assert re.search(r"Mina uppgifter\s*<span class=\"count\">1</span>", lena.page.text)  # type: ignore[union-attr]

    page = lena.get(f"/tasks/{task}")
    assert 'type="date"' in page.text and "<select" in page.text  # a date picker and an enum select
    assert "Gunnar Gran" in lena.text()  # the case beside the form
    assert "Uppgift skapad: Registrera remiss" in lena.text()  # its history by the model's names, not ids
    assert "register_referral" not in lena.text()
    assert "Tilldelad: Lena" in lena.text() and "(v1)" not in lena.text()  # people and journeys by name

    answer = lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "", "kommun": "Stockholm"})
    assert answer.status_code == 422
    assert 'id="field-remiss_inkom-error"' in answer.text and "obligatoriskt fält" in lena.text()
    assert 'id="field-kommun-error"' in answer.text

    lena.follow(lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12", "kommun": "Nora"}))
    assert "Klart: Registrera remiss." in lena.flashes()
    assert '<dt>Remissen inkom</dt><dd>2026-01-12</dd>' in lena.page.text  # type: ignore[union-attr]
    diagram = re.search(r"data-current='([^']*)' data-done='([^']*)'", lena.page.text)  # type: ignore[union-attr]
    assert diagram is not None
    assert json.loads(unescape_attr(diagram.group(1))) == ["assess"]
    assert {"start", "f1", "register_referral", "f2"} <= set(json.loads(unescape_attr(diagram.group(2))))
    xml = lena.get(f"/cases/{case_id}/diagram.bpmn")
    assert xml.status_code == 200 and b'<bpmn:process id="referral_reply"' in xml.data


def unescape_attr(text: str) -> str:
    return text.replace("&#34;", '"').replace("&quot;", '"')


def test_a_task_completed_by_someone_else_meanwhile_gives_a_clear_message(people: Flask) -> None:
    lena, carl = Person(people, "lena"), Person(people, "carl")
    case_id = register(lena)
    task = open_task(lena, case_id)
    carl.get(f"/tasks/{task}")
    lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12"})
    answer = carl.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-13"})
    assert answer.status_code == 302
    carl.follow(answer)
    assert any("redan slutförd" in f for f in carl.flashes())


def test_a_team_leader_hands_out_several_tasks_at_once(people: Flask) -> None:
    lena, carl = Person(people, "lena"), Person(people, "carl")
    register(lena)
    register(lena, "Kajsa Kvist", KAJSA)
    lena.get("/inbox?tab=group")
    tasks = [link.rsplit("/", 1)[-1] for link in lena.links("/tasks/")]
    assert len(tasks) == 2
    # No colleague is preselected: nothing chosen, nothing moves.
    assert re.search(r'<select id="bulk-assignee" name="assignee">\s*<option value="">Välj kollega …</option>',
                     lena.page.text)  # type: ignore[union-attr]
    lena.follow(lena.post("/inbox/bulk", {"action": "assign", "assignee": "", "task": tasks}))
    assert "Välj vem uppgifterna ska tilldelas." in lena.flashes()
    # Giving tasks away is asked first, with the tasks and the person by name; nothing moves yet.
    asked = lena.post("/inbox/bulk", {"action": "assign", "assignee": "carl", "task": tasks})
    assert asked.status_code == 200 and "Tilldela Carl dessa uppgifter?" in asked.text
    assert "Kajsa Kvist" in asked.text and "Gunnar Gran" in asked.text
    assert all(people.extensions["samverkan.engine"].task(t).assignee is None for t in tasks)
    lena.follow(lena.post("/inbox/bulk", {"action": "assign", "assignee": "carl", "task": tasks, "confirmed": "ja"}))
    assert "2 uppgifter ändrade." in lena.flashes()
    carl.get("/inbox")
    assert "Kajsa Kvist" in carl.text() and "Gunnar Gran" in carl.text()
    # An arbetscoach may claim but not hand out work.
    carl.post("/inbox/bulk", {"action": "release", "task": tasks, "confirmed": "ja"})
    assert Person(people, "carl").get("/inbox").text.count("/tasks/") >= 2


def test_the_inbox_filters_by_overdue_and_searches_by_name(people: Flask) -> None:
    lena = Person(people, "lena")
    for name, number in (("Gunnar Gran", GUNNAR), ("Kajsa Kvist", KAJSA)):
        case_id = register(lena, name, number)
        task = open_task(lena, case_id)
        lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12"})
    people.extensions["samverkan.engine"].advance_clock(timedelta(days=20))
    lena.get("/inbox?tab=group&due=overdue")
    assert "Försenad" in lena.text() and "Gunnar Gran" in lena.text()
    lena.get("/inbox?tab=group&q=kajs")
    assert "Kajsa Kvist" in lena.text() and "Gunnar Gran" not in lena.text()


def test_a_saved_filter_shared_with_the_team_is_offered_to_colleagues(people: Flask) -> None:
    lena, carl = Person(people, "lena"), Person(people, "carl")
    lena.follow(lena.post("/inbox/filters", {"name": "Försenade", "tab": "group", "due": "overdue",
                                             "share": "referral_reply"}))
    carl.get("/inbox")
    assert "Försenade" in carl.text() and "tab=group" in carl.page.text  # type: ignore[union-attr]
    saved = re.search(r'/inbox/filters/(\d+)/delete', lena.get("/inbox").text)
    assert saved is not None
    carl.follow(carl.post(f"/inbox/filters/{saved.group(1)}/delete"))
    assert any("inte ditt" in f for f in carl.flashes())


def test_comments_and_notes_are_signed_and_kept(people: Flask) -> None:
    lena = Person(people, "lena")
    case_id = register(lena)
    task = open_task(lena, case_id)
    lena.follow(lena.post(f"/tasks/{task}/comments", {"text": "Ringde remittenten, återkommer."}))
    assert "Ringde remittenten" in lena.text() and "Lena" in lena.text()
    lena.follow(lena.post(f"/cases/{case_id}/notes", {"text": "   "}))
    assert any("skriv något först" in f for f in lena.flashes())
    lena.follow(lena.post(f"/cases/{case_id}/notes", {"text": "Deltagaren vill börja efter sommaren."}))
    assert "Deltagaren vill börja efter sommaren." in lena.text()


# --- the case view ---------------------------------------------------------------------------------


def test_the_personnummer_is_masked_and_shown_in_full_only_on_request_to_those_who_need_it(people: Flask) -> None:
    lena, carl = Person(people, "lena"), Person(people, "carl")
    case_id = register(lena)
    carl.get(f"/cases/{case_id}")
    assert "19850312-****" in carl.text() and GUNNAR not in carl.text() and "Visa hela" not in carl.text()
    assert carl.post(f"/cases/{case_id}/personnummer").status_code == 403
    lena.get(f"/cases/{case_id}")
    assert GUNNAR not in lena.text()
    lena.post(f"/cases/{case_id}/personnummer")
    assert GUNNAR in lena.text()  # as people write it, YYYYMMDD-NNNN
    from sqlalchemy import select

    from web.accounts.models import AccessLogRow

    with people.extensions["samverkan.engine"].db.transaction() as session:
        actions = session.scalars(select(AccessLogRow.action).where(AccessLogRow.username == "lena")).all()
    assert "personnummer.shown" in actions


def test_reporting_consent_revoked_ends_the_case(people: Flask) -> None:
    lena = Person(people, "lena")
    case_id = register(lena)
    task = open_task(lena, case_id)
    lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12"})
    lena.get(f"/cases/{case_id}")
    assert "Samtycket återkallat" in lena.text()
    report = {"name": "samtycke_aterkallat", "note": "Deltagaren ringde och återkallade."}
    asked = lena.post(f"/cases/{case_id}/messages", report)  # asked first: it ends the case
    assert asked.status_code == 200 and "Rapportera ”Samtycket återkallat” för Gunnar Gran?" in asked.text
    assert "Deltagaren ringde och återkallade." in asked.text
    assert people.extensions["samverkan.engine"].case(case_id).status == "open"
    lena.follow(lena.post(f"/cases/{case_id}/messages", {**report, "confirmed": "ja"}))
    assert "Händelsen är rapporterad." in lena.flashes()
    assert "Avslutat" in lena.text() and "Deltagaren ringde och återkallade." in lena.text()


def test_pause_needs_a_reason_and_a_paused_case_can_be_resumed_and_closed(people: Flask) -> None:
    lena = Person(people, "lena")
    case_id = register(lena)
    lena.follow(lena.post(f"/cases/{case_id}/pause", {"reason": ""}))
    assert "Skriv en anledning." in lena.flashes()
    lena.follow(lena.post(f"/cases/{case_id}/pause", {"reason": "Sjukhusvistelse"}))
    assert "Pausat" in lena.text() and "Sjukhusvistelse" in lena.text()
    lena.follow(lena.post(f"/cases/{case_id}/resume"))
    assert "Pågår" in lena.text()
    asked = lena.post(f"/cases/{case_id}/close", {"reason": "Flyttat från kommunen"})
    assert asked.status_code == 200 and "Stänga ärendet för Gunnar Gran?" in asked.text
    assert "Det kan inte öppnas igen." in asked.text and 'name="confirmed" value="ja"' in asked.text
    assert people.extensions["samverkan.engine"].case(case_id).status == "open"
    lena.follow(lena.post(f"/cases/{case_id}/close", {"reason": "Flyttat från kommunen", "confirmed": "ja"}))
    assert "Stängt" in lena.text() and "Flyttat från kommunen" in lena.text()


# --- who sees what ---------------------------------------------------------------------------------


def test_staff_of_another_intervention_and_other_referrers_see_nothing(people: Flask) -> None:
    lena = Person(people, "lena")
    rita = Person(people, "rita")
    case_id = register(rita)
    task = open_task(lena, case_id)
    for outsider in (Person(people, "otto"), Person(people, "rolf")):
        assert outsider.get(f"/cases/{case_id}").status_code == 404
        assert outsider.get(f"/cases/{case_id}/diagram.bpmn").status_code == 404
        assert outsider.get(f"/tasks/{task}").status_code == 404
        assert outsider.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12"}).status_code == 404
        assert outsider.post(f"/cases/{case_id}/notes", {"text": "x"}).status_code == 404
        outsider.get("/cases")
        assert "Gunnar Gran" not in outsider.text()
    rita.get("/cases")
    assert "Mina remisser" in rita.text() and "Gunnar Gran" in rita.text()
    assert rita.get(f"/cases/{case_id}").status_code == 200
    assert rita.post(f"/cases/{case_id}/pause", {"reason": "x"}).status_code == 403


def test_the_error_page_speaks_swedish_and_shows_no_internals(people: Flask) -> None:
    otto = Person(people, "otto")
    answer = otto.get("/cases/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404 and "Hittades inte" in otto.text() and "does not exist" not in otto.text()


# --- notifications ---------------------------------------------------------------------------------


def test_reminders_and_escalations_reach_the_notifications_page_with_a_badge(people: Flask) -> None:
    lena = Person(people, "lena")
    case_id = register(lena)
    task = open_task(lena, case_id)
    lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12"})
    people.extensions["samverkan.engine"].advance_clock(timedelta(days=20))
    page = lena.get("/inbox")
    assert re.search(r'class="badge"[^>]*>2<', page.text)
    lena.get("/notifications")
    assert "Påminnelse" in lena.text() and "Eskalering" in lena.text()
    # Looking at the list reads nothing (tests/web/test_inbox_day.py: each is read on its own) …
    assert re.search(r'class="badge"[^>]*>2<', lena.get("/inbox").text)
    # … "Markera alla som lästa" reads them all.
    lena.follow(lena.post("/notifications/read"))
    assert not re.search(r'class="badge"', lena.get("/inbox").text)


# --- language --------------------------------------------------------------------------------------


def test_swedish_by_default_and_english_on_request(people: Flask) -> None:
    lena = Person(people, "lena")
    page = lena.get("/inbox")
    assert '<html lang="sv">' in page.text and "Mina uppgifter" in lena.text()
    lena.follow(lena.post("/language", {"lang": "en", "next": "/inbox"}))
    assert '<html lang="en">' in lena.page.text and "My tasks" in lena.text()  # type: ignore[union-attr]
    lena.follow(lena.post("/language", {"lang": "sv", "next": "/inbox"}))
    assert "Mina uppgifter" in lena.text()


def test_every_text_of_the_pages_has_an_english_translation() -> None:
    """The English catalog covers every message the code and templates use (run
    `pybabel extract -F web/babel.cfg -k _l -o web/translations/messages.pot .` after changing texts)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).parents[2]
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    used = {m[2] if isinstance(m[2], str) else m[2][0]
            for m in extract_from_dir(str(root), method_map, keywords={"_": None, "gettext": None, "_l": None,
                                                                        "ngettext": (1, 2), "lazy_gettext": None})}
    with (root / "web/translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    assert sorted(used - translated) == []


def test_every_kind_of_history_event_has_a_name_in_swedish() -> None:
    from engine import events
    from web.ui import labels

    assert set(labels.EVENTS) == {kind.event for kind in events.ALL}


def test_a_read_only_field_shows_what_the_case_holds_before_and_after_an_error(app: Flask, api: Api) -> None:
    """Staff decide on what a read-only field shows (the meeting place the decision table chose):
    it used to be blank on the task page, though the case held the value."""
    processes = Path(__file__).resolve().parents[2] / "processes"
    engine = app.extensions["samverkan.engine"]
    engine.deploy([SourceFile(n, (processes / n).read_bytes())
                   for n in ("samverkansteamet.bpmn", "samverkansteamet_motesplats.dmn")], "designer")
    case = engine.start_case("samverkansteamet", participant={"name": "Nora Näs"}, actor="admin",
                             data=registered("samverkansteamet", hemkommun="Nora"))
    [booking] = engine.case(case.id).open_tasks
    engine.complete_task(booking.id, {"mote_datum": "2026-01-20"}, "admin")
    [meeting] = engine.case(case.id).open_tasks
    app.extensions["samverkan.accounts"].add_user("tora", ["teamledare"], ["samverkansteamet"], password=PASSWORD)
    leader = Person(app, "tora")

    shown = leader.get(f"/tasks/{meeting.id}")
    assert re.search(r'id="field-motesplats"[^>]*readonly[^>]*>Arbetsförmedlingen i Nora<', shown.text)

    refused = leader.post(f"/tasks/{meeting.id}/complete", {"teammedlem_1": ""})  # the required answers missing
    assert refused.status_code == 422
    assert re.search(r'id="field-motesplats"[^>]*readonly[^>]*>Arbetsförmedlingen i Nora<', refused.text)


def test_the_browsers_request_for_an_icon_finds_one(people: Flask) -> None:
    answer = people.test_client().get("/favicon.ico")
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/static/img/favicon.svg")
    assert people.test_client().get("/static/img/favicon.svg").status_code == 200


def test_on_an_english_page_the_models_swedish_texts_are_marked_as_swedish(people: Flask) -> None:
    """Task titles and field labels come from the model, in Swedish: a screen reader reading an
    English page must know to read them in Swedish (WCAG 3.1.2)."""
    lena = Person(people, "lena")
    task = open_task(lena, register(lena))
    assert '<h1>Registrera remiss</h1>' in lena.get(f"/tasks/{task}").text
    lena.follow(lena.post("/language", {"lang": "en", "next": f"/tasks/{task}"}))
    page = lena.page.text  # type: ignore[union-attr]
    assert '<h1><span lang="sv">Registrera remiss</span></h1>' in page
    assert re.search(r'<label for="field-remiss_inkom"><span lang="sv">Remissen inkom</span>', page)
    assert re.search(r'<option value="Nora"[^>]*lang="sv"', page)
    assert '<span lang="sv">Registrera remiss</span></a>' in lena.get("/inbox?tab=all").text
