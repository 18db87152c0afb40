"""The access log's review (/logg, HSLF-FS 2016:40): who may read it, its filters, the spot check
and its marks, the export, that reading it is audited, that bad input is answered in Swedish, and
that the log is append-only.

The scenario: two participants of the referral journey, Anna Andersson and Bengt Berg; the log
entries are written with chosen times in December 2025 and January 2026 (the log keeps the wall
clock, so the test sets the times itself), plus one read through the case page today.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from flask import Flask

from tests.web.browser import Person
from tests.web.conftest import PASSWORD, engine_of, personnummer
from web.accounts import access_log
from web.accounts.access_log import AccessLog, Search

ANNA = personnummer("19900101", "123")
BENGT = personnummer("19850505", "456")


def _start(app: Flask, name: str, number: str) -> str:
    digits = number.replace("-", "")
    case = engine_of(app).start_case("referral_reply", participant={"name": name, "personnummer": digits},
                                     participant_key=digits, actor="lena")
    return case.id


@pytest.fixture
def scene(people: Flask) -> tuple[Flask, str, str]:
    """The app, Anna's case and Bengt's, and their access log."""
    app = people
    accounts = app.extensions["samverkan.accounts"]
    accounts.add_user("lotta", ["logggranskare"], [], password=PASSWORD, display_name="Lotta Logg")
    accounts.add_user("stina", ["styrgrupp"], ["referral_reply"], password=PASSWORD, display_name="Stina")
    anna, bengt = _start(app, "Anna Andersson", ANNA), _start(app, "Bengt Berg", BENGT)
    log = accounts.log_access
    log("lena", anna, "case.read", datetime(2026, 1, 5, 9, 0, tzinfo=UTC), "10.0.0.1")
    log("lena", anna, "personnummer.shown", datetime(2026, 1, 5, 9, 1, tzinfo=UTC), "10.0.0.1")
    log("carl", bengt, "case.read", datetime(2026, 1, 6, 10, 0, tzinfo=UTC), "10.0.0.2")
    log("carl", anna, "task.completed.svara", datetime(2026, 1, 20, 8, 0, tzinfo=UTC), "10.0.0.2")
    log("cecilia", bengt, "case.read", datetime(2026, 2, 2, 8, 0, tzinfo=UTC))  # before addresses were kept
    for n in range(30):  # December: thirty reads, for the spot check
        log("carl" if n % 2 else "cecilia", anna if n % 3 else bengt, "case.read",
            datetime(2025, 12, 1, 8, 0, tzinfo=UTC) + timedelta(hours=n * 7), "10.0.1.1")
    log("lena", anna, "case.noted", datetime(2025, 12, 3, 8, 0, tzinfo=UTC), "10.0.1.1")  # a change: not sampled
    return app, anna, bengt


def rows_of(html: str) -> list[list[str]]:
    """The log table's rows (cell texts)."""
    found = re.search(r'<table id="logg".*?<tbody>(.*?)</tbody>', html, flags=re.S)
    if found is None:
        return []
    return [[" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), flags=re.S)]


@pytest.mark.parametrize(("username", "status"), [
    ("admin", 200), ("lotta", 200), ("lena", 403), ("carl", 403), ("otto", 403), ("rita", 403), ("stina", 403),
    ("designer", 403),
])
def test_the_log_is_for_admins_and_log_reviewers(scene: tuple[Flask, str, str], username: str, status: int) -> None:
    person = Person(scene[0], username)
    assert person.get("/logg").status_code == status
    assert person.get("/logg/logg.csv").status_code == status
    assert person.get("/logg/stickprov?fran=2025-12-01&till=2025-12-31").status_code == status
    menu = person.get("/notifications").text
    assert ('href="/logg"' in menu) == (status == 200)


def test_the_log_reviewer_is_not_staff_and_sees_no_case(scene: tuple[Flask, str, str]) -> None:
    app, anna, _bengt = scene
    lotta = Person(app, "lotta")
    assert lotta.follow(lotta.get("/")).request.path == "/logg"
    assert lotta.get(f"/cases/{anna}").status_code == 404
    assert "Anna Andersson" not in lotta.get("/cases").text


def test_the_page_shows_who_read_whose_case_when_and_from_where_newest_first(scene: tuple[Flask, str, str]) -> None:
    lotta = Person(scene[0], "lotta")
    page = lotta.get("/logg?fran=2026-01-01&till=2026-01-31")
    assert page.status_code == 200
    assert rows_of(page.text) == [
        ["2026-01-20 09:00:00", "Carl", "Anna Andersson", "19900101-****", "Svar på remiss", "Slutförde en uppgift",
         "10.0.0.2"],
        ["2026-01-06 11:00:00", "Carl", "Bengt Berg", "19850505-****", "Svar på remiss", "Läste ärendet", "10.0.0.2"],
        ["2026-01-05 10:01:00", "Lena", "Anna Andersson", "19900101-****", "Svar på remiss", "Visade hela personnumret",
         "10.0.0.1"],
        ["2026-01-05 10:00:00", "Lena", "Anna Andersson", "19900101-****", "Svar på remiss", "Läste ärendet",
         "10.0.0.1"],
    ]
    assert "Visar 1–4 av 4" in page.text
    assert ANNA[-4:] not in page.text


def test_filters_narrow_the_log(scene: tuple[Flask, str, str]) -> None:
    lotta = Person(scene[0], "lotta")
    jan = "fran=2026-01-01&till=2026-02-28"
    assert [r[1] for r in rows_of(lotta.get(f"/logg?{jan}&anvandare=lena").text)] == ["Lena", "Lena"]
    by_name = rows_of(lotta.get(f"/logg?{jan}&deltagare=bengt").text)
    assert [(r[1], r[2], r[6]) for r in by_name] == [("Cecilia", "Bengt Berg", "–"), ("Carl", "Bengt Berg", "10.0.0.2")]
    assert rows_of(lotta.get(f"/logg?{jan}&deltagare={BENGT[-4:]}").text) == by_name
    assert rows_of(lotta.get(f"/logg?{jan}&deltagare={BENGT}").text) == by_name
    assert rows_of(lotta.get(f"/logg?{jan}&deltagare=bengt&anvandare=carl").text) == by_name[1:]
    assert rows_of(lotta.get(f"/logg?{jan}&deltagare=Nobody").text) == []
    assert "Inga poster i loggen passar urvalet" in lotta.page.text  # type: ignore[union-attr]
    # The period is Swedish days: 2026-01-05 10:00 in Stockholm is the fifth.
    assert len(rows_of(lotta.get("/logg?fran=2026-01-05&till=2026-01-05").text)) == 2


def test_the_log_is_paged_with_counts(scene: tuple[Flask, str, str]) -> None:
    lotta = Person(scene[0], "lotta")
    first = lotta.get("/logg?till=2026-01-31")
    assert "Visar 1–50 av 35" not in first.text and "Visar 1–35 av 35" in first.text
    accounts = scene[0].extensions["samverkan.accounts"]
    for n in range(20):
        accounts.log_access("otto", scene[1], "case.read", datetime(2025, 11, 1, tzinfo=UTC) + timedelta(hours=n))
    page1 = lotta.get("/logg?till=2026-01-31")
    assert "Visar 1–50 av 55" in page1.text and len(rows_of(page1.text)) == 50
    assert 'href="/logg?sida=2&amp;till=2026-01-31"' in page1.text
    page2 = lotta.get("/logg?till=2026-01-31&sida=2")
    assert "Visar 51–55 av 55" in page2.text
    assert [r[0] for r in rows_of(page2.text)][-1] == "2025-11-01 01:00:00"  # the oldest last


def test_bad_input_is_answered_in_swedish(scene: tuple[Flask, str, str]) -> None:
    lotta = Person(scene[0], "lotta")
    for query, message in [
        ("fran=igår", "Skriv datumet som ÅÅÅÅ-MM-DD."),
        ("fran=2026-02-01&till=2026-01-01", "Till-datumet ligger före från-datumet."),
        ("deltagare=12", "Skriv deltagarens namn, de fyra sista siffrorna i personnumret eller hela personnumret."),
        ("deltagare=19900101", "Skriv deltagarens namn"),
    ]:
        answer = lotta.get(f"/logg?{query}")
        assert answer.status_code == 400, query
        assert message in unescape(answer.text), query
        assert lotta.get(f"/logg/logg.csv?{query}").status_code == 400
    assert lotta.get("/logg?sida=x").status_code == 200
    assert lotta.get("/logg?sida=99999").status_code == 200
    for query, message in [
        ("fran=2025-12-01", "Välj periodens sista dag."),
        ("fran=2025-12-01&till=tomorrow", "Skriv datumet som ÅÅÅÅ-MM-DD."),
        # today as the log counts days (Stockholm's): between 22 and 24 UTC, date.today() is yesterday there
        (f"fran=2025-12-01&till={datetime.now(access_log.ZONE).date().isoformat()}",
         "Ett stickprov dras ur en period som är slut"),
    ]:
        answer = lotta.get(f"/logg/stickprov?{query}")
        assert answer.status_code == 400, query
        assert message in unescape(answer.text), query
    assert lotta.post("/logg/stickprov", {"fran": "x", "till": "y", "post": "1", "anteckning": "ok"}).status_code == 400


def _sample_ids(html: str) -> list[str]:
    return re.findall(r'<li id="post-(\d+)"', html)


def test_the_spot_check_is_the_same_for_a_period_and_its_marks_persist(scene: tuple[Flask, str, str]) -> None:
    app = scene[0]
    lotta, admin = Person(app, "lotta"), Person(app, "admin")
    december = "/logg/stickprov?fran=2025-12-01&till=2025-12-31"
    first = lotta.get(december)
    assert first.status_code == 200
    ids = _sample_ids(first.text)
    assert len(ids) == 20 and "20 av periodens 30 läsningar, 0 granskade." in first.text
    assert _sample_ids(admin.get(december).text) == ids  # the same sample, for anyone, every time
    assert "Skrev en anteckning" not in first.text  # reads only
    assert _sample_ids(lotta.get("/logg/stickprov?fran=2025-12-02&till=2025-12-31").text) != ids  # another period
    # Marking one reviewed, with a note (CSRF required).
    assert lotta.post("/logg/stickprov", {"fran": "2025-12-01", "till": "2025-12-31", "post": ids[3],
                                          "anteckning": "Befogad"}, csrf=False).status_code == 400
    done = lotta.post("/logg/stickprov", {"fran": "2025-12-01", "till": "2025-12-31", "post": ids[3],
                                          "anteckning": "Befogad: handläggarens eget ärende"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#post-{ids[3]}")
    again = admin.get(december)
    assert "Granskad " in again.text and "av Lotta Logg: Befogad: handläggarens eget ärende" in unescape(again.text)
    assert "20 av periodens 30 läsningar, 1 granskade." in again.text
    assert _sample_ids(again.text) == ids
    # Marked once only; a blank note or an entry outside the sample is refused with a message.
    admin.follow(admin.post("/logg/stickprov", {"fran": "2025-12-01", "till": "2025-12-31", "post": ids[3],
                                                "anteckning": "Igen"}))
    assert "Posten är redan granskad." in admin.flashes()
    admin.follow(admin.post("/logg/stickprov", {"fran": "2025-12-01", "till": "2025-12-31", "post": ids[4],
                                                "anteckning": " "}))
    assert any(f.startswith("Skriv en anteckning") for f in admin.flashes())
    outside = next(str(i) for i in range(1, 100) if str(i) not in ids)
    admin.follow(admin.post("/logg/stickprov", {"fran": "2025-12-01", "till": "2025-12-31", "post": outside,
                                                "anteckning": "x"}))
    assert "Posten finns inte i periodens stickprov." in admin.flashes()
    marks = app.extensions["samverkan.accounts"].access_log.marks(date(2025, 12, 1), date(2025, 12, 31))
    assert [(m.access_log_id, m.reviewed_by) for m in marks.values()] == [(int(ids[3]), "lotta")]


def test_the_export_holds_the_pages_rows_and_is_audited(scene: tuple[Flask, str, str]) -> None:
    app = scene[0]
    lotta = Person(app, "lotta")
    query = "fran=2025-12-01&till=2026-02-28&deltagare=anna"
    page = rows_of(lotta.get(f"/logg?{query}").text)
    answer = lotta.get(f"/logg/logg.csv?{query}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Tid", "Användare", "Deltagare", "Personnummer", "Insats", "Åtgärd", "Adress"]
    assert table[1:] == page and len(page) == 24
    # The same in Swedish whatever the reader's language.
    lotta.post("/language", {"lang": "en", "next": "/logg"})
    assert lotta.get(f"/logg/logg.csv?{query}").data == answer.data
    audit = app.extensions["samverkan.teamwork"].audit_log(subject="logg")
    exported = [e for e in audit if e.action == "accesslog.exported"]
    assert exported and exported[0].username == "lotta" and exported[0].details["rows"] == 24
    assert exported[0].details["filters"]["deltagare"] == "anna"


def test_reading_the_log_is_audited_with_the_cases_shown(scene: tuple[Flask, str, str]) -> None:
    app, anna, bengt = scene
    lotta = Person(app, "lotta")
    lotta.get(f"/logg?fran=2026-01-01&till=2026-01-31&deltagare={ANNA}")
    lotta.get("/logg/stickprov?fran=2025-12-01&till=2025-12-31")
    audit = app.extensions["samverkan.teamwork"].audit_log(subject="logg")
    read = next(e for e in audit if e.action == "accesslog.read")
    assert read.username == "lotta" and read.details["cases"] == [anna] and read.details["total"] == 3
    assert read.details["filters"]["deltagare"] == "19900101-****"  # the whole number is not kept
    sampled = next(e for e in audit if e.action == "accesslog.sampled")
    assert sampled.details["first"] == "2025-12-01" and sorted(sampled.details["cases"]) == sorted([anna, bengt])


def test_a_read_through_the_pages_records_the_address(scene: tuple[Flask, str, str]) -> None:
    app, anna, _bengt = scene
    Person(app, "lena").get(f"/cases/{anna}")
    entries, _total = app.extensions["samverkan.accounts"].access_log.page(Search(username="lena", case_ids=(anna,)), 1)
    assert entries[0].action == "case.read" and entries[0].address == "127.0.0.1"


def test_the_log_is_append_only(scene: tuple[Flask, str, str]) -> None:
    app = scene[0]
    store = app.extensions["samverkan.accounts"].access_log
    names = ([n for n in dir(AccessLog) if not n.startswith("__")]
             + [n for n in dir(access_log) if not n.startswith("_")])
    for word in ("update", "delete", "remove", "edit", "change", "set", "purge", "clear", "replace", "truncate"):
        assert not [n for n in names if word in n.lower()], word
    at = datetime(2024, 6, 1, 12, 0, 0, 123000, tzinfo=UTC)
    store.append("otto", "a-case", "case.read", at, "192.0.2.7")
    before, _n = store.page(Search(username="otto"), 10)
    assert [(e.at, e.username, e.case_id, e.action, e.address) for e in before] == [
        (at, "otto", "a-case", "case.read", "192.0.2.7")]
    Person(app, "lotta").get("/logg?anvandare=otto")  # reading it changes nothing
    store.sample(date(2024, 6, 1), date(2024, 6, 30), 20)
    assert store.page(Search(username="otto"), 10)[0] == before
