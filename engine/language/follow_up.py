"""The follow-up's vocabulary: process properties ``uppfoljning.*`` (docs/modeling.md, "Uppföljning")
and what they say, read into :class:`~engine.views.followup.Indicators`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.views.followup import CATEGORIES, DEFAULT_AGE_BANDS, Indicators

PREFIX = "uppfoljning."
#: The properties naming a field of the case data, by the Indicators attribute each fills.
FIELDS = {
    "utfall": "outcome", "start": "start", "slut": "end", "kon": "gender", "fodelsear": "birth_year",
    "hemkommun": "municipality", "remitterande_myndighet": "authority", "kontaktperson": "contact",
    # a group start's case (Gemensamma taget's selection meeting): its date, proposals and selected
    "gruppstart": "group_start", "foreslagna": "proposed", "utvalda": "selected",
}
#: The property naming the participant journey whose figures a group start's case belongs to.
GROUP_OF = "insats"
#: The property naming the user task whose due date is the reply to the referrer, and the one of
#: the monthly contact with the referrer.
REPLY = "svar"
MONTHLY_CONTACT = "manadskontakt"
#: The plan's goals, in percent of the participations that ended (``mal_arbete`` …).
GOAL = "mal_"
AGE_BANDS = "aldersgrupper"
NAMES = {*FIELDS, *CATEGORIES, REPLY, MONTHLY_CONTACT, AGE_BANDS, GROUP_OF, *(GOAL + c for c in CATEGORIES)}
_BAND = re.compile(r"^\s*(\d{1,3})\s*-\s*(\d{1,3})\s*$")


def values(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def age_bands(text: str) -> tuple[tuple[int, int], ...] | None:
    """``18-30,31-64`` as ((18, 30), (31, 64)); None if it is not such a list of rising bands."""
    bands: list[tuple[int, int]] = []
    for part in text.split(","):
        match = _BAND.match(part)
        if not match:
            return None
        low, high = int(match.group(1)), int(match.group(2))
        if high < low or (bands and low <= bands[-1][1]):
            return None
        bands.append((low, high))
    return tuple(bands) or None


def indicators_from(properties: Mapping[str, str]) -> Indicators:
    """The indicators of a process's ``uppfoljning.*`` properties (names without the prefix);
    validation has refused what cannot be read, so anything else is left out."""
    found: dict[str, object] = {attr: (properties.get(name) or "").strip() or None for name, attr in FIELDS.items()}
    goals = {}
    for category in CATEGORIES:
        raw = (properties.get(GOAL + category) or "").strip()
        if raw.isdigit() and 0 <= int(raw) <= 100:
            goals[category] = int(raw)
    return Indicators(
        **found,  # type: ignore[arg-type]
        categories={c: values(properties[c]) for c in CATEGORIES if properties.get(c)},
        reply_task=(properties.get(REPLY) or "").strip() or None,
        contact_task=(properties.get(MONTHLY_CONTACT) or "").strip() or None,
        goals=goals,
        age_bands=age_bands(properties.get(AGE_BANDS) or "") or DEFAULT_AGE_BANDS,
        group_of=(properties.get(GROUP_OF) or "").strip() or None,
    )
