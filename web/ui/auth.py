"""Signing in and out, and choosing the language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.accounts.sign_in import SignIn
from web.ui.i18n import LANGUAGES
from web.ui.pages import accounts, safe_next

blueprint = Blueprint("auth", __name__)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    next_page = safe_next(request.values.get("next"), url_for("inbox.index"))
    if request.method != "POST":
        return render_template("login.html", next=next_page, username="", error=None, user=None)
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    result = SignIn(accounts()).attempt(username, password, request.remote_addr or "-")
    if result.user is None:
        error = (_("För många misslyckade inloggningar. Vänta en kvart och försök igen.") if result.throttled
                 else _("Fel användarnamn eller lösenord."))
        status = 429 if result.throttled else 401
        return render_template("login.html", next=next_page, username=username, error=error, user=None), status
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: nothing carried over from before
    session.permanent = True
    session["user"] = result.user.username
    if lang:
        session["lang"] = lang
    return redirect(next_page)


@blueprint.post("/logout")
def logout() -> Response:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@blueprint.post("/language")
def language() -> Response:
    chosen = request.form.get("lang", "sv")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))
