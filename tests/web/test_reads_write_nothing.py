"""A request that changes nothing writes nothing: reading the inbox, a case, the task list or the
processes leaves no row behind but the access-log entry a read of personal data must leave, and on
SQLite takes no write lock (so readers never queue behind a writer). A change is written, with its
access-log entry, in one transaction.

The scenario: Carl, a work coach of the referral journey, and Lena, its team leader, with one
referred participant; every statement the database is sent while they work is recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from tests.web.browser import Person
from tests.web.conftest import Api, personnummer

WRITES = ("INSERT", "UPDATE", "DELETE")


class Statements:
    """What the database was sent during a block: the statements and the transactions begun."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        #: Each statement as the driver got it, with its parameters (for ``EXPLAIN``).
        self.executed: list[tuple[str, Any]] = []

    @property
    def writes(self) -> list[str]:
        return [s for s in self.sent if s.split(None, 1)[0].upper() in WRITES]

    @property
    def begun(self) -> list[str]:
        """SQLite's transactions, reading and writing."""
        return [s for s in self.sent if s.upper().startswith("BEGIN")]

    @property
    def write_locks(self) -> list[str]:
        """SQLite's write transactions (``BEGIN IMMEDIATE``): what a reader would queue behind."""
        return [s for s in self.sent if s.upper().startswith("BEGIN IMMEDIATE")]

    @property
    def tables_written(self) -> list[str]:
        return [s.split()[2].strip('"') if s.upper().startswith("INSERT") else s.split()[1].strip('"')
                for s in self.writes]


@contextmanager
def recorded(app: Flask) -> Iterator[Statements]:
    engine = app.extensions["samverkan.engine"].db.engine
    found = Statements()

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        found.sent.append(" ".join(statement.split()))
        found.executed.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)  # on SQLite, BEGIN and BEGIN IMMEDIATE too
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _referred(api: Api) -> dict[str, Any]:
    answer = api.post("/cases", "lena", {"process": "referral_reply",
                                         "participant": {"name": "Gunnar G", "personnummer": personnummer(
                                             "19850312", "123"), "municipality": "Nora"},
                                         "data": {"remittent": "AF Nora"}})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def test_reading_through_the_api_writes_only_the_access_log(deployed: Api, app: Flask) -> None:
    case = _referred(deployed)
    for path in ("/processes", f"/tasks?case={case['id']}", f"/cases/{case['id']}"):
        deployed.get(path, "carl")  # the token's last use is written at most once a minute: now, not below

    with recorded(app) as lists:
        assert deployed.get("/processes", "carl").status_code == 200
        assert deployed.get(f"/tasks?case={case['id']}", "carl").status_code == 200
        assert deployed.get("/notifications", "carl").status_code == 200
    assert lists.writes == [] and lists.write_locks == []

    with recorded(app) as read:
        assert deployed.get(f"/cases/{case['id']}", "carl").status_code == 200
    assert read.tables_written == ["access_log"]


def test_the_pages_of_a_working_day_write_nothing_but_the_access_log(people: Flask) -> None:
    app = people
    case = _referred_by_engine(app)
    carl = Person(app, "carl")
    for path in ("/inbox", "/inbox?tab=group", f"/cases/{case}", "/cases", "/notifications"):
        carl.get(path)  # the session's last use is written at most once a minute: now, not below

    with recorded(app) as pages:
        for path in ("/inbox", "/inbox?tab=group", "/inbox?tab=all", "/cases", "/notifications"):
            assert carl.get(path).status_code == 200, path
    assert pages.writes == [] and pages.write_locks == []

    with recorded(app) as case_page:
        assert carl.get(f"/cases/{case}").status_code == 200
    assert case_page.tables_written == ["access_log"]


def test_completing_a_task_is_one_write_transaction_with_its_access_log_entry(deployed: Api, app: Flask) -> None:
    case = _referred(deployed)
    task = case["open_tasks"][0]
    deployed.get(f"/tasks?case={case['id']}", "carl")

    with recorded(app) as completing:
        done = deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})
    assert done.status_code == 200
    assert "access_log" in completing.tables_written
    if app.extensions["samverkan.engine"].db.is_sqlite:
        assert len(completing.write_locks) == 1
        # the token; the step's read of the task and its case (the caller's rights checked on those
        # rows, not on a read of their own); the step's write; the case's history for the answer
        assert len(completing.begun) == 4, completing.begun


def _referred_by_engine(app: Flask) -> str:
    digits = personnummer("19900101", "123").replace("-", "")
    case = app.extensions["samverkan.engine"].start_case(
        "referral_reply", participant={"name": "Anna Andersson", "personnummer": digits}, participant_key=digits,
        actor="lena", data={"remittent": "AF Nora"})
    return str(case.id)
