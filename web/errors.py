"""The one place engine errors become HTTP answers.

JSON for the API: ``{"error": code, "message": text, "details": {...}}`` with 400/401/403/404/409/422, and
410 for a purged case (its tombstone in ``details``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    CaseNotStarted,
    Conflict,
    EngineError,
    InvalidFormData,
    InvalidInput,
    InvalidProcess,
    NotFound,
    StepFailed,
)

STATUS: tuple[tuple[type[EngineError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (InvalidFormData, 422),
    (InvalidProcess, 422),
    (InvalidInput, 422),
    (CaseNotStarted, 422),
    (StepFailed, 409),
)


class Forbidden(EngineError):
    """The user may not do this (or see this)."""

    code = "forbidden"


class CasePurged(EngineError):
    """The case's personal data was purged (gallring): 410 Gone with its tombstone
    (:class:`web.purged_cases.Tombstone`), for those who may know it was there."""

    code = "gone"

    def __init__(self, tombstone: Any) -> None:
        super().__init__(f"case {tombstone.id} was purged on {tombstone.purged_at.date().isoformat()}: "
                         "its personal data is gone")
        self.tombstone = tombstone


class Unauthorized(EngineError):
    code = "unauthorized"


class BadRequest(EngineError):
    """The request itself cannot be read (not JSON, NaN, nested past the parser)."""

    code = "bad_request"


def status_of(error: EngineError) -> int:
    if isinstance(error, Unauthorized):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, BadRequest):
        return 400
    if isinstance(error, CasePurged):
        return 410
    return next((status for cls, status in STATUS if isinstance(error, cls)), 400)


def details_of(error: EngineError) -> dict[str, Any]:
    if isinstance(error, InvalidFormData):
        return {"fields": error.fields}
    if isinstance(error, InvalidProcess):
        return {"problems": [{"file": p.file, "element": p.element, "message": p.message} for p in error.problems]}
    if isinstance(error, InvalidInput):
        return dict(error.details)
    if isinstance(error, StepFailed):
        return {"element": error.element, "incident": True}
    if isinstance(error, CaseNotStarted):
        return {"element": error.element}
    if isinstance(error, CasePurged):
        t = error.tombstone
        return {"id": t.id, "process": t.process_key, "status": t.status, "created_at": t.started_at.isoformat(),
                "closed_at": t.closed_at.isoformat() if t.closed_at else None, "purged_at": t.purged_at.isoformat()}
    return {}


def api_error(code: str, message: str, status: int, details: dict[str, Any] | None = None) -> Any:
    response = jsonify({"error": code, "message": message, "details": details or {}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def page_error(status: int) -> Any:
    """The page people see instead: in their language, never a stack trace or an engine id."""
    titles = {
        400: (_("Något blev fel i förfrågan"), _("Försök igen från föregående sida.")),
        403: (_("Du har inte behörighet"), _("Du saknar behörighet för det här. Kontakta din teamledare om du "
                                             "behöver den.")),
        404: (_("Hittades inte"), _("Sidan eller ärendet finns inte, eller så har du inte behörighet att se det.")),
        405: (_("Något blev fel i förfrågan"), _("Försök igen från föregående sida.")),
        409: (_("Någon annan hann före"), _("Ärendet har ändrats sedan du öppnade sidan. Ladda om och försök igen.")),
        413: (_("Filen är för stor"), _("Det du skickade är större än vad som tas emot.")),
        422: (_("Uppgifterna kunde inte tas emot"), _("Kontrollera det du skrev och försök igen.")),
        429: (_("För många försök"), _("Vänta en stund och försök igen.")),
    }
    title, message = titles.get(status, (_("Något gick fel"), _("Försök igen om en stund.")))
    return render_template("error.html", title=title, message=message, user=g.get("user")), status


def register(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def _engine_error(error: EngineError) -> Any:
        if not _wants_json() and isinstance(error, CasePurged):
            return render_template("purged_case.html", tombstone=error.tombstone, user=g.get("user")), 410
        if not _wants_json():
            return page_error(status_of(error))
        return api_error(error.code, error.message, status_of(error), details_of(error))

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        if _wants_json():
            return api_error("csrf", error.description, 400)
        title = _("Formuläret hade gått ut")
        message = _("Av säkerhetsskäl togs formuläret inte emot. Ladda om sidan och försök igen.")
        return render_template("error.html", title=title, message=message, user=g.get("user")), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if not _wants_json():
            return page_error(error.code or 500)
        code = (error.name or "error").lower().replace(" ", "_")
        return api_error(code, error.description or error.name, error.code or 500)
