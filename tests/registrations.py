"""What registration records when a participant is registered in a shipped journey: the answers to
its start event's form (processes/*.bpmn), with birth year and gender as the personnummer gives them.
Tests start shipped journeys with these, as the registration page would."""

from __future__ import annotations

from typing import Any

SAMVERKANSTEAMET: dict[str, Any] = {
    "hemkommun": "Lindesberg",
    "remitterande_myndighet": "FK",
    "remittent": "Karin Ek, Försäkringskassan Lindesberg",
    "kon": "kvinna",
    "fodelsear": 2002,
    "samtycke_datum": "2026-01-05",
    "samtycke_omfattning": "Uppgifter om arbete och hälsa mellan FK, AF och kommunen",
}

GEMENSAMMA_TAGET: dict[str, Any] = {
    "hemkommun": "Umeå",
    "remitterande_myndighet": "AF",
    "remittent": "Jonas Lundh, Arbetsförmedlingen Umeå",
    "kon": "man",
    "fodelsear": 1986,
    "samtycke_datum": "2026-01-09",
    "samtycke_omfattning": "AF, FK, socialtjänsten och psykiatrin: utredningar och planering",
}

REGISTERED = {"samverkansteamet": SAMVERKANSTEAMET, "gemensamma_taget": GEMENSAMMA_TAGET}


def registered(process_key: str, **changes: Any) -> dict[str, Any]:
    """The start data of a case of ``process_key`` (empty for a process registration asks nothing of)."""
    return {**REGISTERED.get(process_key, {}), **changes}
