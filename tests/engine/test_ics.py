"""A calendar invitation reads the same in every calendar: escaped text, folded lines, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.notifications.ics import invitation

STAMP = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_a_meeting_with_a_time_is_an_hour_in_utc() -> None:
    text = invitation({"uid": "t1@samverkan", "start": "2026-01-14T10:00:00+01:00", "summary": "Möte"},
                      organizer=("Samverkan", "noreply@sofint.se"), attendee=("Anna", "anna@sofint.se"), stamp=STAMP)
    assert "DTSTART:20260114T090000Z\r\nDTEND:20260114T100000Z\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTAMP:20260112T070000Z" in text


def test_text_is_escaped_and_long_lines_are_folded_between_characters() -> None:
    summary = "Avstämningsmöte; deltagare, handläggare\noch koordinator – " + "åäö" * 30
    text = invitation({"uid": "t2@samverkan", "start": "2026-03-02", "summary": summary},
                      organizer=("Samverkan", "noreply@sofint.se"), attendee=('Anna "A"', "anna@sofint.se"),
                      stamp=STAMP)
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    text.encode("utf-8").decode("utf-8")  # no character was cut in two
    assert "SUMMARY:Avstämningsmöte\\; deltagare\\, handläggare\\noch koordinator – " + "åäö" * 30 in unfold(text)
    assert 'ATTENDEE;CN="Anna A";' in unfold(text)
    assert "DTSTART;VALUE=DATE:20260302\r\nDTEND;VALUE=DATE:20260303" in text


def test_a_cancellation_is_the_same_event_in_a_later_version_marked_cancelled() -> None:
    text = invitation({"uid": "t3@samverkan", "start": "2026-03-02", "summary": "Möte", "method": "CANCEL",
                       "sequence": 1},
                      organizer=("Samverkan", "noreply@sofint.se"), attendee=("Anna", "anna@sofint.se"), stamp=STAMP)
    assert "METHOD:CANCEL\r\n" in text and "UID:t3@samverkan\r\n" in text
    assert "SEQUENCE:1\r\n" in text and "STATUS:CANCELLED\r\n" in text and "CONFIRMED" not in text
