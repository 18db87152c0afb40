"""Security headers on every answer, CSRF on every form, and the session cookie's settings."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

#: Scripts only from our own files (no inline script, no eval). bpmn-js sets inline styles on the
#: diagram's SVG, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


#: A model file served by us never runs: not a document a browser renders (an XHTML ``<script>`` in a
#: BPMN file would run if served as XML), and sandboxed should anything render it all the same.
MODEL_FILE_POLICY = "sandbox; default-src 'none'"


def model_file(text: str, download_as: str | None = None) -> Response:
    """A BPMN or DMN file as an answer: plain text (bpmn-js reads it with ``fetch``), never sniffed,
    never rendered; ``download_as`` makes it an attachment with that name."""
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Security-Policy"] = MODEL_FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    if download_as:
        response.headers["Content-Disposition"] = f'attachment; filename="{download_as}"'
    return response


def init(app: Flask) -> None:
    # Flask's defaults are set already; ours apply unless the app's config chose otherwise.
    chosen = app.config.get("SECURITY_SETTINGS_CHOSEN", ())
    defaults = {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_NAME": "samverkan_session",
                "PERMANENT_SESSION_LIFETIME": timedelta(hours=8), "WTF_CSRF_TIME_LIMIT": 8 * 3600}
    app.config.update({k: v for k, v in defaults.items() if k not in chosen})
    csrf.init_app(app)

    from web.api import blueprint as api

    csrf.exempt(api)  # bearer tokens, no cookies

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not request.path.startswith("/static/"):
            # Pages and API answers hold personal data: never kept in a shared or browser cache.
            headers.setdefault("Cache-Control", "no-store")
        return response
