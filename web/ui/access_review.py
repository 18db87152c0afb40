"""The access log's review (``/logg``, HSLF-FS 2016:40): who read or changed which participant's
case, when and from where, filtered by user, participant and period, paged, newest first; a
period's spot check ("Stickprov": a sample of its reads, the same every time, marked reviewed with a
note); the filtered log as CSV.

For admins and log reviewers (role ``logggranskare``, who is not staff and reads no case: the page
shows the participant by name and masked personnummer, nothing of the case). A participant is found
through the engine's case search (name, the last four digits or the whole personnummer), as the
admin would find them, and only to narrow the log.

Reading the log is itself recorded, in the audit log rather than the access log: the access log is
one row per case whose personal data was read or changed, and it is what is being reviewed — a page
of it names up to 50 participants, and writing 50 rows for it would fill the log under review with
the review itself and let the reviewer's reads crowd the next spot check. The audit log keeps one
entry per look (``accesslog.read``, ``accesslog.sampled``, ``accesslog.exported``) with the filters
and the cases shown, so whoever reviews the reviewers sees whose data was on their screen.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from engine.errors import Conflict, NotFound
from engine.views import Case, CaseFilter
from web import authz, personnummer, purged_cases
from web.accounts.access_log import SAMPLE_SIZE, ZONE, AccessLog, Entry, Search
from web.errors import Forbidden
from web.ui import labels
from web.ui.pages import accounts, engine, me, now, page_context, require_user, teamwork

blueprint = Blueprint("access_review", __name__, url_prefix="/logg")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

PAGE_SIZE = 50
#: The most cases a participant search may match: more, and the reviewer is asked to say more.
MOST_CASES = 200
#: The most rows one export holds.
MOST_EXPORTED = 20000
NOTE_LENGTH = 2000


def reviews_log(user: Any) -> bool:
    return bool(user.is_admin or user.is_log_reviewer)


@blueprint.app_template_global()
def reviews_access_log(user: Any) -> bool:
    """The main menu's link, for those the page is for."""
    return reviews_log(user)


@blueprint.before_request
def for_log_reviewers() -> None:
    if not reviews_log(me()):
        raise Forbidden(f"{me().username} may not read the access log")


def store() -> AccessLog:
    return accounts().access_log


@dataclass
class Asked:
    """The filters as typed (``values``), what they mean (``search``), and what is wrong with them."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    search: Search = field(default_factory=Search)
    #: The cases the participant search found (none without one).
    cases: tuple[Case, ...] = ()

    def args(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if v}


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Skriv datumet som ÅÅÅÅ-MM-DD.")
        return None


def _participant_cases(text: str, errors: dict[str, str]) -> tuple[Case, ...] | None:
    """The cases of the participant searched for (by name, last four digits or whole number)."""
    if not text:
        return None
    key = personnummer.search_pattern(text)
    if key is not None and key.endswith("____"):  # a birth date: not a person
        key = None
    if key is None and (len(text) < 2 or not any(c.isalpha() for c in text)):
        errors["deltagare"] = _("Skriv deltagarens namn, de fyra sista siffrorna i personnumret eller hela "
                                "personnumret.")
        return None
    found = engine().case_page(CaseFilter(participant_key=key, name=None if key else text, searched_by=me().username),
                               limit=MOST_CASES)
    if found.total > MOST_CASES:
        errors["deltagare"] = _("Fler än %(n)s ärenden passar sökningen. Skriv mer av namnet eller personnumret.",
                                n=MOST_CASES)
        return None
    return found.cases


def asked() -> Asked:
    values = {name: (request.args.get(name) or "").strip()[:100] for name in ("anvandare", "deltagare", "fran", "till")}
    errors: dict[str, str] = {}
    first = _day(values["fran"], "fran", errors)
    last = _day(values["till"], "till", errors)
    if first and last and first > last:
        errors["till"] = _("Till-datumet ligger före från-datumet.")
    cases = _participant_cases(values["deltagare"], errors)
    search = Search(username=values["anvandare"] or None,
                    case_ids=None if cases is None else tuple(c.id for c in cases), first=first, last=last)
    return Asked(values, errors, search, cases or ())


def _page_number() -> int:
    text = request.args.get("sida") or "1"
    return int(text) if text.isdigit() and 0 < int(text) < 100000 else 1


@dataclass(frozen=True)
class Row:
    """An entry as the reviewer sees it."""

    id: int
    at: str
    user: str
    participant: str
    personnummer: str
    intervention: str
    action: str
    address: str
    case_id: str = ""
    #: The case was purged: the participant is gone, the row links to the case's tombstone.
    purged: bool = False


class Rows:
    """Entries in people's language: users by display name, cases by participant (read once each)."""

    def __init__(self) -> None:
        self.cases: dict[str, Case | None] = {}
        self.names: dict[str, str] = {}
        self.processes = {p.key: p.name for p in engine().processes()}

    def _case(self, case_id: str) -> Case | None:
        if case_id not in self.cases:
            try:
                self.cases[case_id] = engine().case(case_id)
            except NotFound:
                self.cases[case_id] = None
        return self.cases[case_id]

    def __call__(self, entries: list[Entry]) -> list[Row]:
        self.names.update(accounts().display_names(e.username for e in entries))
        cases = [c for c in (self._case(case_id) for case_id in dict.fromkeys(e.case_id for e in entries))
                 if c is not None]
        purged = purged_cases.purged_at(cases)
        rows = []
        for e in entries:
            case = self._case(e.case_id)
            participant = case.participant if case is not None else {}
            # A protected identity is named as in every list: by the placeholder, with no number.
            hidden = case is not None and case.protected
            gone = e.case_id in purged
            name = (authz.protected_name() if hidden else _("Gallrat ärende") if gone
                    else str(participant.get("name") or _("Okänt ärende")))
            rows.append(Row(
                e.id, str(format_datetime(e.at, "yyyy-MM-dd HH:mm:ss")), self.names.get(e.username, e.username),
                name, "–" if hidden or gone else personnummer.masked(str(participant.get("personnummer") or "")),
                self.processes.get(case.process_key, case.process_key) if case is not None else "–",
                labels.access_action_label(e.action), e.address or "–", e.case_id, gone))
        return rows


@dataclass(frozen=True)
class Found:
    """A person the participant search found, as the log names them, with one of their cases (what
    their log extract is asked by: never the personnummer) and how many of theirs it found."""

    name: str
    personnummer: str
    case_id: str
    cases: int


def people_found(cases: tuple[Case, ...]) -> list[Found]:
    """The people among the cases found: one per personnummer (a case without one stands alone)."""
    by_person: dict[str, list[Case]] = {}
    for case in cases:
        by_person.setdefault(str(case.participant.get("personnummer") or case.id), []).append(case)
    found = []
    for same in by_person.values():
        hidden = any(c.protected for c in same)
        number = str(same[0].participant.get("personnummer") or "")
        found.append(Found(authz.protected_name() if hidden else str(same[0].participant.get("name") or "–"),
                           "–" if hidden or not number else personnummer.masked(number), same[0].id, len(same)))
    return sorted(found, key=lambda f: (f.name.lower(), f.personnummer))


def _said(a: Asked) -> dict[str, Any]:
    """The filters for the audit log (a whole personnummer masked)."""
    said: dict[str, Any] = {k: v for k, v in a.args().items() if k != "deltagare"}
    if a.values["deltagare"]:
        said["deltagare"] = (personnummer.masked(a.values["deltagare"].replace("-", "").replace("+", ""))
                             if personnummer.is_whole_number(a.values["deltagare"]) else a.values["deltagare"])
    return said


def _user_choices() -> list[tuple[str, str]]:
    usernames = store().usernames()
    names = accounts().display_names(usernames)
    return sorted(((u, names.get(u, u)) for u in usernames), key=lambda c: c[1].lower())


@blueprint.get("")
def index() -> tuple[str, int]:
    a = asked()
    number = _page_number()
    entries: list[Entry] = []
    total = 0
    if not a.errors:
        entries, total = store().page(a.search, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if number > pages:
            number = pages
            entries, total = store().page(a.search, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        teamwork().audit(me().username, "accesslog.read", "logg", now(), "", {
            "filters": _said(a), "page": number, "total": total, "cases": sorted({e.case_id for e in entries})})
    rows = Rows()(entries)
    return render_template(
        "access_review.html", asked=a, rows=rows, total=total, page_number=number, people=people_found(a.cases),
        pages=max(1, -(-total // PAGE_SIZE)), offset=(number - 1) * PAGE_SIZE, users=_user_choices(),
    ), (400 if a.errors else 200)


CSV_COLUMNS = ("Tid", "Användare", "Deltagare", "Personnummer", "Insats", "Åtgärd", "Adress")


@blueprint.get("/logg.csv")
def export() -> Response | tuple[str, int]:
    a = asked()
    if a.errors:
        return index()
    entries, total = store().page(a.search, MOST_EXPORTED, 0)
    with force_locale("sv"):
        rows = Rows()(entries)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([_(c) for c in CSV_COLUMNS])
        for r in rows:
            writer.writerow([r.at, r.user, r.participant, r.personnummer, r.intervention, r.action, r.address])
    teamwork().audit(me().username, "accesslog.exported", "logg", now(), "csv", {
        "filters": _said(a), "rows": len(rows), "total": total})
    response = Response(("\ufeff" + out.getvalue()).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="atkomstlogg.csv"'
    return response


# --- the spot check -------------------------------------------------------------------------------


def _period(source: Any) -> tuple[date | None, date | None, dict[str, str], dict[str, str]]:
    values = {name: (source.get(name) or "").strip()[:20] for name in ("fran", "till")}
    errors: dict[str, str] = {}
    first = _day(values["fran"], "fran", errors)
    last = _day(values["till"], "till", errors)
    if not values["fran"] and not values["till"]:
        return None, None, values, errors
    if first is None and "fran" not in errors:
        errors["fran"] = _("Välj periodens första dag.")
    if last is None and "till" not in errors:
        errors["till"] = _("Välj periodens sista dag.")
    if first and last:
        if first > last:
            errors["till"] = _("Till-datumet ligger före från-datumet.")
        elif last >= accounts().clock.now().astimezone(ZONE).date():
            errors["till"] = _("Ett stickprov dras ur en period som är slut: välj en sista dag före i dag.")
    return (first, last, values, errors) if not errors else (None, None, values, errors)


@blueprint.get("/stickprov")
def sample() -> tuple[str, int]:
    first, last, values, errors = _period(request.args)
    rows: list[Row] = []
    marks: dict[int, Any] = {}
    reads = 0
    names: dict[str, str] = {}
    if first is not None and last is not None:
        entries = store().sample(first, last, SAMPLE_SIZE)
        reads = store().reads_in(first, last)
        rows = Rows()(entries)
        marks = store().marks(first, last)
        names = accounts().display_names(m.reviewed_by for m in marks.values())
        teamwork().audit(me().username, "accesslog.sampled", "logg", now(), "", {
            "first": first.isoformat(), "last": last.isoformat(), "cases": sorted({e.case_id for e in entries})})
    return render_template(
        "access_review_sample.html", values=values, errors=errors, first=first, last=last, rows=rows, marks=marks,
        reads=reads, reviewers=names, size=SAMPLE_SIZE, note_length=NOTE_LENGTH,
    ), (400 if errors else 200)


@blueprint.post("/stickprov")
def mark() -> WerkzeugResponse | tuple[str, int]:
    first, last, values, errors = _period(request.form)
    if first is None or last is None:
        if not errors:
            errors["fran"] = _("Välj periodens första dag.")
        return render_template(
            "access_review_sample.html", values=values, errors=errors, first=None, last=None, rows=[], marks={},
            reads=0, reviewers={}, size=SAMPLE_SIZE, note_length=NOTE_LENGTH), 400
    note = (request.form.get("anteckning") or "").strip()
    entry = request.form.get("post") or ""
    target = url_for("access_review.sample", fran=first.isoformat(), till=last.isoformat())
    if not entry.isdigit():
        flash(_("Välj en post i stickprovet."), "error")
        return redirect(target)
    if not note:
        flash(_("Skriv en anteckning om granskningen, till exempel att åtkomsten var befogad."), "error")
        return redirect(f"{target}#post-{entry}")
    if len(note) > NOTE_LENGTH:
        flash(_("Anteckningen får vara högst %(n)s tecken.", n=NOTE_LENGTH), "error")
        return redirect(f"{target}#post-{entry}")
    try:
        store().add_mark(first, last, int(entry), me().username, accounts().clock.now(), note)
    except NotFound:
        flash(_("Posten finns inte i periodens stickprov."), "error")
        return redirect(target)
    except Conflict:
        flash(_("Posten är redan granskad."), "error")
        return redirect(f"{target}#post-{entry}")
    flash(_("Posten är markerad som granskad."), "success")
    return redirect(f"{target}#post-{entry}")
