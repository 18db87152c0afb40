"""A participant's extract of the access log ("Loggutdrag för en deltagare", HSLF-FS 2016:40: a
person may ask who has read their data): every entry about any of the person's cases — who (name
and role), when (Stockholm time), what and from where — as a printable page and as CSV.

For admins and log reviewers, reached from the log review's participant search (``/logg``): the
person is named in the address by one of their cases, never by the personnummer, and all their cases
are found by the personnummer as the register extract finds them (``register_extract.cases_of``),
searched as the reviewer — so a protected participant's case counts only if it names the reviewer,
as in the log review's own search, and the person is then shown by the placeholder with no number.

Taking the extract is itself written to the access log (``accesslog.extract``, one row per case,
before the log is read: the extract shows its own taking) and to the audit log, beside the review's
other looks at the log.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from engine.errors import NotFound
from engine.views import Case
from web import authz, personnummer
from web.access_log import log_access
from web.accounts.access_log import Entry, Search
from web.register_extract import cases_of, participant_key
from web.ui import labels
from web.ui.access_review import MOST_EXPORTED, for_log_reviewers, store
from web.ui.pages import accounts, engine, me, now, page_context, require_user, teamwork

blueprint = Blueprint("access_extract", __name__, url_prefix="/logg/utdrag")
blueprint.before_request(require_user)
blueprint.before_request(for_log_reviewers)
blueprint.context_processor(page_context)

#: The access log's (and the audit log's) action for taking the extract.
EXTRACTED = "accesslog.extract"

CSV_COLUMNS = ("Tid", "Användare", "Roll", "Insats", "Ärendet startat", "Åtgärd", "Adress")


@dataclass(frozen=True)
class Person:
    """Whose extract: as the log review names them, with every case of theirs it covers."""

    name: str
    personnummer: str
    cases: tuple[Case, ...]

    @property
    def case_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.cases)


@dataclass(frozen=True)
class ExtractRow:
    at: str
    user: str
    role: str
    intervention: str
    #: The day the case started: which of the person's cases (they may have had several in one intervention).
    case_started: str
    action: str
    address: str


def person_of(case_id: str) -> Person:
    """The participant of ``case_id`` and all their cases; NotFound for a case the reviewer's search
    would not find (unknown, purged, or a protected participant's that does not name them)."""
    try:
        case = engine().case(case_id)
    except NotFound:
        raise NotFound(f"case {case_id} does not exist") from None
    if not case.participant or not authz.knows_identity(me(), case):
        raise NotFound(f"case {case_id} does not exist")
    number = str(case.participant.get("personnummer") or "")
    key = participant_key(number) if number else None
    found = cases_of(engine(), key, searched_by=me().username) if key else ()
    cases = found if case.id in {c.id for c in found} else (case, *found)
    if any(c.protected for c in cases):  # named as in every list: the placeholder, no number
        return Person(authz.protected_name(), "–", cases)
    return Person(str(case.participant.get("name") or "–"), personnummer.masked(number) if number else "–", cases)


def _rows(person: Person, entries: list[Entry]) -> list[ExtractRow]:
    names = accounts().display_names(e.username for e in entries)
    wanted = {e.username for e in entries}
    roles = {a.username: labels.roles_label(a.roles) for a in accounts().accounts() if a.username in wanted}
    processes = {p.key: p.name for p in engine().processes()}
    intervention = {c.id: processes.get(c.process_key, c.process_key) for c in person.cases}
    started = {c.id: str(format_datetime(c.created_at, "yyyy-MM-dd")) for c in person.cases}
    return [ExtractRow(str(format_datetime(e.at, "yyyy-MM-dd HH:mm:ss")), names.get(e.username, e.username),
                       roles.get(e.username) or "–", intervention.get(e.case_id, "–"), started.get(e.case_id, "–"),
                       labels.access_action_label(e.action), e.address or "–") for e in entries]


def _taken(person: Person, form: str) -> tuple[list[Entry], int]:
    """Log the taking (access log, audit log), then read the person's entries, newest first."""
    for case_id in person.case_ids:
        log_access(me(), case_id, EXTRACTED)
    entries, total = store().page(Search(case_ids=person.case_ids), MOST_EXPORTED, 0)
    teamwork().audit(me().username, EXTRACTED, "logg", now(), form, {
        "cases": sorted(person.case_ids), "rows": len(entries), "total": total})
    return entries, total


def _case_id() -> str:
    return (request.args.get("arende") or "").strip()[:100]


@blueprint.get("")
def show() -> str:
    person = person_of(_case_id())
    entries, total = _taken(person, "html")
    processes = {p.key: p.name for p in engine().processes()}
    return render_template("access_extract.html", person=person, rows=_rows(person, entries), total=total,
                           case_id=_case_id(), processes=processes, taken_at=accounts().clock.now(),
                           taken_by=me().display_name)


@blueprint.get("/loggutdrag.csv")
def export() -> Response:
    person = person_of(_case_id())
    entries, _total = _taken(person, "csv")
    with force_locale("sv"):
        rows = _rows(person, entries)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([_(c) for c in CSV_COLUMNS])
        for r in rows:
            writer.writerow([r.at, r.user, r.role, r.intervention, r.case_started, r.action, r.address])
    response = Response(("\ufeff" + out.getvalue()).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="loggutdrag.csv"'
    return response
