"""The staff who work the simulated cases: user names and their roles, as the demo has them, with
a second person in the roles that have several, so that user fields have a real choice."""

from __future__ import annotations

#: user name → roles. Every role a shipped journey's tasks name has at least one user.
STAFF: dict[str, tuple[str, ...]] = {
    "tove.teamledare": ("teamledare",),
    "tor.teamledare": ("teamledare",),
    "arvid.arbetscoach": ("arbetscoach",),
    "anna.arbetscoach": ("arbetscoach",),
    "elin.arbetsterapeut": ("arbetsterapeut",),
    "sam.sius": ("sius-konsulent",),
    "karin.koordinator": ("koordinator",),
    "kalle.koordinator": ("koordinator",),
    "hanna.handlaggare": ("handlaggare",),
    "henrik.handlaggare": ("handlaggare",),
    "axel.arbetsgivarkontakt": ("arbetsgivarkontakt",),
    "rasmus.rekrytering": ("rekryteringsgrupp",),
    "stina.styrgrupp": ("styrgrupp",),
}

#: Who refers the participants (starts the cases).
REFERRER = "rebecka.remittent"


def users_with(roles: tuple[str, ...] | list[str] | set[str] | frozenset[str]) -> list[str]:
    """The users holding at least one of the roles, in a fixed order; every user if no role is named."""
    wanted = set(roles)
    return sorted(u for u, held in STAFF.items() if not wanted or wanted & set(held))
