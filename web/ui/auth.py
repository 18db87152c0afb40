"""Signing in and out, and choosing the language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.accounts.sign_in import SignIn
from web.ui.i18n import LANGUAGES
from web.ui.oidc import sign_in_label
from web.ui.pages import accounts, forget_user, safe_next, start_session

blueprint = Blueprint("auth", __name__)


@blueprint.context_processor
def _single_sign_on() -> dict[str, str | None]:
    """The sign-in page's "Logga in med …" button, when the organisation's sign-in is configured."""
    return {"sso_label": sign_in_label()}


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    next_page = safe_next(request.values.get("next"), url_for("inbox.index"))
    if request.method != "POST":
        return render_template("login.html", next=next_page, username="", error=None, user=None)
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    result = SignIn(accounts()).attempt(username, password, request.remote_addr or "-")
    if result.user is None:
        if result.refused == "user":
            error = _("För många misslyckade inloggningar. Vänta en kvart och försök igen.")
        elif result.refused == "address":
            error = _("Många misslyckade inloggningar från din adress. Vänta några sekunder och försök igen.")
        else:
            error = _("Fel användarnamn eller lösenord.")
        status = 429 if result.throttled else 401
        return render_template("login.html", next=next_page, username=username, error=error, user=None), status
    start_session(result.user)
    return redirect(next_page)


@blueprint.post("/logout")
def logout() -> Response:
    """Sign out: the session ends in the database, so no copy of its cookie works any more."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        accounts().sessions.end(session_id)
    forget_user()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """What a browser asks for before it has read a page's icon link."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@blueprint.post("/language")
def language() -> Response:
    chosen = request.form.get("lang", "sv")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))
