"""Open cases and new versions: which could move, a dry run case by case, and the move itself."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from engine.errors import NotFound
from web.designer.common import MAX_NOTE, MIGRATED, blueprint, note_from, subject
from web.ui.pages import engine, me, now, teamwork

#: How many cases one move may take (each is its own transaction).
MAX_CASES = 500


def _target(key: str) -> int:
    """The version cases move to: the one asked for, else the newest."""
    versions = engine().versions(key)
    if not versions:
        raise NotFound(f"process {key} is not deployed")
    numbers = [v.version for v in versions]
    try:
        wanted = int(request.values.get("version") or numbers[-1])
    except ValueError:
        wanted = numbers[-1]
    if wanted not in numbers:
        raise NotFound(f"process {key} has no version {wanted}")
    return wanted


def _chosen() -> list[str]:
    return list(dict.fromkeys(c for c in request.form.getlist("case") if c))[:MAX_CASES]


@blueprint.get("/processes/<key>/migration")
def migration(key: str) -> str:
    version = _target(key)
    candidates = engine().migration.candidates(key, version)
    return render_template("designer/migration.html", key=key, version=version, candidates=candidates)


@blueprint.post("/processes/<key>/migration/dry-run")
def dry_run(key: str) -> str | Response:
    version = _target(key)
    chosen = _chosen()
    if not chosen:
        flash(_("Välj minst ett ärende att flytta."), "error")
        return redirect(url_for("designer.migration", key=key, version=version), code=303)
    outcomes = engine().migration.dry_run(key, version, chosen)
    return render_template("designer/migration_dry_run.html", key=key, version=version, outcomes=outcomes,
                           movable=[o.case_id for o in outcomes if o.moved], max_note=MAX_NOTE)


@blueprint.post("/processes/<key>/migration")
def migrate(key: str) -> Response:
    version = _target(key)
    chosen = _chosen()
    note = note_from(request.form.get("note"))
    if not chosen or note is None:
        if not chosen:
            flash(_("Välj minst ett ärende att flytta."), "error")
        return redirect(url_for("designer.migration", key=key, version=version), code=303)
    outcomes = engine().migration.migrate(key, version, chosen, me().username, note)
    moved = [o for o in outcomes if o.moved]
    for outcome in moved:
        teamwork().audit(me().username, MIGRATED, subject(key), now(), note, {
            "case_id": outcome.case_id, "from_version": outcome.from_version, "to_version": outcome.to_version,
            "changed_tasks": list(outcome.changed_tasks), "recomputed_timers": list(outcome.recomputed_timers),
        })
    if moved:
        flash(ngettext("%(num)d ärende flyttades till version %(v)s.", "%(num)d ärenden flyttades till version %(v)s.",
                       len(moved), v=version), "success")
    left = len(outcomes) - len(moved)
    if left:
        flash(ngettext("%(num)d ärende kunde inte flyttas och ligger kvar på sin version.",
                       "%(num)d ärenden kunde inte flyttas och ligger kvar på sina versioner.", left), "error")
    return redirect(url_for("designer.process", key=key), code=303)
