"""A draft in the editors (BPMN and DMN): its files, checking and saving while the designer works,
what changed, publishing as a new version, discarding."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from engine.errors import InvalidProcess, NotFound
from engine.views import SourceFile
from web import role_catalogue
from web.designer.common import (
    PUBLISHED,
    blueprint,
    check,
    drafts,
    errors_of,
    marks,
    note_from,
    open_draft,
    problems_json,
    safe_filename,
    sandboxes,
    subject,
)
from web.designer.drafts import Draft, DraftChanged
from web.ui.pages import accounts, engine, me, now, teamwork
from web.ui.security import model_file


def _compared_to(draft: Draft) -> tuple[int | None, list[SourceFile]]:
    """The version a draft is compared with and would follow: the newest of its process."""
    versions = engine().versions(draft.process_key)
    if not versions:
        return None, []
    latest = versions[-1].version
    return latest, engine().version_files(draft.process_key, latest)


@blueprint.get("/drafts/<int:draft_id>")
def editor(draft_id: int) -> str:
    draft = drafts().get(draft_id)
    problems = check(draft) if draft.status == "open" else []
    latest, _sources = _compared_to(draft)
    return render_template("designer/editor.html", draft=draft, problems=problems, errors=errors_of(problems),
                           latest=latest, roles=[role.name for role in role_catalogue.catalogue(engine(), accounts())
                                  if role.staff])


@blueprint.get("/drafts/<int:draft_id>/decisions/<name>")
def decision_editor(draft_id: int, name: str) -> str:
    draft = drafts().get(draft_id)
    file = draft.file(name)
    if file.kind != "dmn":
        raise NotFound(f"{name} is not a decision table of draft {draft_id}")
    return render_template("designer/decisions.html", draft=draft, file=file)


@blueprint.get("/drafts/<int:draft_id>/files/<name>")
def draft_file(draft_id: int, name: str) -> Response:
    draft = drafts().get(draft_id)
    file = draft.file(name)
    stem = safe_filename(name, file.kind).rsplit(".", 1)[0]
    return model_file(file.content, f"{stem}-utkast-{draft.id}.{file.kind}" if request.args.get("download") else None)


def _posted_xml(name: str) -> str:
    """The XML the editor posted, parsed safely; InvalidProcess if it is not a model at all."""
    return engine().read_model(request.get_data(cache=False), name).text


@blueprint.post("/drafts/<int:draft_id>/files/<name>/validate")
def validate(draft_id: int, name: str) -> tuple[Response, int]:
    """The engine's problems with the posted version of one file, checked with the draft's others."""
    draft = open_draft(draft_id)
    draft.file(name)
    try:
        problems = check(draft, {name: _posted_xml(name)})
    except InvalidProcess as refused:
        problems = list(refused.problems)
    return jsonify({"problems": problems_json(problems, name)}), 200


@blueprint.post("/drafts/<int:draft_id>/files/<name>")
def save(draft_id: int, name: str) -> tuple[Response, int]:
    """Save one file of the draft (even with problems: a draft may be unfinished)."""
    draft = open_draft(draft_id)
    draft.file(name)
    try:
        model = engine().read_model(request.get_data(cache=False), name)
        saved = drafts().save_file(draft.id, model, me().username, now(),
                                   opened_as=request.headers.get("X-Draft-Opened-As") or None)
    except InvalidProcess as refused:
        return jsonify({"message": _("Utkastet sparades inte: filen kunde inte läsas."),
                        "problems": problems_json(list(refused.problems), name)}), 422
    except DraftChanged as changed:
        when = format_datetime(changed.updated_at, "yyyy-MM-dd HH:mm")
        return jsonify({"message": _("Utkastet sparades inte: %(who)s sparade det %(when)s, efter att du öppnade det. "
                                     "Ladda om sidan för att se den versionen och gör dina ändringar där.",
                                     who=changed.updated_by, when=when)}), 409
    problems = check(saved)
    errors = errors_of(problems)
    message = (_("Utkastet är sparat. Rätta felen innan det kan publiceras.") if errors
               else _("Utkastet är sparat."))
    return jsonify({"message": message, "problems": problems_json(problems, name), "revision": saved.revision,
                    "opened_as": saved.file(name).tag}), 200


@blueprint.get("/drafts/<int:draft_id>/changes")
def draft_changes(draft_id: int) -> str:
    """What publishing the draft would change, against the newest version."""
    draft = drafts().get(draft_id)
    latest, sources = _compared_to(draft)
    new_url = url_for("designer.draft_file", draft_id=draft.id, name=draft.bpmn.name)
    old_url = None
    if latest is not None:
        name = next((s.name for s in sources if not s.name.lower().endswith(".dmn")), None)
        old_url = url_for("designer.version_file", key=draft.process_key, version=latest, name=name) if name else None
    diffs = engine().compare(sources, draft.sources(), key=draft.process_key, old_version=latest)
    return render_template(
        "designer/changes.html", key=draft.process_key, draft=draft,
        title_from=_("version %(n)s", n=latest) if latest else _("ingen version"),
        title_to=_("utkastet"), diffs=diffs, marks=marks(diffs, draft.bpmn.name), old_url=old_url, new_url=new_url,
        back=url_for("designer.editor", draft_id=draft.id),
    )


@blueprint.post("/drafts/<int:draft_id>/publish")
def publish(draft_id: int) -> WerkzeugResponse:
    """The draft as the process's next version, with a change note; refused while it has errors."""
    draft = open_draft(draft_id)
    back = redirect(url_for("designer.editor", draft_id=draft.id), code=303)
    note = note_from(request.form.get("note"))
    if note is None:
        return back
    if errors_of(check(draft)):
        flash(_("Modellen har fel och kan inte publiceras. Rätta felen i listan först."), "error")
        return back
    latest, sources = _compared_to(draft)
    diffs = engine().compare(sources, draft.sources(), key=draft.process_key, old_version=latest)
    if latest is not None and _by_name(sources) == _by_name(draft.sources()) and not diffs:
        # (the same files may still call a newer version of a fragment: then diffs says so)
        flash(_("Utkastet är likadant som version %(n)s: det finns inget att publicera.", n=latest), "info")
        return back
    try:
        published = engine().deploy(draft.sources(), me().username)
    except InvalidProcess:
        flash(_("Modellen har fel och kan inte publiceras. Rätta felen i listan först."), "error")
        return back
    version = next(v for v in published if v.key == draft.process_key)
    drafts().mark_published(draft.id, version.version, me().username, now())
    teamwork().audit(me().username, PUBLISHED, subject(draft.process_key), now(), note, {
        "version": version.version, "from_version": latest, "draft": draft.id,
        "added": sum(len(d.added) for d in diffs.values()), "removed": sum(len(d.removed) for d in diffs.values()),
        "changed": sum(len(d.changed) for d in diffs.values()),
    })
    sandboxes().discard(draft.sandbox_name)
    flash(_("Version %(n)s är publicerad. Nya ärenden startar på den; pågående ärenden ligger kvar på sin version.",
            n=version.version), "success")
    return redirect(url_for("designer.process", key=draft.process_key), code=303)


@blueprint.post("/drafts/<int:draft_id>/discard")
def discard(draft_id: int) -> WerkzeugResponse | str:
    draft = open_draft(draft_id)
    if request.form.get("confirmed") != "ja":  # a draft's work is gone for good: asked first
        return render_template(
            "confirm.html", question=_("Kasta utkast %(id)s av %(key)s?", id=draft.id, key=draft.process_key),
            lines=[_("Senast sparat %(at)s av %(who)s.", at=draft.updated_at.strftime("%Y-%m-%d %H:%M"),
                     who=draft.updated_by),
                   _("Utkastet och dess sandlåda tas bort. Publicerade versioner påverkas inte.")],
            action=url_for("designer.discard", draft_id=draft.id), fields=[], confirm_label=_("Ja, kasta utkastet"),
            danger=True, back=url_for("designer.editor", draft_id=draft.id),
            back_label=_("Utkast %(id)s av %(key)s", id=draft.id, key=draft.process_key))
    drafts().discard(draft.id, me().username, now())
    sandboxes().discard(draft.sandbox_name)
    flash(_("Utkastet är kastat."), "success")
    target = (url_for("designer.process", key=draft.process_key) if engine().versions(draft.process_key)
              else url_for("designer.index"))
    return redirect(target, code=303)


def _by_name(sources: list[SourceFile]) -> dict[str, bytes]:
    return {s.name: s.content for s in sources}
