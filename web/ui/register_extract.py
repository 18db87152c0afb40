"""The register extract's page (``/registerutdrag``, GDPR art. 15), for admins: a personnummer in,
everything held about that person out, as a PDF file (web/register_extract_pdf.py), as JSON or as a
printable page. The number is sent by POST (with the CSRF token), so it reaches no address, no log
of addresses and no history; every extract is in the access log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web import personnummer, register_extract_pdf
from web.register_extract import extract, participant_key
from web.ui import case_record, labels
from web.ui.pages import accounts, engine, me, now, page_context, require_admin, require_user, teamwork

blueprint = Blueprint("register_extract", __name__, url_prefix="/registerutdrag")
blueprint.before_request(require_user)
blueprint.before_request(require_admin)
blueprint.context_processor(page_context)


@blueprint.get("")
def index() -> str:
    return render_template("register_extract.html", errors={}, values={})


@blueprint.post("")
def make() -> Response | tuple[str, int]:
    text = request.form.get("personnummer", "").strip()
    key = participant_key(text)
    if key is None:
        errors = {"personnummer": _("Skriv hela personnumret, tio eller tolv siffror.")}
        return render_template("register_extract.html", errors=errors, values={"personnummer": text}), 400
    found = extract(engine(), accounts(), teamwork(), key, by=me().username, at=now(), address=request.remote_addr)
    if request.form.get("format") == "json":
        body = json.dumps(found, ensure_ascii=False, indent=2)
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="registerutdrag-{found["extracted_at"][:10]}.json"'})
    if request.form.get("format") == "pdf":
        words = {**_readable(found), "status_label": lambda key: labels.label(labels.STATUSES, key),
                 "event_label": lambda key: labels.label(labels.EVENTS, key)}
        return Response(register_extract_pdf.pdf(found, words, _), mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="registerutdrag-{found["extracted_at"][:10]}.pdf"'})
    return Response(render_template("register_extract_print.html", found=found, **_readable(found)))


#: The participant's details as the case page names them.
PARTICIPANT = {"name": _l("Namn"), "personnummer": _l("Personnummer"), "municipality": _l("Hemkommun"),
               "skyddad": _l("Skyddade personuppgifter"), "behoriga": _l("Får veta vem det är")}


def _readable(found: dict[str, Any]) -> dict[str, Any]:
    """What the printable extract needs to speak people's language: Swedish times, people by name,
    fields by their labels, values as the case page shows them. The JSON keeps the record as it is."""
    names = accounts().display_names(
        [found["extracted_by"]]
        + [u for c in found["cases"] for u in (c["started_by"], *(e["actor"] for e in c["history"]),
                                               *(e["user"] for e in c["access_log"]))])
    forms: dict[tuple[str, int], tuple[Any, Any]] = {}

    def field(case: dict[str, Any], key: str) -> Any:
        version = (case["intervention"], case["version"])
        if version not in forms:
            forms[version] = (engine().forms(*version), engine().start_form(*version))
        in_forms, start = forms[version]
        return case_record.field_of(in_forms, key) or start.field(key)

    def when(text: str | None) -> str:
        return str(format_datetime(datetime.fromisoformat(text), "yyyy-MM-dd HH:mm")) if text else "–"

    def participant_value(key: str, value: Any) -> str:
        if key == "personnummer" and value:
            return personnummer.shown(str(value))
        if key == "behoriga" and isinstance(value, list):
            return ", ".join(names.get(str(u), str(u)) for u in value) or "–"
        return case_record.shown(value, None, names)

    return {
        "names": {p.key: p.name for p in engine().processes()},
        "action_label": labels.access_action_label,
        "when": when,
        "person": lambda username: case_record.actor_name(username, names),
        "participant_label": lambda key: str(PARTICIPANT[key]) if key in PARTICIPANT else key,
        "participant_value": participant_value,
        "data_label": lambda case, key: case_record.field_label(key, field(case, key), {}),
        "data_value": lambda case, key, value: case_record.shown(value, field(case, key), names),
    }
