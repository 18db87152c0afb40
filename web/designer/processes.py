"""The process list, a process's page (versions, drafts, audit log), downloads, new drafts, uploads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from engine.errors import InvalidProcess, NotFound
from engine.views import ModelFile, ProcessVersion, SourceFile
from web.designer.common import (
    PUBLISHED,
    blueprint,
    drafts,
    marks,
    safe_filename,
    subject,
)
from web.designer.drafts import DraftFile
from web.ui.pages import engine, me, now, teamwork
from web.ui.security import model_file

#: Uploads: at most this many files (a BPMN file and the DMN files it uses).
MAX_UPLOAD_FILES = 10


@blueprint.get("/")
def index() -> str:
    processes = engine().processes()
    counts = {p.key: sum(engine().open_case_counts(p.key).values()) for p in processes}
    open_drafts = drafts().open_drafts()
    return render_template("designer/index.html", processes=processes, counts=counts, drafts=open_drafts)


def _versions(key: str) -> list[ProcessVersion]:
    found = engine().versions(key)
    if not found:
        raise NotFound(f"process {key} is not deployed")
    return found


@blueprint.get("/processes/<key>")
def process(key: str) -> str:
    versions = _versions(key)
    counts = engine().open_case_counts(key)
    log = teamwork().audit_log(subject=subject(key))
    notes: dict[int, Any] = {}
    for entry in log:
        if entry.action == PUBLISHED and isinstance(entry.details.get("version"), int):
            notes.setdefault(entry.details["version"], entry)
    latest = versions[-1]
    behind = sum(n for v, n in counts.items() if v < latest.version)
    # What each version's call activities call, fixed when it was deployed (docs/modeling.md).
    calls = {v.version: engine().calls(key, v.version) for v in versions}
    automatic = next((s for s in engine().automatic_starts() if s.process_key == key), None)
    return render_template("designer/process.html", key=key, versions=list(reversed(versions)), latest=latest,
                           counts=counts, notes=notes, log=log, drafts=drafts().of_process(key), behind=behind,
                           calls=calls, automatic=automatic)


@blueprint.get("/processes/<key>/versions/<int:version>/files/<name>")
def version_file(key: str, version: int, name: str) -> Response:
    """A deployed version's file; ``?download=1`` as an attachment (what Camunda Modeler opens)."""
    source = next((s for s in engine().version_files(key, version) if s.name == name), None)
    if source is None:
        raise NotFound(f"process {key} version {version} has no file {name}")
    kind = "dmn" if name.lower().endswith(".dmn") else "bpmn"
    stem = safe_filename(name, kind).rsplit(".", 1)[0]
    return model_file(source.text, f"{stem}-v{version}.{kind}" if request.args.get("download") else None)


@blueprint.get("/processes/<key>/versions/<int:version>.bpmn")
def version_bpmn(key: str, version: int) -> Response:
    """The BPMN file of a version, as a download (what Camunda Modeler opens)."""
    stem = safe_filename(key, "bpmn").rsplit(".", 1)[0]
    return model_file(engine().process_xml(key, version), f"{stem}-v{version}.bpmn")


@blueprint.get("/processes/<key>/versions/<int:version>/changes")
def version_changes(key: str, version: int) -> str:
    """What changed from the version before to this one."""
    if version < 2:
        raise NotFound(f"version {version} of {key} has no version before it")
    old = engine().version_files(key, version - 1)
    new = engine().version_files(key, version)
    diffs = engine().compare(old, new, key=key, old_version=version - 1, new_version=version)
    return render_template(
        "designer/changes.html", key=key, title_from=_("version %(n)s", n=version - 1),
        title_to=_("version %(n)s", n=version), diffs=diffs, marks=marks(diffs, _bpmn_name(new)),
        old_url=_bpmn_url(key, version - 1, old), new_url=_bpmn_url(key, version, new),
        back=url_for("designer.process", key=key),
    )


def _bpmn_name(sources: list[SourceFile]) -> str | None:
    return next((s.name for s in sources if not s.name.lower().endswith(".dmn")), None)


def _bpmn_url(key: str, version: int, sources: list[SourceFile]) -> str | None:
    name = _bpmn_name(sources)
    return url_for("designer.version_file", key=key, version=version, name=name) if name else None


@blueprint.post("/processes/<key>/drafts")
def new_draft(key: str) -> WerkzeugResponse:
    """A draft of ``key`` made from one of its versions (the newest if none is named)."""
    versions = _versions(key)
    try:
        version = int(request.form.get("version") or versions[-1].version)
    except ValueError:
        version = versions[-1].version
    files = [DraftFile.of(engine().read_model(s.content, s.name)) for s in engine().version_files(key, version)]
    draft = drafts().create(key, version, files, me().username, now())
    flash(_("Ett utkast från version %(n)s är skapat. Inget som körs påverkas förrän det publiceras.", n=version),
          "success")
    return redirect(url_for("designer.editor", draft_id=draft.id))


@blueprint.post("/upload")
def upload() -> WerkzeugResponse | tuple[str, int]:
    """A .bpmn made in Camunda Modeler (or another tool), with its .dmn files, as a new draft."""
    uploaded = [f for f in request.files.getlist("file") if f and f.filename][:MAX_UPLOAD_FILES]
    if not uploaded:
        flash(_("Välj en .bpmn-fil att ladda upp."), "error")
        return redirect(url_for("designer.index"))
    models: list[ModelFile] = []
    try:
        for item in uploaded:
            model = engine().read_model(item.read(), item.filename or "upload")
            models.append(replace(model, name=safe_filename(item.filename or "", model.kind)))
    except InvalidProcess as refused:
        return _refused(refused.problems)
    files = [DraftFile.of(m) for m in models]
    bpmn = [m for m in models if m.kind == "bpmn"]
    keys = bpmn[0].process_keys if len(bpmn) == 1 else ()
    if len(bpmn) != 1 or len(keys) != 1:
        flash(_("Ladda upp precis en .bpmn-fil med precis en körbar process (isExecutable), och de .dmn-filer "
                "den använder."), "error")
        return redirect(url_for("designer.index"))
    key = keys[0]
    versions = engine().versions(key)
    base = versions[-1].version if versions else None
    if base is not None:
        files = _as_files_of(models, engine().version_files(key, base))
    draft = drafts().create(key, base, files, me().username, now())
    if base is None:
        flash(_("Ett utkast till den nya processen %(key)s är skapat.", key=key), "success")
    else:
        flash(_("Filen är uppladdad som ett utkast till %(key)s (från version %(n)s).", key=key, n=base), "success")
    return redirect(url_for("designer.editor", draft_id=draft.id))


def _as_files_of(uploaded: list[ModelFile], base: list[SourceFile]) -> list[DraftFile]:
    """Uploaded files as the new content of the version's files: the BPMN file keeps its name, a
    decision file the name of the one with the same decisions; decision files the upload does not
    bring are taken from the version as they are."""
    base_files = [engine().read_model(s.content, s.name) for s in base]
    base_bpmn = next((f for f in base_files if f.kind == "bpmn"), None)
    decided = {f.name: f.decision_ids for f in base_files if f.kind == "dmn"}
    files: list[DraftFile] = []
    for file in uploaded:
        name = file.name
        if file.kind == "bpmn" and base_bpmn is not None:
            name = base_bpmn.name
        elif file.kind == "dmn":
            name = next((n for n, ids in decided.items() if ids and ids == file.decision_ids), name)
        files.append(DraftFile.of(file, name))
    names = {f.name for f in files}
    return files + [DraftFile.of(f) for f in base_files if f.kind == "dmn" and f.name not in names]


def _refused(problems: tuple[Any, ...]) -> tuple[str, int]:
    flash(_("Filen kunde inte läsas och sparades inte."), "error")
    processes = engine().processes()
    counts = {p.key: sum(engine().open_case_counts(p.key).values()) for p in processes}
    return render_template("designer/index.html", processes=processes, counts=counts, drafts=drafts().open_drafts(),
                           upload_problems=problems), 422
