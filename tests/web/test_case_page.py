"""A case officer's day without friction: finding a participant among the cases one may see,
sorting and paging the list, reading a finished task as it was submitted, a case page in people's
language, and a case that prints as a journal summary."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from engine.api import WorkflowEngine
from tests.registrations import registered
from tests.web.browser import PASSWORD, Person
from tests.web.conftest import Api, engine_of, personnummer
from tests.web.test_pages import register
from web.demo import CHOICES

GUNNAR = personnummer("19850312", "123")  # 19850312-1231
KAJSA = personnummer("19900101", "234")


def rows(person: Person) -> list[str]:
    """The participants' names in the case list, top to bottom."""
    assert person.page is not None
    return re.findall(r'<td><a href="/cases/[^"]+">([^<]+)</a></td>', person.page.text)


def start(engine: WorkflowEngine, name: str, number: str, process: str = "referral_reply",
          actor: str = "rita") -> str:
    digits = number.replace("-", "")
    case = engine.start_case(process, participant={"name": name, "personnummer": digits, "municipality": "Nora"},
                             data=registered(process), participant_key=digits, actor=actor)
    return case.id


# --- search ------------------------------------------------------------------------------------------


def test_a_participant_is_found_by_name_number_last_four_digits_or_birth_date(people: Flask) -> None:
    lena = Person(people, "lena")
    register(lena)  # Gunnar Gran, 19850312-1231
    register(lena, name="Kajsa Kvist", number=KAJSA)

    for q in ("gunnar", "GRAN", "19850312-1231", "198503121231", "850312-1231", "1231", "19850312", "850312"):
        lena.get("/cases", query_string={"q": q})
        assert rows(lena) == ["Gunnar Gran"], q
        assert "19850312-****" in lena.text() and "Visar 1–1 av 1" in lena.text()
        assert "19850312-1231" not in lena.page.text.replace(f'value="{q}"', "")  # type: ignore[union-attr]

    lena.get("/cases", query_string={"q": "9999"})
    assert rows(lena) == [] and "Inga ärenden som du kan se matchar ”9999”" in lena.text()
    lena.get("/cases", query_string={"q": "12345"})  # no kind of number: said so, nothing listed
    assert rows(lena) == [] and "går inte att tolka" in lena.text()
    lena.get("/cases", query_string={"q": "%"})
    assert rows(lena) == []


def test_names_with_swedish_letters_are_found_in_any_case(people: Flask) -> None:
    engine = engine_of(people)
    start(engine, "Åsa Öberg", personnummer("19700101", "111"))
    lena = Person(people, "lena")
    for q in ("åsa", "ÅSA", "öberg", "Åsa Öberg"):
        lena.get("/cases", query_string={"q": q})
        assert rows(lena) == ["Åsa Öberg"], q


def test_a_whole_personnummer_reaches_no_link_of_the_page(people: Flask) -> None:
    """The form sends it once; the sorting and paging links of the answer do not repeat it."""
    lena = Person(people, "lena")
    register(lena)
    page = lena.get("/cases", query_string={"q": "19850312-1231"})
    links = re.findall(r'href="([^"]*)"', page.text)
    assert not [h for h in links if "1231" in h]
    page = lena.get("/cases", query_string={"q": "1231"})  # the last four digits are kept in links
    assert any("q=1231" in h for h in re.findall(r'href="([^"]*)"', page.text))


def test_search_never_finds_a_case_one_may_not_see(people: Flask) -> None:
    rita, rolf = Person(people, "rita"), Person(people, "rolf")
    register(rita)  # Gunnar, referred by Rita
    register(rolf, name="Kajsa Kvist", number=KAJSA)
    start(engine_of(people), "Gunnar Annan", personnummer("19850312", "555"), process="referral_reply",
          actor="rolf")

    for q in ("gunnar", "19850312", "1231", "850312-1231", "Kajsa", "2344"):
        rita.get("/cases", query_string={"q": q})
        assert set(rows(rita)) <= {"Gunnar Gran"}, q
    rita.get("/cases", query_string={"q": "19850312"})
    assert rows(rita) == ["Gunnar Gran"] and "av 1" in rita.text()

    otto = Person(people, "otto")  # staff of another intervention
    for q in ("gunnar", "19850312", "1231", ""):
        otto.get("/cases", query_string={"q": q})
        assert rows(otto) == [], q
    admin = Person(people, "admin")
    admin.get("/cases", query_string={"q": "19850312"})
    assert sorted(rows(admin)) == ["Gunnar Annan", "Gunnar Gran"]


# --- sorting and paging ---------------------------------------------------------------------------------


def test_the_list_is_paged_with_counts_and_sorted_by_any_column(people: Flask) -> None:
    engine = engine_of(people)
    for n in range(61):
        start(engine, f"Deltagare {n:02d}", personnummer(f"19{50 + n % 40:02d}0101", f"{100 + n}"))
    lena = Person(people, "lena")

    lena.get("/cases")
    assert "Visar 1–50 av 61" in lena.text() and "Sida 1 av 2" in lena.text()
    assert len(rows(lena)) == 50
    assert 'aria-sort="descending"' in lena.page.text  # type: ignore[union-attr]  # newest first
    nxt = re.search(r'href="([^"]+)" rel="next"', lena.page.text)  # type: ignore[union-attr]
    assert nxt is not None
    lena.get(nxt.group(1).replace("&amp;", "&"))
    assert "Visar 51–61 av 61" in lena.text() and len(rows(lena)) == 11
    assert 'rel="next"' not in lena.page.text  # type: ignore[union-attr]

    lena.get("/cases", query_string={"sort": "name", "order": "asc"})
    assert rows(lena)[:3] == ["Deltagare 00", "Deltagare 01", "Deltagare 02"]
    assert re.search(r'<th scope="col" aria-sort="ascending"><a class="sort-link" href="[^"]*sort=name&amp;order=desc',
                     lena.page.text)  # type: ignore[union-attr]  # the link turns the order round
    assert lena.page.text.count("aria-sort=") == 1  # type: ignore[union-attr]
    lena.get("/cases", query_string={"sort": "name", "order": "desc"})
    assert rows(lena)[0] == "Deltagare 60"
    lena.get("/cases", query_string={"sort": "personnummer", "order": "asc"})
    assert rows(lena)[0] == "Deltagare 00"  # born 1950, the earliest
    lena.get("/cases", query_string={"sort": "name", "order": "asc", "q": "Deltagare 1", "page": "9"})
    assert "Visar 1–10 av 10" in lena.text()  # a page past the end shows the last one
    lena.get("/cases", query_string={"sort": "nonsense", "page": "x"})
    assert lena.page.status_code == 200 and "Visar 1–50 av 61" in lena.text()  # type: ignore[union-attr]


# --- a finished task, read-only ------------------------------------------------------------------------


def complete_registration(people: Flask) -> tuple[str, str]:
    """Lena registers Gunnar and completes "Registrera remiss"; the case and the task."""
    lena = Person(people, "lena")
    case_id = register(lena)
    task = engine_of(people).case(case_id).open_tasks[0].id
    lena.post(f"/tasks/{task}/complete", {"remiss_inkom": "2026-01-12", "kommun": "Nora"})
    return case_id, task


def test_a_finished_task_is_shown_read_only_from_the_case_history(people: Flask) -> None:
    case_id, task = complete_registration(people)
    carl = Person(people, "carl")
    carl.get(f"/cases/{case_id}")
    assert f"/cases/{case_id}/tasks/{task}" in carl.links(f"/cases/{case_id}/tasks/")

    page = carl.get(f"/cases/{case_id}/tasks/{task}")
    assert page.status_code == 200
    text = carl.text()
    assert "Registrera remiss" in text and "Slutförd" in text and "av Lena" in text
    assert "Remissen inkom 2026-01-12" in text and "Hemkommun Nora" in text
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>")[0]  # nothing to submit
    assert "remiss_inkom" not in text

    # An open task is worked on its own page; a task of another case is not this case's.
    open_task = engine_of(people).case(case_id).open_tasks[0].id
    answer = carl.get(f"/cases/{case_id}/tasks/{open_task}")
    assert answer.status_code == 302 and answer.headers["Location"] == f"/tasks/{open_task}"
    other = register(Person(people, "lena"), name="Kajsa Kvist", number=KAJSA)
    assert carl.get(f"/cases/{other}/tasks/{task}").status_code == 404
    assert carl.get(f"/cases/{case_id}/tasks/finns-inte").status_code == 404


def test_a_finished_task_of_another_teams_case_is_not_found(people: Flask) -> None:
    case_id, task = complete_registration(people)
    for user in ("otto", "rolf"):
        person = Person(people, user)
        assert person.get(f"/cases/{case_id}").status_code == 404
        assert person.get(f"/cases/{case_id}/tasks/{task}").status_code == 404
    assert Person(people, "rita").get(f"/cases/{case_id}/tasks/{task}").status_code == 404  # not her referral
    assert Person(people, "admin").get(f"/cases/{case_id}/tasks/{task}").status_code == 200


# --- the case page in people's language -------------------------------------------------------------------


@pytest.fixture
def taget(api: Api, shipped: WorkflowEngine, app: Flask) -> tuple[Flask, str]:
    """A Gemensamma taget case past its first two steps, its registration completed by Otto."""
    case_id = start(shipped, "Filip Fors", personnummer("19800606", "105"), process="gemensamma_taget",
                    actor="otto")
    for _ in range(2):
        task = shipped.case(case_id).open_tasks[0]
        shipped.complete_task(task.id, task.form.sample_answers(date(2026, 1, 12), CHOICES), "otto")
    # two weeks past the selection meeting with no answer: the coordinator registers it
    shipped.advance_clock(to=max(shipped.clock.now(), datetime(2026, 2, 10, 8, tzinfo=UTC)))
    return app, case_id


def test_the_case_data_is_grouped_by_step_with_the_forms_labels(taget: tuple[Flask, str]) -> None:
    app, case_id = taget
    otto = Person(app, "otto")
    page = otto.get(f"/cases/{case_id}")
    data = page.text.split('id="data-title"', 1)[1].split("</section>\n</div>", 1)[0]
    headings = re.findall(r"<h3[^>]*>(?:<a [^>]+>)?([^<]+)", data)
    # What the case started with (the engine's count of earlier cases), then step by step, then the rest.
    assert headings[:3] == ["Vid registreringen", "Registrera remiss till rekryteringsgruppen",
                            "Föra upp förslaget till urvalsmöte"]
    assert headings[-1] == "Framräknat av processen"
    assert "<dt>Remitterande myndighet</dt><dd>Arbetsförmedlingen</dd>" in data  # the option's label
    assert "<dt>Aktuell hos Arbetsförmedlingen</dt><dd>Ja</dd>" in data
    assert "<dt>Tidigare avslutade ärenden i insatsen</dt><dd>0</dd>" in data
    for raw in ("None", ">AF<", "fodelsear", "remitterande_myndighet", "kand_af", "tidigare_arenden"):
        assert raw not in data, raw
    assert "None" not in otto.text()
    assert "· Otto" in re.sub(r"\s+", " ", data)  # who recorded it, by name


def test_the_history_names_steps_and_people_and_roles_by_label(taget: tuple[Flask, str]) -> None:
    app, case_id = taget
    otto = Person(app, "otto")
    otto.get(f"/cases/{case_id}")
    text = otto.text().replace(" : ", ": ")
    assert "Uppgift slutförd: Registrera remiss till rekryteringsgruppen – Otto" in text
    assert "– otto" not in text
    now = text.split("Just nu", 1)[1].split("Kommande tidsgränser", 1)[0]
    assert "koordinator" not in now and "Koordinator" in now  # the open task's groups, by role label
    assert "Gemensamma taget" in text.split("Insats", 1)[1][:80]  # the intervention's name


def test_what_a_task_still_asks_is_not_shown_as_worked_out_before_it_is_answered(shipped: WorkflowEngine,
                                                                                 app: Flask) -> None:
    """Gemensamma taget starts its check boxes at "no" so its gateways can read them: until the
    referral is registered, nobody has answered them, and the case does not say "Nej"."""
    app.extensions["samverkan.accounts"].add_user("otto", ["koordinator"], ["gemensamma_taget"], password=PASSWORD,
                                                  display_name="Otto")
    case_id = start(shipped, "Ali Ahmed", GUNNAR, "gemensamma_taget")
    otto = Person(app, "otto")
    data = otto.get(f"/cases/{case_id}").text.split('id="data-title"', 1)[1]
    assert "Har personen deltagit i Gemensamma taget tidigare?" not in data
    assert "Aktuell hos Arbetsförmedlingen" not in data


def test_registration_data_has_names_and_empty_values_show_as_a_dash(people: Flask) -> None:
    lena = Person(people, "lena")
    case_id = register(lena)
    page = lena.get(f"/cases/{case_id}")
    data = page.text.split('id="data-title"', 1)[1].split("</section>\n</div>", 1)[0]
    assert "Vid registreringen" in data and "<dt>Remitterande myndighet</dt><dd>Arbetsförmedlingen</dd>" in data
    assert "samtycke_datum" not in data and "None" not in data


def test_the_printed_case_has_a_summary_of_decisions_and_no_menus(people: Flask) -> None:
    case_id, _ = complete_registration(people)
    engine = engine_of(people)
    assess = engine.case(case_id).open_tasks[0]
    engine.complete_task(assess.id, {"beslut": "ja", "antal": 2}, "lena")
    lena = Person(people, "lena")
    page = lena.get(f"/cases/{case_id}")
    decisions = page.text.split('id="decisions-title"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Bedömning: Beslut</dt><dd>Ja</dd>" in decisions
    assert 'class="card print-only"' in page.text
    css = lena.get("/static/css/app.css").text
    rules = css.split("@media print", 1)[1].split("\n}\n", 1)[0]
    for hidden in (".site-header", "form", "button", ".case-actions", ".case-diagram-card"):
        assert hidden in rules.split("display: none")[0], hidden



def test_a_list_of_items_a_model_computed_reads_as_their_names() -> None:
    from web.ui.case_record import shown

    proposals = [{"namn": "Nils Björk", "arende": "51c7", "startat": "2026-11-30"},
                 {"namn": "", "arende": "3917", "startat": "2026-12-02"}]
    assert shown(proposals, None, {}) == "Nils Björk, 3917"
    assert shown([{"antal": 3}], None, {}) == "–"
    assert shown([{"beslut": {"deltagare": {"namn": "Leo Hed"}, "utvald": True}}], None, {}) == "Leo Hed"
