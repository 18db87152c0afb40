"""The pages stay right when they are made to hold up at 100,000 open cases: tab counts capped and
said so in Swedish, paging that never skips or repeats a task, the task filter's kinds found by
seeks, the case list's order and pages, and no page reading the cases' stored states."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import inspect as orm_inspect
from sqlalchemy import text

from engine.persistence import inbox_store, store
from engine.views import CaseFilter, TaskFilter
from tests.web.browser import Person
from tests.web.conftest import Api, engine_of, personnummer
from tests.web.test_pages import register
from tests.web.test_reads_write_nothing import recorded
from web.ui import inbox as inbox_page

NAMES = ["Anna Ask", "Bo Berg", "Cia Ceder", "Dan Dahl", "Eva Eng"]


def _register_five(person: Person, app: Flask) -> list[str]:
    """Five participants registered a minute apart, the first the oldest."""
    ids = []
    for n, name in enumerate(NAMES):
        ids.append(register(person, name, personnummer(f"198{n}0101", f"{n}{n}1")))
        engine_of(app).clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    return ids


def _task_ids(person: Person) -> list[str]:
    assert person.page is not None
    return re.findall(r'<tr id="task-([^"]+)"', person.page.text)


def test_a_tab_holding_more_than_is_counted_says_so_and_still_pages_to_its_end(
        people: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)
    monkeypatch.setattr(inbox_page, "TAB_COUNT_CAP", 3)
    monkeypatch.setattr(inbox_page, "PAGE_SIZE", 2)
    seen: list[str] = []
    for number in (1, 2, 3):
        lena.get(f"/inbox?tab=all&page={number}")
        text = lena.text()
        assert "Alla i mina insatser fler än 3" in text
        assert f"Sida {number}" in text and "Sida 1 av" not in text
        seen += _task_ids(lena)
        assert ("Nästa" in text) == (number < 3), number
    assert len(seen) == 5 and len(set(seen)) == 5  # every task once, none skipped or repeated
    monkeypatch.setattr(inbox_page, "TAB_COUNT_CAP", 1000)
    lena.get("/inbox?tab=all")
    assert "Alla i mina insatser 5" in lena.text() and "Sida 1 av 3" in lena.text()


def test_the_tabs_beside_the_one_shown_are_counted_less_far(people: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)
    monkeypatch.setattr(inbox_page, "OTHER_TAB_COUNT_CAP", 2)

    lena.get("/inbox?tab=mine")
    assert "Alla i mina insatser fler än 2" in lena.text()
    lena.get("/inbox?tab=all")
    assert "Alla i mina insatser 5" in lena.text()


def test_counts_capped_by_the_engine_are_exact_up_to_the_cap(people: Flask) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)
    engine = engine_of(people)
    query = TaskFilter(None, "lena", ("teamledare",), tab="all")
    exact = engine.inbox.page(query, limit=2, count_cap=5)
    assert exact.counts["all"] == 5 and not exact.capped("all") and exact.more
    capped = engine.inbox.page(query, limit=2, count_cap=4)
    assert capped.counts["all"] == 5 and capped.capped("all")
    last = engine.inbox.page(query, limit=2, offset=4, count_cap=4)
    assert len(last.rows) == 1 and not last.more
    # The filters still narrow the counts: a search by name joins the case in.
    named = engine.inbox.page(TaskFilter(None, "lena", ("teamledare",), tab="all", participant="bo b"))
    assert named.counts["all"] == 1 and [r.participant_name for r in named.rows] == ["Bo Berg"]


@pytest.mark.parametrize("listed", [5_000, 1], ids=["ids", "statement"])
def test_a_search_by_participant_finds_the_same_whether_its_cases_are_listed_or_asked_again(
        people: Flask, monkeypatch: pytest.MonkeyPatch, listed: int) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)  # Anna Ask, Bo Berg, Cia Ceder, Dan Dahl, Eva Eng: four with an "a"
    engine = engine_of(people)
    monkeypatch.setattr(store, "LISTED_CASES", listed)  # 1: two cases found are asked for again, not listed

    found = engine.inbox.page(TaskFilter(None, "lena", ("teamledare",), tab="all", participant="a"), limit=2)
    assert found.counts["all"] == 4 and found.more
    assert [r.participant_name for r in found.rows] == ["Anna Ask", "Cia Ceder"]
    cases = engine.case_page(CaseFilter(name="a"), sort="name", descending=False, limit=2)
    assert cases.total == 4 and [c.participant["name"] for c in cases.cases] == ["Anna Ask", "Cia Ceder"]
    nobody = engine.inbox.page(TaskFilter(None, "lena", ("teamledare",), tab="all", participant="zz"))
    assert nobody.rows == () and nobody.counts == {"mine": 0, "group": 0, "all": 0}


def test_the_task_filter_offers_every_kind_of_open_task_once_with_its_first_title(people: Flask) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)
    engine = engine_of(people)
    with engine.db.transaction() as session:
        rows = list(session.execute(text("SELECT process_key, element, title FROM human_tasks")))
    expected = sorted({(k, e, min(t for k2, e2, t in rows if (k2, e2) == (k, e))) for k, e, _t in rows})
    with engine.db.reading() as session:
        assert list(inbox_store.task_names(session, None)) == expected
        assert list(inbox_store.task_names(session, ["referral_reply"])) == expected
        assert list(inbox_store.task_names(session, ["another"])) == []
        assert list(inbox_store.task_names(session, [])) == []
    lena.get("/inbox?tab=all")
    assert lena.page is not None and 'value="register_referral"' in lena.page.text


def test_the_case_list_pages_newest_first_without_skipping_or_repeating(people: Flask) -> None:
    lena = Person(people, "lena")
    ids = _register_five(lena, people)  # registered one after another: the last is the newest
    engine = engine_of(people)
    pages = [engine.case_page(CaseFilter(), limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [c.id for p in pages for c in p.cases] == list(reversed(ids))
    assert all(p.total == 5 for p in pages)
    oldest_first = engine.case_page(CaseFilter(), descending=False, limit=5)
    assert [c.id for c in oldest_first.cases] == ids
    by_name = engine.case_page(CaseFilter(), sort="name", limit=5)
    assert [c.participant["name"] for c in by_name.cases] == sorted(NAMES, reverse=True)
    lena.get("/cases?per_page=20&sort=name&order=asc")
    shown = re.findall(r"(" + "|".join(NAMES) + ")", lena.text())
    assert shown == NAMES


def test_the_list_sorted_by_name_or_number_walks_an_index_to_its_page(people: Flask) -> None:
    """The sort is a column of its own (empty for a protected identity), so the database walks an
    index in order and stops at the page, for everyone and for one intervention's staff; an
    expression over the participant's JSON had it sort every case of the list first."""
    lena = Person(people, "lena")
    _register_five(lena, people)
    engine = engine_of(people)
    if not engine.db.is_sqlite:
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    process = engine.case_page(CaseFilter()).cases[0].process_key
    with recorded(people) as statements:
        for sort in ("name", "participant_key"):
            for keys in (None, (process,)):
                for descending in (False, True):
                    engine.case_page(CaseFilter(process_keys=keys), sort=sort, descending=descending, limit=2)
    sent = [(s, p) for s, p in statements.executed if "ORDER BY cases.participant_sort" in s]
    assert len(sent) == 8
    with engine.db.engine.connect() as connection:
        for statement, parameters in sent:
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert any("ix_cases_sort_" in step or "ix_cases_process_sort_" in step for step in plan), plan
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # its right part only, among equal names


def test_the_group_tab_walks_the_unclaimed_tasks_alone(people: Flask) -> None:
    """The group tab's page and count walk only the unclaimed tasks, in the inbox order: at 100,000
    open cases most tasks are claimed, and walking them too was most of the page. (SQLite seeks them
    in the assignee's index as well; PostgreSQL, which does not take ``IS NULL`` as fixing a column
    for the order, walks the partial index of the unclaimed ones: docs/benchmarks.md.)"""
    lena = Person(people, "lena")
    _register_five(lena, people)
    engine = engine_of(people)
    with recorded(people) as statements:
        lena.get("/inbox?tab=group")
    sent = [(s, p) for s, p in statements.executed if "assignee IS NULL AND (EXISTS" in s]
    assert len(sent) >= 2  # the page and its count
    with engine.db.engine.connect() as connection:
        for statement, parameters in sent:
            if engine.db.is_sqlite:
                plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
                assert any("ix_human_tasks_unclaimed_order" in step or "(assignee=? AND process_key=?)" in step
                           for step in plan), plan
            else:  # five cases' tasks: a scan of the table would be cheapest, so the planner is told not to
                connection.exec_driver_sql("SET enable_seqscan = off")
                plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]
                assert any("ix_human_tasks_unclaimed_order" in step for step in plan), plan


def test_lists_never_read_the_cases_stored_states(people: Flask) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)
    engine = engine_of(people)
    with engine.db.reading() as session:
        listed, _total = store.search_cases(session, CaseFilter(), "started", True, 5, 0)
        summaries = store.list_cases(session, None, None, 5)
        found = inbox_store.page(session, TaskFilter(None, "lena", ("teamledare",), tab="all"), 5, 0)
        versions = store.latest_versions(session)
        assert len(listed) == len(summaries) == len(found) == 5
        for row in [*listed, *summaries, *(case for _task, case in found)]:
            assert "state" in orm_inspect(row).unloaded
        assert all({"sources", "spec"} <= orm_inspect(v).unloaded for v in versions)


def test_the_apis_lists_come_a_page_at_a_time_in_order(people: Flask, api: Api) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)
    everything = api.get("/tasks?limit=500", "lena").get_json()
    assert len(everything) == 5
    pages = [api.get(f"/tasks?limit=2&offset={offset}", "lena").get_json() for offset in (0, 2, 4)]
    assert [t["id"] for p in pages for t in p] == [t["id"] for t in everything]
    cases = api.get("/cases", "lena").get_json()
    assert [c["id"] for c in api.get("/cases?limit=3&offset=2", "lena").get_json()] == [c["id"] for c in cases][2:5]
    for bad in ("limit=0", "limit=501", "limit=x", "offset=-1", "offset=1.5"):
        answer = api.get(f"/tasks?{bad}", "lena")
        assert answer.status_code == 422 and answer.get_json()["error"], bad
    one_case = api.get(f"/tasks?case={everything[0]['case_id']}", "lena").get_json()
    assert [t["id"] for t in one_case] == [everything[0]["id"]]


def test_the_group_tab_of_someone_offered_nothing_is_empty_and_the_others_still_count(people: Flask) -> None:
    lena = Person(people, "lena")
    _register_five(lena, people)
    engine = engine_of(people)
    nobody = engine.inbox.page(TaskFilter(None, "admin", ("admin",), tab="group"))
    assert nobody.rows == () and nobody.counts == {"mine": 0, "group": 0, "all": 5}
    leader = engine.inbox.page(TaskFilter(None, "lena", ("teamledare",), tab="group"))
    assert len(leader.rows) == 5 and leader.counts["group"] == 5
    second = engine.inbox.page(TaskFilter(None, "lena", ("teamledare",), tab="group"), limit=2, offset=2)
    assert [r.task.id for r in second.rows] == [r.task.id for r in leader.rows][2:4]
