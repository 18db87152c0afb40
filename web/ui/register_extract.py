"""The register extract's page (``/registerutdrag``, GDPR art. 15), for admins: a personnummer in,
everything held about that person out, as JSON or as a printable page (no PDF library is a
dependency; the browser prints the page to PDF). The number is sent by POST (with the CSRF token),
so it reaches no address, no log of addresses and no history; every extract is in the access log."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from web.register_extract import extract, participant_key
from web.ui import labels
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
    names = {p.key: p.name for p in engine().processes()}
    return Response(render_template("register_extract_print.html", found=found, names=names,
                                    action_label=labels.access_action_label))
