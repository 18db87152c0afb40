"""Calendar invitations (RFC 5545) for meeting tasks, attached to the mail that announces them.

The event's UID comes from the task, so a mail sent again updates the same calendar entry instead
of adding a second one, and a cancellation (a meeting task that went away undone) removes it. A
date without a time becomes an all-day event; a date-time an hour's meeting (the plans give the
day; the time is agreed with the participant).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

#: How long a meeting with a start time is booked for.
MEETING_LENGTH = timedelta(hours=1)


def method(meeting: dict[str, Any]) -> str:
    """``REQUEST`` (an invitation) or ``CANCEL`` (the meeting is off)."""
    return "CANCEL" if meeting.get("method") == "CANCEL" else "REQUEST"


def invitation(meeting: dict[str, Any], *, organizer: tuple[str, str], attendee: tuple[str, str],
               stamp: datetime) -> str:
    """A calendar for one meeting (``uid``, ``start`` as ISO date or date-time, ``summary``,
    optional ``location`` and ``description``), to one attendee: a ``METHOD:REQUEST``, or with
    ``method: CANCEL`` (and a higher ``sequence``) the same event cancelled."""
    start_text = str(meeting["start"])
    cancelled = method(meeting) == "CANCEL"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Samverkan//Samverkan//SV",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method(meeting)}",
        "BEGIN:VEVENT",
        f"UID:{_text(str(meeting['uid']))}",
        f"DTSTAMP:{_utc(stamp)}",
        f"SEQUENCE:{int(meeting.get('sequence', 0))}",
    ]
    if "T" in start_text:
        start = datetime.fromisoformat(start_text)
        if start.tzinfo is None:
            raise ValueError("a meeting's start time needs a time zone")
        lines += [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(start + MEETING_LENGTH)}"]
    else:
        day = date.fromisoformat(start_text)
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
    lines.append(f"SUMMARY:{_text(str(meeting.get('summary') or 'Möte'))}")
    if meeting.get("location"):
        lines.append(f"LOCATION:{_text(str(meeting['location']))}")
    if meeting.get("description"):
        lines.append(f"DESCRIPTION:{_text(str(meeting['description']))}")
    lines += [
        f"ORGANIZER;CN={_param(organizer[0])}:mailto:{organizer[1]}",
        f"ATTENDEE;CN={_param(attendee[0])};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{attendee[1]}",
        "STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _param(value: str) -> str:
    """A parameter value, quoted; quotes and line breaks cannot occur in one and are dropped."""
    cleaned = "".join(ch for ch in value if ch not in '"\r\n')
    return f'"{cleaned}"'


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1),
    never splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation line starts with the folding space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)
