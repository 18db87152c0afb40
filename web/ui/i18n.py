"""Swedish by default, English on request (Flask-Babel).

The message ids are the Swedish texts; ``web/translations/en`` holds the English catalog as a
``.po`` file, compiled into the instance folder when the app starts, so no binary is kept in git.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, session
from flask_babel import Babel
from markupsafe import Markup, escape

LANGUAGES = {"sv": "Svenska", "en": "English"}
SOURCE = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogs(target: Path) -> None:
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        out = target / po.relative_to(SOURCE).with_suffix(".mo")
        if out.exists() and out.stat().st_mtime >= po.stat().st_mtime:
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source:
            catalog = read_po(source)
        tmp = out.with_suffix(".mo.tmp")
        with tmp.open("wb") as sink:
            write_mo(sink, catalog)
        tmp.replace(out)


def locale() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "sv"


def init(app: Flask) -> None:
    target = Path(app.instance_path) / "translations"
    compile_catalogs(target)
    Babel(app, locale_selector=locale, default_locale="sv", default_timezone="Europe/Stockholm",
          default_translation_directories=str(target))
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_locale"] = locale
    app.jinja_env.filters["sv"] = in_swedish


def in_swedish(text: object) -> Markup:
    """A text from a model (a task's title, a field's label): Swedish, whatever the page's language,
    so on an English page it is marked as Swedish for screen readers (WCAG 3.1.2)."""
    if locale() == "sv":
        return escape(text)
    return Markup('<span lang="sv">{}</span>').format(text)
