"""What the designer's pages share: the blueprint and its guard, the services, problems as JSON."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from engine.api import problem_message
from engine.errors import InvalidProcess, NotFound, Problem
from engine.sandbox import Sandboxes
from engine.views import ModelDiff, SourceFile
from web import authz
from web.designer.drafts import Draft, Drafts
from web.ui.i18n import locale
from web.ui.pages import engine, page_context, require_user

blueprint = Blueprint("designer", __name__, url_prefix="/design")
blueprint.context_processor(page_context)

#: The longest change note or migration note kept.
MAX_NOTE = 2000
#: Audit log subjects: one per process key.
SUBJECT = "process:{key}"
PUBLISHED = "process.published"
MIGRATED = "case.migrated"


#: What the places in a model that designers change most are called on the changes page.
PLACES = {
    "@name": _l("Namn"),
    "@camunda:dueDate": _l("Förfallodatum"),
    "@camunda:followUpDate": _l("Påminnelsedatum"),
    "@camunda:candidateGroups": _l("Roller (kandidatgrupper)"),
    "@camunda:candidateUsers": _l("Personer (kandidatanvändare)"),
    "@camunda:assignee": _l("Tilldelad"),
    "@camunda:decisionRef": _l("Beslutstabell"),
    "timerEventDefinition/timeDate": _l("Timer (tidpunkt)"),
    "timerEventDefinition/timeDuration": _l("Timer (varaktighet)"),
    "timerEventDefinition/timeCycle": _l("Timer (upprepning)"),
    "conditionExpression": _l("Villkor"),
    "calledVersion": _l("Anropad process"),
    "@sourceRef": _l("Flödet börjar i"),
    "@targetRef": _l("Flödet går till"),
    "@default": _l("Standardflöde"),
}


#: What the kinds of BPMN and DMN elements are called on the changes page.
ELEMENT_TYPES = {
    "process": _l("process"), "subProcess": _l("delprocess"), "transaction": _l("transaktion"),
    "task": _l("uppgift"), "userTask": _l("användaruppgift"), "manualTask": _l("manuell uppgift"),
    "businessRuleTask": _l("affärsregeluppgift"), "serviceTask": _l("tjänsteuppgift"),
    "scriptTask": _l("skriptuppgift"), "sendTask": _l("sänduppgift"), "receiveTask": _l("mottagaruppgift"),
    "callActivity": _l("anropsaktivitet"), "startEvent": _l("starthändelse"), "endEvent": _l("sluthändelse"),
    "intermediateCatchEvent": _l("mellanliggande händelse"), "intermediateThrowEvent": _l("mellanliggande händelse"),
    "boundaryEvent": _l("gränshändelse"), "exclusiveGateway": _l("exklusiv gateway"),
    "inclusiveGateway": _l("inkluderande gateway"), "parallelGateway": _l("parallell gateway"),
    "eventBasedGateway": _l("händelsebaserad gateway"), "complexGateway": _l("komplex gateway"),
    "sequenceFlow": _l("sekvensflöde"), "message": _l("meddelande"), "escalation": _l("eskalering"),
    "error": _l("fel"), "signal": _l("signal"), "textAnnotation": _l("kommentar"), "association": _l("association"),
    "dataObject": _l("dataobjekt"), "dataObjectReference": _l("dataobjekt"), "dataStoreReference": _l("datalager"),
    "lane": _l("simbana"), "laneSet": _l("simbanor"), "participant": _l("deltagare (pool)"),
    "decision": _l("beslut"), "decisionTable": _l("beslutstabell"), "rule": _l("regel"), "input": _l("indata"),
    "output": _l("utdata"), "inputData": _l("indata"), "knowledgeSource": _l("kunskapskälla"),
}


@blueprint.context_processor
def _designer_helpers() -> dict[str, Any]:
    return {"place_label": lambda where: str(PLACES.get(where, where)),
            "type_label": lambda kind: str(ELEMENT_TYPES.get(kind, kind))}


@blueprint.app_template_filter("problem_message")
def shown_message(problem: Problem) -> str:
    """A problem's message in the user's language (the engine writes English; the catalog has Swedish)."""
    return problem_message(problem, locale())


@blueprint.before_request
def _designers_only() -> Response | None:
    redirected = require_user()
    if redirected is not None:
        return redirected
    authz.require(g.user, authz.Action.DEPLOY)
    return None


def drafts() -> Drafts:
    return current_app.extensions["samverkan.drafts"]


def sandboxes() -> Sandboxes:
    return current_app.extensions["samverkan.sandboxes"]


def open_draft(draft_id: int) -> Draft:
    """A draft that can still be changed (published and discarded ones are kept for the record)."""
    draft = drafts().get(draft_id)
    if draft.status != "open":
        raise NotFound(f"draft {draft_id} is {draft.status}")
    return draft


def subject(key: str) -> str:
    return SUBJECT.format(key=key)


def element_id(label: str) -> str | None:
    """The element id in a problem's element label (``id "name"``); None for the document or deployment."""
    if not label or label.startswith("("):
        return None
    return label.split(" ", 1)[0]


def problems_json(problems: list[Problem], file: str | None = None) -> list[dict[str, Any]]:
    """Problems as the designer scripts take them, in the user's language. Problems of other files than
    ``file`` name their file in the message and no element (their ids are not in this diagram)."""
    out = []
    for p in problems:
        own = file is None or p.file == file
        message = shown_message(p)
        out.append({
            "file": p.file, "element": element_id(p.element) if own else None, "label": p.element,
            "message": message if own else f"{p.file}: {p.element}: {message}", "severity": p.severity,
        })
    return out


def check(draft: Draft, replaced: dict[str, str] | None = None) -> list[Problem]:
    """Every problem of the draft's files (with ``replaced`` file contents instead of the saved ones),
    including a process key that no longer matches the draft's."""
    files = draft.sources(replaced)
    problems = list(engine().validate(files))
    bpmn = next((f for f in files if f.name == draft.bpmn.name), None)
    if bpmn is not None and not any(p.severity == "error" and p.file == bpmn.name for p in problems):
        keys = process_keys(bpmn)
        if draft.process_key not in keys:
            problems.append(Problem(bpmn.name, "(document)", _(
                "processen måste ha id %(key)s (ett nytt id blir en ny process: ladda upp filen i stället)",
                key=draft.process_key)))
    return problems


def process_keys(source: SourceFile) -> tuple[str, ...]:
    """The ids of the executable processes in a BPMN file (none if it cannot be read)."""
    try:
        return engine().read_model(source.content, source.name).process_keys
    except InvalidProcess:
        return ()


def marks(diffs: Mapping[str, ModelDiff], bpmn_name: str | None) -> dict[str, list[str]]:
    """The element ids to mark on the two diagrams of a comparison (the BPMN file's changes)."""
    diff = diffs.get(bpmn_name or "")
    return {kind: diff.ids(kind) if diff else [] for kind in ("added", "removed", "changed")}


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def note_from(text: str | None) -> str | None:
    """A note as posted: stripped, at most MAX_NOTE characters; None (and a message) if empty."""
    note = (text or "").strip()
    if not note:
        flash(_("Skriv en ändringsanteckning: vad ändrades och varför."), "error")
        return None
    return note[:MAX_NOTE]


_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, kind: str) -> str:
    """A file name that is safe in a URL and a download: ASCII letters, digits, ``. _ -``, the kind's suffix."""
    base = _FILENAME.sub("_", Path(name or "").name).strip("._") or "modell"
    stem = base.rsplit(".", 1)[0] if base.lower().endswith((".bpmn", ".dmn", ".xml")) else base
    return f"{stem[:80]}.{kind}"
