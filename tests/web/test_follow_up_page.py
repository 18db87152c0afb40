"""The follow-up page (/uppfoljning) on a small intervention deployed in the test, whose model
declares its indicators (tests/web/models/uppfoljning_test.bpmn): eight participants started on
12 January 2026, five of them ended in the first quarter. Every role tries the page; the figures on
the page, in the CSV and in the XLSX (read back) are the same and are the ones the scenario gives;
the steering group sees small counts as "<5"; bad input is answered with a message, never a 500.

The scenario, quarter 1 2026 (all start and are referred 2026-01-12, every referral answered the
same day, due 14 days later):

- six women, Lindesberg, FK, born 1990 (35–36: 31–64), contact kim: three end 2026-03-01 in work,
  one 2026-03-01 in studies, two stay;
- two men, Nora, AF, born 2000 (26: 18–30), contact otto: one ends 2026-02-15 discontinued, one stays.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from engine.api import WorkflowEngine
from engine.views import SourceFile
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, personnummer
from web.ui.follow_up_query import period_of

MODEL = Path(__file__).parent / "models" / "uppfoljning_test.bpmn"
KEY = "uppfoljning_test"
Q1 = "/uppfoljning?insats=uppfoljning_test&period=kvartal&ar=2026&kvartal=1"
ARGS = "insats=uppfoljning_test&period=kvartal&ar=2026&kvartal=1"
PEOPLE = {
    "stina": (["styrgrupp"], [KEY]),
    "kim": (["koordinator"], [KEY]),
    "tove": (["teamledare"], [KEY]),
    "lena": (["teamledare"], ["referral_reply"]),  # a team leader of another intervention
    "hanna": (["handlaggare"], [KEY]),
    "rita": (["remittent"], []),
    "admin": (["admin"], []),
    "otto": (["arbetscoach"], [KEY]),
}


class Tables(HTMLParser):
    """The page's tables (id → rows of cell texts, headers included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.current = dict(attrs).get("id", "").removeprefix("tabell-")
            self.tables[self.current] = []
        elif tag == "tr" and self.current is not None:
            self.tables[self.current].append([])
        elif tag in ("th", "td") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self.cell is not None and self.current is not None:
            self.tables[self.current][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def _start(engine: WorkflowEngine, n: int, gender: str, born: int, home: str, authority: str, contact: str) -> str:
    case = engine.start_case(KEY, participant={"name": f"Deltagare {n}"}, actor="kim",
                             participant_key=personnummer(f"{born}0101", f"{100 + n}").replace("-", ""),
                             data={"kon": gender, "fodelsear": born, "hemkommun": home,
                                   "remitterande_myndighet": authority, "kontaktperson": contact,
                                   "inskrivning_datum": "2026-01-12"})
    [assess] = case.open_tasks
    engine.complete_task(assess.id, {}, "kim")
    return case.id


def _end(engine: WorkflowEngine, case_id: str, outcome: str, day: str) -> None:
    [task] = engine.case(case_id).open_tasks
    engine.complete_task(task.id, {"utfall": outcome, "avslut_datum": day}, "kim")


@pytest.fixture
def scenario(app: Flask) -> Flask:
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    engine.deploy([SourceFile(MODEL.name, MODEL.read_bytes())], "designer")
    accounts = app.extensions["samverkan.accounts"]
    for username, (roles, teams) in PEOPLE.items():
        accounts.add_user(username, roles, teams, password=PASSWORD, display_name=username.capitalize())
    women = [_start(engine, n, "kvinna", 1990, "Lindesberg", "FK", "kim") for n in range(6)]
    men = [_start(engine, 10 + n, "man", 2000, "Nora", "AF", "otto") for n in range(2)]
    for case_id in women[:3]:
        _end(engine, case_id, "arbete", "2026-03-01")
    _end(engine, women[3], "studier", "2026-03-01")
    _end(engine, men[0], "avbrott", "2026-02-15")
    return app


@pytest.mark.parametrize(("username", "status"), [
    ("stina", 200), ("kim", 200), ("tove", 200), ("admin", 200), ("lena", 200),
    ("hanna", 403), ("rita", 403), ("otto", 403),
])
def test_the_page_is_for_the_steering_group_leaders_and_admins(scenario: Flask, username: str, status: int) -> None:
    person = Person(scenario, username)
    assert person.get("/uppfoljning").status_code == status
    assert person.get(f"/uppfoljning/rapport.xlsx?{ARGS}").status_code in ((status,) if status == 403 else (200, 400))
    menu = person.get("/inbox").text if username not in ("rita",) else person.get("/cases").text
    assert ('href="/uppfoljning"' in menu) == (status == 200)


def test_scope_is_ones_own_interventions(scenario: Flask) -> None:
    lena = Person(scenario, "lena")
    page = lena.get("/uppfoljning")
    assert "Du har inga insatser att följa upp" in page.text
    refused = lena.get(Q1)
    assert "Testinsatsen" not in refused.text and "tabell-" not in refused.text
    assert lena.get(f"/uppfoljning/rapport.xlsx?{ARGS}").status_code == 400
    assert lena.get(f"/uppfoljning/deltagare.csv?{ARGS}").status_code == 400
    # The admin sees every intervention that declares follow-up.
    admin = Person(scenario, "admin").get("/uppfoljning")
    assert '<option value="uppfoljning_test"' in admin.text


def test_the_leaders_see_the_exact_figures(scenario: Flask) -> None:
    page = Person(scenario, "kim").get(Q1)
    assert page.status_code == 200
    t = tables_of(page.text)
    assert t["deltagare"][1:] == [["Remitterade", "8"], ["Startade", "8"], ["Aktiva", "8"], ["Avslutade", "5"]]
    assert t["kon"][1:] == [["Kvinna", "6", "6", "6", "4"], ["Man", "2", "2", "2", "1"], ["Alla", "8", "8", "8", "5"]]
    assert ["31–64 år", "Kvinna", "6", "6", "6", "4"] in t["aldersgrupp"]
    assert ["18–30 år", "Man", "2", "2", "2", "1"] in t["aldersgrupp"]
    assert ["Nora", "Man", "2", "2", "2", "1"] in t["kommun"]
    assert ["Försäkringskassan", "Alla", "6", "6", "6", "4"] in t["myndighet"]
    assert t["utfall"][0] == ["Utfall", "Kvinna", "Man", "Totalt", "Andel (%)", "Mål (%)"]
    assert t["utfall"][1:] == [
        ["Arbete", "3", "0", "3", "60,0", "40"], ["Studier", "1", "0", "1", "20,0", "5"],
        ["Annan insats eller myndighet", "0", "0", "0", "0,0", "–"], ["Kan inte ta del av insatsen", "0", "0", "0",
                                                                     "0,0", "–"],
        ["Övrigt/avbrutet", "0", "1", "1", "20,0", "–"], ["Alla avslutade", "4", "1", "5", "–", "–"]]
    assert t["tid"][1:] == [["Avslutade deltaganden", "5"], ["Median (dagar)", "48,0"], ["Medel (dagar)", "45,2"]]
    assert ["0–3", "5"] in t["tid_fordelning"]
    assert t["svar"][1:] == [["Svar som skulle ges", "8"], ["Besvarade i tid", "8"], ["Besvarade för sent", "0"],
                             ["Obesvarade", "0"], ["Andel besvarade i tid (%)", "100,0"]]
    assert t["kontaktpersoner"][1:] == [["Kim", "2"], ["Otto", "1"]]
    assert t["manader"][1:] == [["2026-01", "8", "0", "8"], ["2026-02", "0", "1", "7"], ["2026-03", "0", "4", "3"]]
    assert t["uppfoljning_finsam"][1:] == [["Testinsatsen", "2026-01-01–2026-03-31", "6", "2", "8"]]
    assert "Exakta tal" in page.text
    assert 'role="img"' in page.text and 'aria-label="Utfall i procent' in page.text


def test_the_steering_group_sees_small_counts_hidden_and_shares_that_would_tell_them(scenario: Flask) -> None:
    page = Person(scenario, "stina").get(Q1)
    t = tables_of(page.text)
    # One hidden part beside a shown total would give it away (8 - 6): the total is "..", here and
    # in the table of totals; with two hidden parts (4 and 1 of 5 ended) it is not.
    assert t["kon"][1:] == [["Kvinna", "6", "6", "6", "<5"], ["Man", "<5", "<5", "<5", "<5"],
                            ["Alla", "..", "..", "..", "5"]]
    assert t["deltagare"][1:] == [["Remitterade", ".."], ["Startade", ".."], ["Aktiva", ".."], ["Avslutade", "5"]]
    # Work: 3 of 5 ended → the count is hidden, and so is its share (60 % of 5 would say 3).
    assert t["utfall"][1] == ["Arbete", "<5", "0", "<5", "<5", "40"]
    assert ["Nora", "Man", "<5", "<5", "<5", "<5"] in t["kommun"]
    assert ["Lindesberg", "Man", "0", "0", "0", "0"] in t["kommun"]
    assert t["tid"][1:] == [["Avslutade deltaganden", "5"], ["Median (dagar)", "48,0"], ["Medel (dagar)", "45,2"]]
    assert t["kontaktpersoner"][1:] == [["Kim", "<5"], ["Otto", "<5"]]
    assert t["uppfoljning_finsam"][1:] == [["Testinsatsen", "2026-01-01–2026-03-31", "6", "<5", ".."]]
    assert "Antal under 5 visas som ”&lt;5”" in page.text
    assert "Visa exakta tal" not in page.text  # no way round it
    # Asking for the exact view changes nothing for her.
    assert tables_of(Person(scenario, "stina").get(Q1 + "&visning=").text) == t


def test_a_leader_can_see_and_export_what_the_steering_group_gets(scenario: Flask) -> None:
    kim = Person(scenario, "kim")
    steering = tables_of(kim.get(Q1 + "&visning=styrgrupp").text)
    assert steering == tables_of(Person(scenario, "stina").get(Q1).text)
    book = load_workbook(io.BytesIO(kim.get(f"/uppfoljning/rapport.xlsx?{ARGS}&visning=styrgrupp").data))
    assert [list(r) for r in book["Efter kön"].iter_rows(values_only=True)][2] == ["Man", "<5", "<5", "<5", "<5"]


def test_the_exports_hold_the_pages_numbers(scenario: Flask) -> None:
    kim = Person(scenario, "kim")
    page = tables_of(kim.get(Q1).text)
    answer = kim.get(f"/uppfoljning/rapport.xlsx?{ARGS}")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == \
        'attachment; filename="uppfoljning_uppfoljning_test_2026-01-01_2026-03-31.xlsx"'
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames[:2] == ["Om rapporten", "Uppföljning Finsam"]
    about = dict(book["Om rapporten"].iter_rows(values_only=True))
    assert about["Period"] == "2026-01-01–2026-03-31" and about["Insatser"] == "Testinsatsen"
    assert about["Visning"] == "Exakta tal" and "<5" in about["Små tal"]
    assert any(k.startswith("Definition: Aktiv") for k in about)
    finsam = [list(r) for r in book["Uppföljning Finsam"].iter_rows(values_only=True)]
    assert finsam == [["Insats", "Period", "Kvinna", "Man", "Totalt"],
                      ["Testinsatsen", "2026-01-01–2026-03-31", 6, 2, 8]]
    for key, sheet in (("kon", "Efter kön"), ("utfall", "Utfall"), ("manader", "Månad för månad"),
                       ("aldersgrupp", "Efter åldersgrupp och kön"), ("svar", "Svar på remisser")):
        rows = [[_cell(v) for v in r] for r in book[sheet].iter_rows(values_only=True)]
        assert rows == [[_cell(c) for c in r] for r in page[key]], sheet
        answer = kim.get(f"/uppfoljning/{key}.csv?{ARGS}")
        assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
        text = answer.data.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text), delimiter=";")) == [[c if c != "–" else "" for c in r]
                                                                      for r in page[key]], key
    assert kim.get(f"/uppfoljning/ingen.csv?{ARGS}").status_code == 404
    log = scenario.extensions["samverkan.teamwork"].audit_log("uppfoljning:uppfoljning_test")
    assert log[0].action == "followup.exported" and log[0].username == "kim" and log[0].details["exact"] is True


def _cell(value: Any) -> Any:
    """A cell of the XLSX or the page, compared by value: numbers as numbers, nothing as "–"."""
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return value


def test_the_english_page_has_english_headings_and_the_exports_stay_swedish(scenario: Flask) -> None:
    kim = Person(scenario, "kim")
    kim.post("/language", {"lang": "en", "next": "/uppfoljning"})
    page = kim.get(Q1)
    assert "<h1>Follow-up</h1>" in page.text and "Participants by gender" in page.text
    assert tables_of(page.text)["utfall"][1][4] == "60.0"
    text = kim.get(f"/uppfoljning/utfall.csv?{ARGS}").data.decode("utf-8-sig")
    assert text.startswith("Utfall;Kvinna;Man;Totalt") and "Arbete;3;0;3;60,0;40" in text


@pytest.mark.parametrize(("query", "message"), [
    ("period=egen&fran=2026-03-01&till=2026-02-01", "Perioden slutar innan den börjar"),
    ("period=egen&fran=2026-13-01&till=2026-12-31", "är inte ett datum"),
    ("period=egen&fran=&till=2026-12-31", "Ange både från- och till-datum"),
    ("period=egen&fran=2020-01-01&till=2026-12-31", "högst fem år"),
    ("period=kvartal&ar=tjugo", "Ange året med fyra siffror"),
    ("period=kvartal&ar=2026&kvartal=5", "Välj ett kvartal från 1 till 4"),
    ("period=halvar&ar=2026&halvar=3", "Välj första eller andra halvåret"),
    ("period=vecka", "Välj kvartal, halvår, år eller egen period"),
    ("period=ar&ar=2026&kon=annat", "finns inte bland valen"),
    ("period=ar&ar=2026&insats=referral_reply", "Välj en av insatserna i listan"),
])
def test_bad_input_is_answered_in_swedish_never_with_a_500(scenario: Flask, query: str, message: str) -> None:
    kim = Person(scenario, "kim")
    args = query if "insats=" in query else f"insats=uppfoljning_test&{query}"
    page = kim.get(f"/uppfoljning?{args}")
    assert page.status_code == 400
    assert message in page.text and 'class="error-summary"' in page.text and "tabell-" not in page.text
    assert kim.get(f"/uppfoljning/rapport.xlsx?{args}").status_code == 400


@pytest.mark.parametrize(("kind", "year", "n", "first", "last"), [
    ("kvartal", 2026, 1, "2026-01-01", "2026-03-31"), ("kvartal", 2024, 4, "2024-10-01", "2024-12-31"),
    ("halvar", 2026, 2, "2026-07-01", "2026-12-31"), ("halvar", 2024, 1, "2024-01-01", "2024-06-30"),
    ("ar", 2025, 1, "2025-01-01", "2025-12-31"),
])
def test_periods(kind: str, year: int, n: int, first: str, last: str) -> None:
    assert tuple(d.isoformat() for d in period_of(kind, year, n, n)) == (first, last)


def test_a_custom_period_and_a_filter_narrow_the_figures(scenario: Flask) -> None:
    kim = Person(scenario, "kim")
    page = kim.get("/uppfoljning?insats=uppfoljning_test&period=egen&fran=2026-02-01&till=2026-02-28&kon=man")
    t = tables_of(page.text)
    assert t["deltagare"][1:] == [["Remitterade", "0"], ["Startade", "0"], ["Aktiva", "2"], ["Avslutade", "1"]]
    assert "Kön: Man" in page.text
    # The national table ignores the page's filters.
    assert t["uppfoljning_finsam"][1:] == [["Testinsatsen", "2026-02-01–2026-02-28", "6", "2", "8"]]
