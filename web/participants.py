"""What registering a participant takes, checked the same way whichever door it comes through: the
registration page and ``POST /api/v1/cases`` both call :func:`check`.

The page asks for everything; the API must give the process, the name and the personnummer, and
whatever else it gives is held to the same rules: a municipality of the förbund, a referring
authority of the list, a consent date that is a real day and not in the future, text without
control characters and of a sensible length. A value that breaks a rule is named with the
reason; nothing is started.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from web import personnummer

#: The municipalities of the förbund (Norra Örebro län).
MUNICIPALITIES = ("Lindesberg", "Hällefors", "Nora", "Ljusnarsberg")
#: The authorities that refer participants.
REFERRERS = ("Arbetsförmedlingen", "Försäkringskassan", "Kommunen (socialtjänst)", "Regionen (hälso- och sjukvård)")
#: The registration's fields, and the case data each becomes.
CASE_DATA = {
    "referrer_authority": "remitterande_myndighet",
    "referrer_officer": "remitterande_handlaggare",
    "consent_date": "samtycke_datum",
    "consent_scope": "samtycke_omfattning",
}
FIELDS = ("process", "name", "personnummer", "municipality", *CASE_DATA)
#: The longest name, and the longest of any other text field.
MAX_NAME = 200
MAX_TEXT = 2000
#: Control characters (NUL, escape …) have no place in a name or a note of consent.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Registration:
    """A registration that passed :func:`check`: what the case is started with."""

    process: str
    participant: dict[str, Any]
    personnummer: str
    data: dict[str, Any] = field(default_factory=dict)


def check(values: Mapping[str, Any], *, today: date, startable: set[str], complete: bool
          ) -> tuple[Registration | None, dict[str, str]]:
    """Check a registration's ``values`` (keys of :data:`FIELDS`, missing or None where not given).
    With ``complete`` every field is required (the page); otherwise the process, the name and the
    personnummer are (the API). Returns the registration, or None and a message per field."""
    errors: dict[str, str] = {}

    def text(key: str, limit: int) -> str:
        value = values.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            errors[key] = _("Ska vara text.")
            return ""
        value = value.strip()
        if len(value) > limit:
            errors[key] = _("Högst %(n)s tecken.", n=limit)
        elif _CONTROL.search(value):
            errors[key] = _("Innehåller tecken som inte hör hemma i text.")
        return value

    process = text("process", MAX_NAME)
    if process not in startable:
        errors["process"] = _("Välj en insats.")
    name = text("name", MAX_NAME)
    if not name and "name" not in errors:
        errors["name"] = _("Skriv deltagarens namn.")
    number = ""
    raw_number = text("personnummer", 20)
    if "personnummer" not in errors:
        try:
            number = personnummer.normalize(raw_number, today)
        except ValueError:
            errors["personnummer"] = _("Personnumret är inte giltigt. Skriv ÅÅÅÅMMDD-NNNN; kontrollsiffran måste "
                                       "stämma.")
    municipality = text("municipality", MAX_NAME)
    if (municipality or complete) and municipality not in MUNICIPALITIES and "municipality" not in errors:
        errors["municipality"] = _("Välj hemkommun.")
    authority = text("referrer_authority", MAX_NAME)
    if (authority or complete) and authority not in REFERRERS and "referrer_authority" not in errors:
        errors["referrer_authority"] = _("Välj remitterande myndighet.")
    officer = text("referrer_officer", MAX_NAME)
    if complete and not officer and "referrer_officer" not in errors:
        errors["referrer_officer"] = _("Skriv remitterande handläggare.")
    consent = text("consent_date", 10)
    if (consent or complete) and "consent_date" not in errors:
        try:
            if date.fromisoformat(consent) > today:
                errors["consent_date"] = _("Samtycket kan inte vara givet i framtiden.")
        except ValueError:
            errors["consent_date"] = _("Skriv datum för samtycket (ÅÅÅÅ-MM-DD).")
    scope = text("consent_scope", MAX_TEXT)
    if complete and not scope and "consent_scope" not in errors:
        errors["consent_scope"] = _("Beskriv vad samtycket omfattar.")
    if errors:
        return None, errors
    given = {"referrer_authority": authority, "referrer_officer": officer, "consent_date": consent,
             "consent_scope": scope}
    data = {CASE_DATA[key]: value for key, value in given.items() if value}
    return Registration(process, {"name": name, "personnummer": number, "municipality": municipality or None},
                        number, data), {}
