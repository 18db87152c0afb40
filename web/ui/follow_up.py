"""The follow-up page (``/uppfoljning``): the figures a förbund reports for a period — participants
referred, started, active and ended, split by gender, age band, home municipality and referring
authority; outcomes against the plan's goals; time in the intervention; replies in time; caseload
per contact person; month by month; the Uppföljning Finsam table — with charts, and every table as
CSV and all of them as one XLSX.

For the steering group, team leaders, coordinators (each for their own interventions) and admins
(``followup.read``); small counts are hidden from whoever may not see them exactly
(``authz.exact_figures``). The figures are aggregates and read no case, so nothing goes to the
access log (which is per case); each export is recorded in the audit log instead: who took which
figures out, of which period, exact or not."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from web import authz
from web.errors import Forbidden
from web.ui import follow_up_export as export
from web.ui.follow_up_charts import charts
from web.ui.follow_up_query import ALL, FILTERS, KINDS, STEERING_VIEW, Asked, Query, parse
from web.ui.follow_up_report import Hidden, Labels, Report, build, filter_options, labels_for
from web.ui.pages import accounts, engine, me, now, page_context, require_user, teamwork

blueprint = Blueprint("follow_up", __name__, url_prefix="/uppfoljning")
blueprint.before_request(require_user)
blueprint.context_processor(page_context)

EXPORTED = "followup.exported"


@blueprint.app_template_global()
def follows_up(user: Any) -> bool:
    """The main menu's link, for those the page is for."""
    return authz.follows_up(user)


@blueprint.before_request
def for_those_who_follow_up() -> None:
    if not authz.follows_up(me()):
        raise Forbidden(f"{me().username} may not {authz.Action.READ_FOLLOW_UP.value}")


def _filter_name(name: str) -> str:
    return {"kon": _("Kön"), "aldersgrupp": _("Åldersgrupp"), "kommun": _("Hemkommun"),
            "myndighet": _("Remitterande myndighet")}[name]


def _asked() -> tuple[list[str], Labels, dict[str, list[tuple[str, str]]], Query | None, Asked]:
    """The reader's interventions, the labels and filter choices of those asked about, and the query."""
    scope = authz.followed_up(me(), engine().follow_up.reported())
    choice = request.args.get("insats") or (ALL if len(scope) > 1 else "")
    keys = [choice] if choice in scope else scope
    labels = labels_for(engine(), keys)
    options = filter_options(labels)
    query, asked = parse(request.args, scope, {n: [v for v, _label in c] for n, c in options.items()}, now().date())
    return scope, labels, options, query, asked


def _report(query: Query, labels: Labels) -> Report:
    exact = authz.exact_figures(me(), query.process_keys) and not query.steering_view
    return build(engine(), query, labels, exact, accounts().display_names)


def shown(value: Any) -> str:
    """A table's value on the page: hidden ones as "<5", none as "–", decimals in the reader's language."""
    if isinstance(value, Hidden):
        return value.text
    if value is None:
        return "–"
    if isinstance(value, float):
        return str(format_decimal(value, format="#,##0.0"))
    if isinstance(value, int):
        return str(format_decimal(value, format="#,##0"))
    return str(value)


@blueprint.get("")
def index() -> tuple[str, int]:
    scope, labels, options, query, asked = _asked()
    report = _report(query, labels) if query is not None and scope else None
    names = {p.key: p.name for p in engine().processes()}
    return render_template(
        "follow_up.html", scope=scope, names=names, options=options, asked=asked, query=query, report=report,
        charts=charts(report) if report else {}, shown=shown, kinds=KINDS, all_choice=ALL,
        filter_names={n: _filter_name(n) for n in FILTERS}, may_see_exact=bool(
            query and authz.exact_figures(me(), query.process_keys)), steering_view=STEERING_VIEW,
        definitions=export.definitions(), rule=export.small_counts_rule(report.exact) if report else "",
        filters_said=_filters_said(query, options) if query else [],
    ), (400 if asked.errors and scope else 200)


def _filters_said(query: Query, options: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    said = []
    for name, attribute in FILTERS.items():
        value = getattr(query.filters, attribute)
        if value is not None:
            said.append((_filter_name(name), dict(options[name]).get(value, value)))
    return said


def _export_ready() -> tuple[Query, Report, dict[str, list[tuple[str, str]]]]:
    """The query and its report in Swedish (the exports' language), or the page with its errors."""
    scope, labels, options, query, _asked_form = _asked()
    if query is None or not scope:
        abort(Response(index()[0], status=400))
    with force_locale("sv"):
        report = _report(query, labels)
        options = filter_options(labels)
    return query, report, options


def _file_name(query: Query, extension: str) -> str:
    choice = re.sub(r"[^A-Za-z0-9_-]", "_", query.choice)
    return f"uppfoljning_{choice}_{query.first.isoformat()}_{query.last.isoformat()}.{extension}"


def _audit(query: Query, report: Report, what: str) -> None:
    teamwork().audit(me().username, EXPORTED, f"uppfoljning:{query.choice}", now(), what, {
        "processes": list(query.process_keys), "first": query.first.isoformat(), "last": query.last.isoformat(),
        "filters": {n: getattr(query.filters, a) for n, a in FILTERS.items() if getattr(query.filters, a)},
        "exact": report.exact})


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/rapport.xlsx")
def xlsx() -> Response:
    query, report, options = _export_ready()
    with force_locale("sv"):
        filters = _filters_said(query, options) or [(_("Filter"), _("Inga"))]
        names = {p.key: p.name for p in engine().processes()}
        about = export.about(report, names, filters, now(), me().display_name)
        body = export.xlsx(report, about)
    _audit(query, report, "xlsx")
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _file_name(query, "xlsx"))


@blueprint.get("/<table>.csv")
def csv(table: str) -> Response:
    query, report, options = _export_ready()
    with force_locale("sv"):
        if table == "om":
            filters = _filters_said(query, options) or [(_("Filter"), _("Inga"))]
            names = {p.key: p.name for p in engine().processes()}
            body = export.csv_text((_("Uppgift"), _("Värde")), export.about(report, names, filters, now(),
                                                                       me().display_name))
        elif table in report.tables:
            body = export.csv_text(report.tables[table].columns, report.tables[table].rows)
        else:
            abort(404)
    _audit(query, report, f"csv {table}")
    return _download(body, "text/csv", _file_name(query, f"{table}.csv"))
