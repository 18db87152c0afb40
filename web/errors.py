"""The one place engine errors become HTTP answers.

JSON for the API: ``{"error": code, "message": text, "details": {...}}`` with 400/401/403/404/409/422.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from engine.errors import (
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
    (StepFailed, 409),
)


class Forbidden(EngineError):
    """The user may not do this (or see this)."""

    code = "forbidden"


class Unauthorized(EngineError):
    code = "unauthorized"


def status_of(error: EngineError) -> int:
    if isinstance(error, Unauthorized):
        return 401
    if isinstance(error, Forbidden):
        return 403
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
    return {}


def api_error(code: str, message: str, status: int, details: dict[str, Any] | None = None) -> Any:
    response = jsonify({"error": code, "message": message, "details": details or {}})
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def _engine_error(error: EngineError) -> Any:
        return api_error(error.code, error.message, status_of(error), details_of(error))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        code = (error.name or "error").lower().replace(" ", "_")
        return api_error(code, error.description or error.name, error.code or 500)
