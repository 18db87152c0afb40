"""Setting a new password through a one-time link an administrator made (``/losenord/<secret>``;
``accounts/password_resets.py``). No sign-in is needed: the link is the key, once, for a day."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, NotFound
from web.accounts.password_resets import MIN_LENGTH
from web.ui.pages import accounts, forget_user, teamwork

blueprint = Blueprint("password_reset", __name__)


@blueprint.route("/losenord/<secret>", methods=["GET", "POST"])
def choose(secret: str) -> Response | str | tuple[str, int]:
    username = accounts().password_resets.holder(secret)
    if username is None:
        return render_template("password_reset.html", secret=None, user=None, error=None, min_length=MIN_LENGTH), 404
    if request.method != "POST":
        return render_template("password_reset.html", secret=secret, user=None, error=None, min_length=MIN_LENGTH)
    password = request.form.get("password", "")
    error = None
    if password != request.form.get("repeated", ""):
        error = _("Lösenorden är inte lika.")
    else:
        try:
            accounts().password_resets.use(secret, password)
        except InvalidInput:
            error = _("Lösenordet behöver minst %(num)d tecken.", num=MIN_LENGTH)
        except NotFound:
            return render_template("password_reset.html", secret=None, user=None, error=None,
                                   min_length=MIN_LENGTH), 404
    if error is not None:
        return render_template("password_reset.html", secret=secret, user=None, error=error,
                               min_length=MIN_LENGTH), 400
    teamwork().audit(username, "user.password_set", username, accounts().clock.now(), "", {"through": "link"})
    forget_user()
    flash(_("Ditt lösenord är sparat. Logga in med det."), "success")
    return redirect(url_for("auth.login"))
