"""The administrators' pages (``/admin``): users — list, create, edit roles and interventions (and
the roles held in one intervention only), deactivate and reactivate, a one-time link to set a
password — their API tokens (listed, revoked), and the role catalogue (``web/role_catalogue.py``:
the product's roles, the deployed journeys' candidate groups, and roles added here). Every change
is written to the audit log: who did what to whom, when (wall clock), with what changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput
from web import role_catalogue
from web.accounts.identity import GLOBAL_ROLES
from web.accounts.users import Account
from web.role_catalogue import Role
from web.ui import labels
from web.ui.pages import accounts, engine, me, page_context, require_admin, require_user, teamwork

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
blueprint.before_request(require_user)
blueprint.before_request(require_admin)
blueprint.context_processor(page_context)


def _audit(action: str, subject: str, details: Mapping[str, Any] | None = None) -> None:
    teamwork().audit(me().username, action, subject, accounts().clock.now(), "", details)


def _catalogue() -> list[Role]:
    return role_catalogue.catalogue(engine(), accounts())


def role_label(role: Role | str) -> str:
    return labels.role_label(role if isinstance(role, str) else role.name)


def _interventions() -> dict[str, str]:
    """Process key → name, of every deployed process: what a user's interventions are chosen from."""
    return {p.key: p.name for p in sorted(engine().processes(), key=lambda p: p.name)}


#: The prefix of the admin form's fields of roles held in one intervention only: ``insatsroller:<key>``.
SCOPED_FIELD = "insatsroller:"


def _scoped_roles(form: MultiDict[str, str]) -> dict[str, list[str]]:
    """The roles held in one intervention only, as the user's page posts them: process key → roles."""
    return {name[len(SCOPED_FIELD):]: form.getlist(name) for name in form if name.startswith(SCOPED_FIELD)}


def _form_context(account: Account | None, roles: Sequence[str], teams: Sequence[str],
                  errors: Mapping[str, str], values: Mapping[str, str],
                  scoped: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    catalogue = _catalogue()
    names = [r.name for r in catalogue]
    scoped = scoped or {}
    held = [*roles, *(r for rs in scoped.values() for r in rs)]
    extra = list(dict.fromkeys(r for r in held if r not in names))  # held, though no longer in the catalogue
    interventions = _interventions()
    for team in teams:
        interventions.setdefault(team, team)
    offered = [(r.name, role_label(r)) for r in catalogue] + [(r, r) for r in extra]
    return {"account": account, "catalogue": offered, "chosen_roles": set(roles), "interventions": interventions,
            "chosen_teams": set(teams), "errors": errors, "values": values,
            # What may be held in one intervention only: every role but the product-wide ones.
            "scoped_catalogue": [(name, label) for name, label in offered if name not in GLOBAL_ROLES],
            "scoped": {key: set(rs) for key, rs in scoped.items()},
            "saved_teams": [t for t in (account.teams if account else ()) if t in teams],
            "scoped_field": SCOPED_FIELD}


def _input_errors(error: InvalidInput) -> dict[str, str]:
    fields = error.details
    found: dict[str, str] = {}
    if "username" in fields:
        found["username"] = _("Användarnamnet får bara innehålla bokstäver, siffror, punkt, bindestreck och "
                              "understreck.")
    if "display_name" in fields:
        found["display_name"] = _("Ange ett namn (högst 200 tecken).")
    if "email" in fields:
        found["email"] = _("Ange en giltig e-postadress.")
    if "intervention_roles" in fields:
        found["teams"] = _("Rollerna admin, processdesigner, logggranskare och remittent gäller i alla "
                           "användarens insatser och kan inte ges i en enda insats.")
    elif "role" in fields:
        found["roles"] = _("Välj minst en roll ur katalogen.")
    return found or {"roles": _("Uppgifterna kunde inte sparas.")}


@blueprint.get("/users")
def users() -> str:
    every = accounts().accounts()
    interventions = _interventions()
    return render_template("admin/users.html", accounts=every, interventions=interventions,
                           held_roles=lambda account: _roles_shown(account, interventions))


def _roles_shown(account: Account, interventions: Mapping[str, str]) -> list[str]:
    """The user's roles as the list names them: those held in all their interventions, then each
    held in one only with the intervention's name ("Koordinator (Gemensamma taget)")."""
    return [role_label(r) for r in account.roles] + [
        _("%(role)s (%(intervention)s)", role=role_label(r), intervention=interventions.get(key, key))
        for key, held in sorted(account.intervention_roles.items()) for r in held]


def _held_roles(account: Account) -> list[str]:
    """Every role ``account`` holds anywhere: in all their interventions, or in some only."""
    return list(dict.fromkeys([*account.roles, *(r for rs in account.intervention_roles.values() for r in rs)]))


@blueprint.route("/users/new", methods=["GET", "POST"])
def new_user() -> Response | str | tuple[str, int]:
    form = request.form
    roles, teams = form.getlist("roles"), form.getlist("teams")
    values = {k: form.get(k, "").strip() for k in ("username", "display_name", "email")}
    if request.method != "POST":
        return render_template("admin/user_form.html", **_form_context(None, [], [], {}, values))
    errors: dict[str, str] = {}
    if not values["display_name"]:
        errors["display_name"] = _("Ange ett namn (högst 200 tecken).")
    if not errors:
        try:
            created = accounts().add_user(values["username"], roles, teams, None, values["display_name"],
                                          email=values["email"], known_roles=role_catalogue.role_names(
                                              engine(), accounts()))
        except InvalidInput as error:
            errors = _input_errors(error)
        except Conflict:
            errors = {"username": _("Det finns redan en användare med det användarnamnet.")}
        else:
            _audit("user.created", created.username, {"display_name": created.display_name, "email": created.email,
                                                      "roles": list(created.roles), "teams": list(created.teams)})
            return _reset_link(created.username, created=True)
    return render_template("admin/user_form.html", **_form_context(None, roles, teams, errors, values)), 400


@blueprint.get("/users/<username>")
def user(username: str) -> str:
    account = accounts().account(username)
    return _user_page(account, account.roles, account.teams, {}, {}, account.intervention_roles)


def _user_page(account: Account, roles: Sequence[str], teams: Sequence[str], errors: Mapping[str, str],
               values: Mapping[str, str], scoped: Mapping[str, Sequence[str]]) -> str:
    values = {"display_name": account.display_name, "email": account.email or "", **values}
    return render_template("admin/user_form.html", tokens=accounts().tokens.of_user(account.username),
                           bound=bool(accounts().oidc.bound_to(account.username)), now=accounts().clock.now(),
                           **_form_context(account, roles, teams, errors, values, scoped))


@blueprint.post("/users/<username>")
def save_user(username: str) -> Response | tuple[str, int]:
    account = accounts().account(username)
    form = request.form
    roles, teams = form.getlist("roles"), form.getlist("teams")
    scoped = _scoped_roles(form)
    values = {k: form.get(k, "").strip() for k in ("display_name", "email")}
    try:
        before, after = accounts().update_user(username, display_name=values["display_name"], email=values["email"],
                                               roles=roles, teams=teams, intervention_roles=scoped,
                                               known_roles=role_catalogue.role_names(engine(), accounts()))
    except InvalidInput as error:
        return _user_page(account, roles, teams, _input_errors(error), values, scoped), 400
    changes = {field: {"före": before_value, "efter": after_value}
               for field in ("display_name", "email", "roles", "teams", "intervention_roles")
               if (before_value := _plain(getattr(before, field))) != (after_value := _plain(getattr(after, field)))}
    if changes:
        _audit("user.changed", username, changes)
        flash(_("Ändringarna är sparade."), "success")
    else:
        flash(_("Inget ändrades."), "info")
    return redirect(url_for("admin.user", username=username))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: list(held) for key, held in sorted(value.items())}
    return list(value) if isinstance(value, tuple) else value


@blueprint.post("/users/<username>/active")
def set_active(username: str) -> Response:
    active = request.form.get("active") == "ja"
    if not active and username == me().username:
        flash(_("Du kan inte inaktivera dig själv."), "error")
        return redirect(url_for("admin.user", username=username))
    if accounts().set_active(username, active):
        _audit("user.activated" if active else "user.deactivated", username)
        flash(_("Kontot är aktivt igen.") if active else
              _("Kontot är inaktiverat: utloggat överallt, kan inte logga in och dess API-nycklar fungerar inte."),
              "success")
    return redirect(url_for("admin.user", username=username))


@blueprint.post("/users/<username>/reset")
def reset(username: str) -> Response | str | tuple[str, int]:
    return _reset_link(username, created=False)


def _reset_link(username: str, *, created: bool) -> Response | str | tuple[str, int]:
    account = accounts().account(username)
    if not account.active:
        flash(_("Ett inaktiverat konto kan inte få en länk. Aktivera det först."), "error")
        return redirect(url_for("admin.user", username=username))
    link = accounts().password_resets.issue(username, me().username)
    _audit("user.password_link", username, {"expires_at": link.expires_at.isoformat()})
    url = url_for("password_reset.choose", secret=link.secret, _external=True)
    return render_template("admin/reset_link.html", account=account, url=url, expires_at=link.expires_at,
                           created=created)


@blueprint.post("/users/<username>/tokens/<int:token_id>/revoke")
def revoke_token(username: str, token_id: int) -> Response:
    if accounts().tokens.revoke_id(username, token_id):  # NotFound (404) unless it is this user's
        _audit("token.revoked", username, {"token_id": token_id})
        flash(_("API-nyckeln är återkallad."), "success")
    return redirect(url_for("admin.user", username=username) + "#tokens")


@blueprint.route("/roles", methods=["GET", "POST"])
def roles() -> Response | str | tuple[str, int]:
    errors: dict[str, str] = {}
    values = {k: request.form.get(k, "").strip() for k in ("name", "label")}
    if request.method == "POST":
        try:
            added = accounts().added_roles.add(values["name"], values["label"], me().username, accounts().clock.now())
        except InvalidInput as error:
            if "name" in error.details:
                errors["name"] = _("Ett rollnamn skrivs med små bokstäver, siffror, bindestreck och understreck, "
                                   "som i processens kandidatgrupper.")
            else:
                errors["label"] = _("Ange rollens namn som folk säger det (högst 200 tecken).")
        except Conflict:
            errors["name"] = _("Rollen finns redan i katalogen.")
        else:
            _audit("role.added", added.name, {"label": added.label})
            flash(_("Rollen är tillagd i katalogen."), "success")
            return redirect(url_for("admin.roles"))
    catalogue = _catalogue()
    holders: dict[str, int] = {}
    for account in accounts().accounts():
        for role in _held_roles(account):
            holders[role] = holders.get(role, 0) + (1 if account.active else 0)
    page = render_template("admin/roles.html", catalogue=catalogue, role_name=role_label, holders=holders,
                           interventions=_interventions(), errors=errors, values=values)
    return (page, 400) if errors else page
