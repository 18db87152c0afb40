"""The daily digest: once a day, each person with an e-mail address gets one mail listing the work
they may do that is overdue or due today.

Once per person per day is a property of the table: a digest's dedupe key holds the date in
Stockholm. A person with nothing due gets no mail, but a row saying so (``skipped``), so that the
question is asked once a day and not on every tick. A worker that starts after the digest hour
sends that day's digests (the day's digests are never sent on a later day: they would be stale).

A digest names tasks, their interventions, due dates and case numbers — not participants: the
link leads to the case, behind the sign-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from engine.directory import Directory, Person, interventions
from engine.language.timers import LOCAL_TZ
from engine.notifications import outbox
from engine.notifications.composing import short_id
from engine.persistence import outbox_store, store
from engine.persistence.db import Database
from engine.persistence.models import HumanTaskRow
from engine.views import consent


def plan(db: Database, directory: Directory, now: datetime, hour: int) -> int:
    """Write today's digests not written yet, once ``now`` is past ``hour`` in Stockholm. Returns
    how many mails were added (people with nothing due are not counted)."""
    local = now.astimezone(LOCAL_TZ)
    if local.hour < hour:
        return 0
    day = local.date()
    people = [p for p in directory.people() if p.email]
    keys = {p.username: f"digest:{day.isoformat()}:email:{p.username}" for p in people}
    if not keys:
        return 0
    with db.transaction() as session:
        done = outbox_store.existing_keys(session, list(keys.values()))
    todo = [p for p in people if keys[p.username] not in done]
    if not todo:
        return 0
    end_of_day = datetime.combine(day + timedelta(days=1), time(), LOCAL_TZ).astimezone(UTC)
    rows = []
    with db.transaction() as session:
        names = store.process_names(session)
        for person in todo:
            tasks = store.query_tasks(session, user=person.username, scopes=person.scopes(),
                                      process_keys=list(interventions(person.teams, person.intervention_roles)),
                                      overdue_at=end_of_day + timedelta(seconds=1),
                                      limit=100)
            data = store.case_data(session, [t.case_id for t in tasks])
            tasks = [t for t in tasks if not consent.withdrawn(data.get(t.case_id), day)]  # no mail about them
            rows.append(_mail(person, day, tasks, names, now))
        outbox_store.add_deliveries(session, rows, skip_duplicates=True)
    return sum(1 for r in rows if r["status"] == outbox_store.PENDING)


def _mail(person: Person, day: date, tasks: Sequence[HumanTaskRow], names: dict[str, str],
          now: datetime) -> dict[str, object]:
    overdue = [t for t in tasks if t.due_at is not None and t.due_at < now]
    today = [t for t in tasks if t.due_at is not None and t.due_at >= now]
    subject = f"Dina uppgifter {day.isoformat()}: {len(overdue)} försenade, {len(today)} att göra i dag"
    lines = [f"Hej {person.display_name},", ""]
    for heading, group in (("Försenade", overdue), ("Ska vara klara i dag", today)):
        if group:
            lines.append(f"{heading} ({len(group)}):")
            lines += [f"- {t.title} ({names.get(t.process_key, t.process_key)}), "
                      f"{_when(t.due_at)}, ärende {short_id(t.case_id)}" for t in group]
            lines.append("")
    assert person.email is not None
    return outbox.mail_row(
        parent=None, kind="digest", topic=f"digest:{day.isoformat()}", username=person.username,
        display_name=person.display_name, address=person.email, subject=subject, body="\n".join(lines), now=now,
        status=outbox_store.PENDING if tasks else "skipped", note=None if tasks else "nothing due",
    )


def _when(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else "-"
