"""The follow-up page and its workbook for the 40 participants of "Steget vidare" that
tests/engine/test_follow_up.py lives through the first quarter of 2026: the coordinator reads every
figure on the page and in the XLSX, and each is what the scenario says happened, to the unit."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from openpyxl import load_workbook

from engine.api import WorkflowEngine
from engine.views import Case, SourceFile
from engine.views.followup import Period
from tests.bpmn import BPMN_DIR
from tests.engine.test_follow_up import CATEGORY, PEOPLE, Q1, expected_counts, walk_the_quarter
from tests.web.browser import PASSWORD, Person
from tests.web.test_follow_up_page import _cell, tables_of

ASKED = "insats=steget_vidare&period=kvartal&ar=2026&kvartal=1"


class Coordinator:
    """Kim works the cases in the app's engine, as the journey driver works them in the engine's tests."""

    def __init__(self, engine: WorkflowEngine) -> None:
        self.engine = engine
        self.clock = engine.clock

    def start(self, key: str, data: dict[str, object]) -> Case:
        return self.engine.start_case(key, data=data, actor="kim")

    def complete(self, case_id: str, name: str, data: dict[str, object]) -> Case:
        task = next(t for t in self.engine.case(case_id).open_tasks if t.name == name)
        return self.engine.complete_task(task.id, data, "kim")

    def advance(self, duration: timedelta) -> int:
        return self.engine.advance_clock(duration)


@pytest.fixture
def quarter(app: Flask) -> Flask:
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    engine.deploy([SourceFile("steget_vidare.bpmn", (BPMN_DIR / "steget_vidare.bpmn").read_bytes())], "designer")
    app.extensions["samverkan.accounts"].add_user("kim", ["koordinator"], ["steget_vidare"], password=PASSWORD,
                                                  display_name="Kim Koordinator")
    walk_the_quarter(Coordinator(engine))
    return app


def number(value: float) -> str:
    """A share as the page writes it (one decimal, a decimal comma)."""
    return f"{value:.1f}".replace(".", ",")


def test_every_figure_on_the_page_and_in_the_workbook_is_what_happened(quarter: Flask) -> None:
    kim = Person(quarter, "kim")
    page = kim.get(f"/uppfoljning?{ASKED}")
    assert page.status_code == 200 and "Exakta tal" in page.text
    tables = tables_of(page.text)

    total = expected_counts(PEOPLE, Q1)
    assert tables["deltagare"][1:] == [["Remitterade", str(total.referred)], ["Startade", str(total.started)],
                                       ["Aktiva", str(total.active)], ["Avslutade", str(total.ended)]]
    women = expected_counts([p for p in PEOPLE if p.gender == "kvinna"], Q1)
    men = expected_counts([p for p in PEOPLE if p.gender == "man"], Q1)
    assert tables["kon"][1:] == [["Kvinna", *map(str, (women.referred, women.started, women.active, women.ended))],
                                 ["Man", *map(str, (men.referred, men.started, men.active, men.ended))],
                                 ["Alla", *map(str, (total.referred, total.started, total.active, total.ended))]]
    norsjo_women = expected_counts([p for p in PEOPLE if p.municipality == "norsjo" and p.gender == "kvinna"], Q1)
    assert ["Norsjö", "Kvinna", *map(str, (norsjo_women.referred, norsjo_women.started, norsjo_women.active,
                                           norsjo_women.ended))] in tables["kommun"]

    ended = [p for p in PEOPLE if Q1.holds(p.ended)]
    by = Counter((CATEGORY[p.outcome], p.gender) for p in ended if p.outcome)
    rows = {r[0]: r[1:] for r in tables["utfall"][1:]}
    for label, category, goal in (("Arbete", "arbete", "40"), ("Studier", "studier", "5"),
                                  ("Annan insats eller myndighet", "annan_insats", "–"),
                                  ("Kan inte ta del av insatsen", "ej_nytta", "–")):
        count = by[(category, "kvinna")] + by[(category, "man")]
        assert rows[label] == [str(by[(category, "kvinna")]), str(by[(category, "man")]), str(count),
                               number(100 * count / len(ended)), goal], label

    due = [p for p in PEOPLE if Q1.holds(p.reply_due)]
    on_time = sum(1 for p in due if p.decided and p.decided <= p.reply_due)
    unanswered = sum(1 for p in due if p.decided is None)
    assert tables["svar"][1:] == [["Svar som skulle ges", str(len(due))], ["Besvarade i tid", str(on_time)],
                                  ["Besvarade för sent", str(len(due) - on_time - unanswered)],
                                  ["Obesvarade", str(unanswered)],
                                  ["Andel besvarade i tid (%)", number(100 * on_time / len(due))]]
    for row in tables["manader"][1:]:
        year, month = (int(x) for x in row[0].split("-"))
        last = (Q1.first.replace(year=year, month=month) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        within = Period(last.replace(day=1), last)
        assert row[1:] == [str(sum(within.holds(p.started) for p in PEOPLE)),
                           str(sum(within.holds(p.ended) for p in PEOPLE)),
                           str(sum(1 for p in PEOPLE if p.started and p.started <= last
                                   and (p.ended is None or p.ended >= last)))], row[0]

    # Now (1 April) the five referrals never answered are overdue; nothing else has a due date.
    unanswered = sum(p.decided is None for p in PEOPLE)
    assert tables["forsenade"][1:] == [["Steget vidare", "Bedöma remissen", str(unanswered)]]

    book = load_workbook(io.BytesIO(kim.get(f"/uppfoljning/rapport.xlsx?{ASKED}").data))
    sheets = {"Deltagare": "deltagare", "Efter kön": "kon", "Efter hemkommun och kön": "kommun", "Utfall": "utfall",
              "Svar på remisser": "svar", "Månad för månad": "manader"}
    for sheet, key in sheets.items():
        assert sheet in book.sheetnames, book.sheetnames
        read_back = [[_cell(v) for v in r] for r in book[sheet].iter_rows(values_only=True)]
        assert read_back == [[_cell(c) for c in r] for r in tables[key]], sheet
    finsam = [list(r) for r in book["Uppföljning Finsam"].iter_rows(values_only=True)]
    active = [p for p in PEOPLE if p.started and p.started <= Q1.last and (p.ended is None or p.ended >= Q1.first)]
    genders = Counter(p.gender for p in active)
    assert finsam[1] == ["Steget vidare", "2026-01-01–2026-03-31", genders["kvinna"], genders["man"], len(active)]
