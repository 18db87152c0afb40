"""Retention (gallring) settings from the environment.

``SAMVERKAN_GALLRING``: how many whole years after closing a closed case keeps its personal data,
per process key, with ``*`` for every process not named, e.g. ``*=2, ip_insats=5``. Unset or
empty: nothing is purged, ever (neither cases nor the access log). ``SAMVERKAN_GALLRING_LOGG``:
how many years the access log is kept (default and least: 5; less is refused).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.settings import LEAST_LOG_YEARS, RetentionSettings

_ENTRY = re.compile(r"\s*([A-Za-z_*][\w.-]*)\s*=\s*(\d{1,3})\s*\Z")


class SettingsError(ValueError):
    pass


def retention_from_env(env: Mapping[str, str]) -> RetentionSettings | None:
    """The retention, or None when ``SAMVERKAN_GALLRING`` is not set."""
    text = env.get("SAMVERKAN_GALLRING", "").strip()
    if not text:
        return None
    by_process: dict[str, int] = {}
    default: int | None = None
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        found = _ENTRY.match(part)
        if found is None:
            raise SettingsError(f"SAMVERKAN_GALLRING: {part.strip()!r} is not PROCESS=YEARS (or *=YEARS)")
        key, years = found.group(1), int(found.group(2))
        if key == "*":
            default = years
        else:
            by_process[key] = years
    log_text = env.get("SAMVERKAN_GALLRING_LOGG", "").strip() or str(LEAST_LOG_YEARS)
    if not log_text.isdigit():
        raise SettingsError(f"SAMVERKAN_GALLRING_LOGG must be a whole number of years, not {log_text!r}")
    try:
        return RetentionSettings(by_process, default, int(log_text))
    except ValueError as err:
        raise SettingsError(f"SAMVERKAN_GALLRING: {err}") from err
