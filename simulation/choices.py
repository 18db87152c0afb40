"""Valid random answers to a form, and the data a message carries.

Every answer is within what the form declares: an enum's options, a boolean, a whole number within
``min``/``max``, a date near the simulated day within ``min``/``max``, text within
``minlength``/``maxlength``, and for a field naming a user (``model.ProcessModel.user_fields``) a
real user of the right role. Fields that are not required are sometimes left out.

So that some cases live long and others end soon, each case has its own leaning: for every field
it has a favourite answer, chosen with probability :data:`LEANING`, and otherwise any valid answer.

A group deciding on each of many proposals (a yes-or-no field answered in every instance of one
multi-instance task, as the selection meeting's "Utvald till gruppstarten?") is selective, as
groups are: each instance says yes with probability :data:`GROUP_YES` / the number of instances,
so that about that many are chosen however many were proposed. A case's leaning would have every
instance answer alike (all yes, or nearly all no), which a group choosing 6–8 of 40 never does.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from engine.views import Form, FormField
from simulation import people
from simulation.model import ProcessModel

#: How often a case gives its favourite answer to a field rather than any valid one.
LEANING = 0.8
#: How often a number field takes a number the case already holds (within its bounds).
COPY_NUMBER = 0.5
#: How often a field that is not required is left out.
LEAVE_OUT = 0.2
#: Dates are chosen this many days around the simulated day (then kept within min/max).
DATE_BEFORE, DATE_AFTER = 14, 30
#: How many yes answers a group gives, on average, over the instances of one multi-instance task.
GROUP_YES = 7
#: Free text is at most this long unless the field's minlength asks for more.
TEXT_LENGTH = 80
_LETTERS = string.ascii_letters + "åäöÅÄÖ .,-"


class Chooser:
    """Answers for the forms of one case, drawn from its own ``random.Random``."""

    def __init__(self, rng: random.Random, model: ProcessModel) -> None:
        self.rng = rng
        self.model = model
        self._leaning: dict[str, Any] = {}

    def answers(self, form: Form, day: date, data: Mapping[str, Any] | None = None,
                instances: int = 1) -> dict[str, Any]:
        """A complete, valid submission of ``form`` on ``day``. A number is now and then one the case
        already holds (``data``), as staff copy a count they see on the case (within the bounds).
        ``instances``: how many instances of the multi-instance task this form is one of (1: none)."""
        self._numbers = sorted({v for v in (data or {}).values() if isinstance(v, int) and not isinstance(v, bool)})
        answers: dict[str, Any] = {}
        taken: set[str] = set()
        for spec in form.fields:
            if spec.readonly:
                continue
            if not spec.required and spec.type != "boolean" and self.rng.random() < LEAVE_OUT:
                continue
            if instances > 1 and spec.type == "boolean":
                value: Any = self.rng.random() < min(1.0, GROUP_YES / instances)
            else:
                value = self._leaning_value(spec, day, taken)
            answers[spec.id] = value
            if spec.id in self.model.user_fields:
                taken.add(value)
        return answers

    def _leaning_value(self, spec: FormField, day: date, taken: set[str]) -> Any:
        fresh = self.value(spec, day, taken)
        if spec.type not in ("enum", "boolean") and spec.id not in self.model.user_fields:
            return fresh  # a leaning only where the answer steers the journey
        if spec.id not in self._leaning:
            self._leaning[spec.id] = fresh
        favourite = self._leaning[spec.id]
        if self.rng.random() < LEANING and favourite not in taken:
            return favourite
        return fresh

    def value(self, spec: FormField, day: date, taken: set[str] = frozenset()) -> Any:  # type: ignore[assignment]
        """One valid value of a field."""
        rng = self.rng
        if spec.id in self.model.user_fields:
            users = people.users_with(self.model.user_fields[spec.id])
            return rng.choice([u for u in users if u not in taken] or users)
        if spec.type == "enum":
            return rng.choice(spec.options).id if spec.options else None
        if spec.type == "boolean":
            return rng.random() < 0.5
        if spec.type == "long":
            low = int(float(spec.min)) if spec.min is not None else 0
            high = max(low, int(float(spec.max)) if spec.max is not None else low + 100)
            seen = [n for n in getattr(self, "_numbers", []) if low <= n <= high]
            if seen and rng.random() < COPY_NUMBER:
                return rng.choice(seen)
            return rng.randint(low, high)
        if spec.type == "date":
            low_day, high_day = day - timedelta(days=DATE_BEFORE), day + timedelta(days=DATE_AFTER)
            first, last = _bound(spec.min, day), _bound(spec.max, day)
            if first is not None:
                low_day = max(low_day, first)
            if last is not None:
                high_day = min(high_day, last)
            if high_day < low_day:  # the window misses the bounds: the nearest bound
                low_day = high_day = first if first is not None else high_day
            return (low_day + timedelta(days=rng.randint(0, (high_day - low_day).days))).isoformat()
        return self.text(spec)

    def text(self, spec: FormField) -> str:
        low = max(spec.minlength or 0, 1 if spec.required else 0)
        high = max(low, min(spec.maxlength if spec.maxlength is not None else TEXT_LENGTH, TEXT_LENGTH))
        length = self.rng.randint(low, high)
        text = "".join(self.rng.choice(_LETTERS) for _ in range(length))
        if spec.required and not text.strip():  # blank text counts as missing
            text = "x" + text[1:]
        return text

    def message_data(self, name: str, day: date) -> dict[str, Any]:
        """What a reported message carries (the shipped journeys' messages; nothing for others)."""
        rng = self.rng
        if name == "urval_genomfort":
            data: dict[str, Any] = {"utvald": rng.random() < 0.7}
            if data["utvald"] or rng.random() < 0.5:
                data["gruppstart"] = (day + timedelta(days=rng.randint(0, 30))).isoformat()
            data["urval_motivering"] = "Urvalsmötets motivering"
            return data
        if name == "sjukskrivning_rapporterad":
            return {"sjukskriven_from": day.isoformat()}
        if name == "sjukskrivning_avslutad":
            return {"sjukskriven_tom": day.isoformat()}
        return {}


def _bound(text: str | None, day: date) -> date | None:
    """A date field's bound: an ISO date, or ``idag`` (the day it is answered)."""
    if text is None:
        return None
    return day if text == "idag" else date.fromisoformat(text)
