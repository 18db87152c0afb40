"""A participant's extract of the access log (HSLF-FS 2016:40: a person may ask who has read their
data). The log reviewer finds Anna Andersson through the log review's participant search and takes
"Loggutdrag för en deltagare": every entry about any of Anna's cases — her referral of last year,
closed, and this year's — with who (name and role), when (Stockholm time), what and from where, as a
page and as CSV, and nothing about Bengt Berg, whose case was read by the same people on the same
days. Taking the extract is itself logged. Staff and referrers get 403; a protected participant is
found and named as the log review finds and names them.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from flask import Flask

from tests.web.browser import Person
from tests.web.conftest import PASSWORD, engine_of, personnummer
from web.accounts.access_log import Search

ANNA = personnummer("19900101", "123")
BENGT = personnummer("19850505", "456")


def _start(app: Flask, name: str, number: str) -> str:
    digits = number.replace("-", "")
    return engine_of(app).start_case("referral_reply", participant={"name": name, "personnummer": digits},
                                     participant_key=digits, actor="lena").id


@pytest.fixture
def scene(people: Flask) -> dict[str, str]:
    """Anna's two cases (the first closed) and Bengt's, each read and changed by Lena and Carl."""
    app = people
    accounts = app.extensions["samverkan.accounts"]
    accounts.add_user("lotta", ["logggranskare"], [], password=PASSWORD, display_name="Lotta Logg")
    engine = engine_of(app)
    first = _start(app, "Anna Andersson", ANNA)
    engine.cancel_case(first, "flyttade", "lena")
    engine.advance_clock(timedelta(days=30))
    cases = {"anna_first": first, "anna": _start(app, "Anna Andersson", ANNA),
             "bengt": _start(app, "Bengt Berg", BENGT)}
    log = accounts.log_access
    log("lena", cases["anna_first"], "case.read", datetime(2025, 6, 2, 9, 0, tzinfo=UTC), "10.0.0.1")
    log("carl", cases["anna"], "personnummer.shown", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), "10.0.0.2")
    log("carl", cases["anna"], "task.completed.svara", datetime(2026, 1, 20, 8, 0, tzinfo=UTC), "10.0.0.2")
    log("lena", cases["bengt"], "case.read", datetime(2026, 1, 5, 9, 31, tzinfo=UTC), "10.0.0.9")
    log("carl", cases["bengt"], "case.noted", datetime(2026, 1, 20, 8, 1, tzinfo=UTC), "10.0.0.9")
    return cases


def _extract_link(page: str, name: str) -> str:
    found = re.search(rf'<a href="(/logg/utdrag\?arende=[^"]+)">Loggutdrag för {re.escape(name)}', unescape(page))
    assert found, f"no extract offered for {name}"
    return found.group(1)


def rows_of(html: str) -> list[list[str]]:
    found = re.search(r'<table id="utdrag".*?<tbody>(.*?)</tbody>', html, flags=re.S)
    assert found, "the page has no extract table"
    return [[" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), flags=re.S)]


def test_the_extract_holds_every_entry_about_the_persons_cases_and_nobody_elses(
        people: Flask, scene: dict[str, str]) -> None:
    lotta = Person(people, "lotta")
    search = lotta.get("/logg?deltagare=anna")
    assert search.status_code == 200
    link = _extract_link(search.text, "Anna Andersson (19900101-****)")
    assert ANNA.replace("-", "") not in link and ANNA not in link  # the number reaches no address
    page = lotta.get(link)
    assert page.status_code == 200
    assert "Loggutdrag för en deltagare" in page.text and "Anna Andersson" in page.text
    assert "Bengt" not in page.text and "10.0.0.9" not in page.text and BENGT[-4:] not in page.text
    rows = rows_of(page.text)
    # Its own taking first (one row per case, at the wall clock's now), then the log, newest first;
    # the day each case started tells her two referrals apart.
    assert sorted(r[1:] for r in rows[:2]) == [
        ["Lotta Logg", "Logggranskare", "Svar på remiss", day, "Tog fram ett loggutdrag", "127.0.0.1"]
        for day in ("2026-01-12", "2026-02-11")]
    assert rows[2:] == [
        ["2026-01-20 09:00:00", "Carl", "Arbetscoach", "Svar på remiss", "2026-02-11", "Slutförde en uppgift",
         "10.0.0.2"],
        ["2026-01-05 10:30:00", "Carl", "Arbetscoach", "Svar på remiss", "2026-02-11", "Visade hela personnumret",
         "10.0.0.2"],
        ["2025-06-02 11:00:00", "Lena", "Teamledare", "Svar på remiss", "2026-01-12", "Läste ärendet", "10.0.0.1"],
    ]
    # The same by the last four digits, and whichever of her cases the link names.
    assert _extract_link(lotta.get(f"/logg?deltagare={ANNA[-4:]}").text, "Anna Andersson") == link
    other = lotta.get(f"/logg/utdrag?arende={scene['anna_first']}")
    assert [r[1:] for r in rows_of(other.text)[-3:]] == [r[1:] for r in rows[2:]]


def test_the_csv_has_swedish_headings_and_the_pages_rows(people: Flask, scene: dict[str, str]) -> None:
    lotta = Person(people, "lotta")
    lotta.post("/language", {"lang": "en", "next": "/logg"})
    answer = lotta.get(f"/logg/utdrag/loggutdrag.csv?arende={scene['anna']}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="loggutdrag.csv"'
    assert answer.data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Tid", "Användare", "Roll", "Insats", "Ärendet startat", "Åtgärd", "Adress"]
    assert table[-3:] == [
        ["2026-01-20 09:00:00", "Carl", "Arbetscoach", "Svar på remiss", "2026-02-11", "Slutförde en uppgift",
         "10.0.0.2"],
        ["2026-01-05 10:30:00", "Carl", "Arbetscoach", "Svar på remiss", "2026-02-11", "Visade hela personnumret",
         "10.0.0.2"],
        ["2025-06-02 11:00:00", "Lena", "Teamledare", "Svar på remiss", "2026-01-12", "Läste ärendet", "10.0.0.1"],
    ]
    assert len(table) == 1 + 2 + 3 and "Bengt" not in answer.data.decode("utf-8-sig")


def test_taking_the_extract_is_itself_logged(people: Flask, scene: dict[str, str]) -> None:
    admin = Person(people, "admin")
    assert admin.get(f"/logg/utdrag?arende={scene['anna']}").status_code == 200
    assert admin.get(f"/logg/utdrag/loggutdrag.csv?arende={scene['anna']}").status_code == 200
    entries, _total = people.extensions["samverkan.accounts"].access_log.page(Search(username="admin"))
    assert sorted((e.case_id, e.action, e.address) for e in entries) == sorted(
        [(case_id, "accesslog.extract", "127.0.0.1") for case_id in (scene["anna"], scene["anna_first"])] * 2)
    audit = [e for e in people.extensions["samverkan.teamwork"].audit_log(subject="logg")
             if e.action == "accesslog.extract"]
    assert [(e.username, e.note, e.details["cases"]) for e in audit] == [
        ("admin", form, sorted([scene["anna"], scene["anna_first"]])) for form in ("csv", "html")]
    # The next extract, or the log review, shows it.
    assert "Tog fram ett loggutdrag" in Person(people, "lotta").get("/logg?deltagare=anna").text


@pytest.mark.parametrize("username", ["lena", "carl", "otto", "rita", "designer"])
def test_staff_and_referrers_get_no_extract(people: Flask, scene: dict[str, str], username: str) -> None:
    person = Person(people, username)
    assert person.get(f"/logg/utdrag?arende={scene['anna']}").status_code == 403
    assert person.get(f"/logg/utdrag/loggutdrag.csv?arende={scene['anna']}").status_code == 403
    entries, _total = people.extensions["samverkan.accounts"].access_log.page(Search(username=username))
    assert all(e.action != "accesslog.extract" for e in entries)


def test_an_unknown_case_is_not_found(people: Flask, scene: dict[str, str]) -> None:
    lotta = Person(people, "lotta")
    assert lotta.get("/logg/utdrag?arende=no-such-case").status_code == 404
    assert lotta.get("/logg/utdrag").status_code == 404
    assert lotta.get("/logg/utdrag/loggutdrag.csv?arende=no-such-case").status_code == 404


def test_a_protected_participant_is_found_and_named_as_the_log_review_does(
        people: Flask, scene: dict[str, str]) -> None:
    engine = engine_of(people)
    engine.protect_identity(scene["anna"], True, ["lena"], "Skyddad folkbokföring", "lena")
    lotta = Person(people, "lotta")
    # This year's case names Lena only: the reviewer's search does not find it, nor does its link
    # work, and the extract by the older case leaves it out.
    found = lotta.get(f"/logg?deltagare={ANNA}").text
    assert _extract_link(found, "Anna Andersson").endswith(scene["anna_first"]) and "Skyddad identitet" not in found
    assert lotta.get(f"/logg/utdrag?arende={scene['anna']}").status_code == 404
    older = lotta.get(_extract_link(found, "Anna Andersson"))
    assert older.status_code == 200 and "Visade hela personnumret" not in older.text
    # Named on it, the reviewer finds both, and the person is shown by the placeholder, no number.
    engine.protect_identity(scene["anna"], True, ["lena", "lotta"], "Granskar loggen", "lena")
    link = _extract_link(lotta.get(f"/logg?deltagare={ANNA}").text, "Skyddad identitet (–)")
    page = lotta.get(link)
    assert page.status_code == 200 and "Skyddad identitet" in page.text
    assert "Anna" not in page.text and "19900101" not in page.text
    assert "Visade hela personnumret" in page.text and "Läste ärendet" in page.text
