"""What registering a participant takes, checked the same way whichever door it comes through: the
registration page and ``POST /api/v1/cases`` both call :func:`check`.

Registration asks for the participant's name and personnummer, and for what the intervention's
model asks at its start (the start event's form, :class:`engine.views.Registration`): the home
municipality of the förbund's list, the referring authority, the referrer, consent … A field the
model marks as answered by the personnummer (``ur_personnummer``: birth year, birth date, legal
gender) is filled from it and never typed. The model's form is held to its rules by the engine when
the case starts; here the name and the personnummer are checked, a value that breaks a rule is
named with the reason, and nothing is started.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from engine.views import NAMED, PROTECTED, Form
from web import personnummer

#: Whether the participant's identity is protected (skyddade personuppgifter, ``PROTECTED``: the
#: participant's key ``skyddad``): the page's checkbox (``ja``) and the API's ``participant.skyddad`` (true).
#: The registration's own fields; the rest are the start form's, by their ids.
FIELDS = ("name", "personnummer", PROTECTED)
#: The start form's field that is the participant's home municipality (shown with the person).
MUNICIPALITY = "hemkommun"
#: The longest name.
MAX_NAME = 200
#: Control characters (NUL, escape …) have no place in a name.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Registration:
    """A registration that passed :func:`check`: what the case is started with."""

    process: str
    participant: dict[str, Any]
    personnummer: str
    data: dict[str, Any] = field(default_factory=dict)


def check(process: str, form: Form, values: Mapping[str, Any], *, today: date, municipality: Any = None,
          registrant: str | None = None) -> tuple[Registration | None, dict[str, str]]:
    """Check a registration in ``process``: ``values`` holds the name, the personnummer, whether
    the identity is protected and the start form's answers (missing or None where not given);
    ``municipality`` is the home municipality given beside the person (the API's
    ``participant.municipality``), used when the form's own field is not answered. A protected
    identity names ``registrant`` (who registers: they typed the name and number) as allowed to know
    it. Returns the registration, or None and a message per field."""
    errors: dict[str, str] = {}
    protected = values.get(PROTECTED)
    if protected not in (None, "", False, True, "ja"):
        errors[PROTECTED] = _("Svara ja eller lämna tomt.")
    name = values.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = _("Skriv deltagarens namn.")
    elif len(name.strip()) > MAX_NAME:
        errors["name"] = _("Högst %(n)s tecken.", n=MAX_NAME)
    elif _CONTROL.search(name):
        errors["name"] = _("Innehåller tecken som inte hör hemma i text.")
    number = ""
    raw_number = values.get("personnummer")
    try:
        if not isinstance(raw_number, str):
            raise ValueError(raw_number)
        number = personnummer.normalize(raw_number, today)
    except ValueError:
        errors["personnummer"] = _("Personnumret är inte giltigt. Skriv ÅÅÅÅMMDD-NNNN; kontrollsiffran måste stämma.")
    data = {f.id: values[f.id] for f in form.fields if values.get(f.id) is not None and not f.from_personnummer}
    if MUNICIPALITY not in data and form.field(MUNICIPALITY) is not None and municipality not in (None, ""):
        data[MUNICIPALITY] = municipality
    if errors:
        return None, errors
    for spec in form.fields:
        if spec.from_personnummer:
            data[spec.id] = answered_by(number, spec.from_personnummer)
    home = data.get(MUNICIPALITY, municipality)
    home_field = form.field(MUNICIPALITY)
    option = next((o for o in home_field.options if o.id == home), None) if home_field else None
    participant = {"name": str(name).strip(), "personnummer": number,
                   "municipality": option.label if option else (home or None)}
    if protected in (True, "ja"):
        participant |= {NAMED: [registrant] if registrant else [], PROTECTED: True}
    return Registration(process, participant, number, data), {}


def answered_by(number: str, answer: str) -> Any:
    """What a normalised personnummer (``YYYYMMDDNNNC``) says: ``fodelsear``, ``fodelsedatum`` or
    ``kon`` (the legal gender: the second last digit is odd for a man, even for a woman)."""
    if answer == "fodelsear":
        return int(number[:4])
    if answer == "fodelsedatum":
        day = int(number[6:8])
        return date(int(number[:4]), int(number[4:6]), day - 60 if day > 60 else day).isoformat()
    if answer == "kon":
        return "man" if int(number[10]) % 2 else "kvinna"
    raise ValueError(f"the personnummer does not answer {answer}")
