"""The participant's consent to lift confidentiality between the authorities, as a case holds it.

Consent is case data under fixed names, like the participant's protection (docs/modeling.md,
"Samtycke"): a model that records consent uses these field ids, and the engine and the pages read
them the same way for every intervention:

- ``samtycke_datum`` — the day consent was given (a date);
- ``samtycke_omfattning`` — its scope (which authorities, which information);
- ``samtycke_giltigt_till`` — the last day it holds (a date; none: until revoked);
- ``samtycke_aterkallat_datum`` — the day it was revoked: recorded by the engine when the message
  ``samtycke_aterkallat`` reaches the case (or set by the model itself).

A consent that has lapsed (its last day is past) or been revoked is *withdrawn*: the case's
personal data is then shared no further — only admins and those who hand out the intervention's
work read the case (web/authz.py), and no mail about the person is sent
(engine/notifications/delivery.py, digest.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

GIVEN = "samtycke_datum"
SCOPE = "samtycke_omfattning"
VALID_UNTIL = "samtycke_giltigt_till"
REVOKED_ON = "samtycke_aterkallat_datum"
FIELDS = (GIVEN, SCOPE, VALID_UNTIL, REVOKED_ON)
#: The message that revokes consent: delivered to a case, it records the day in :data:`REVOKED_ON`
#: (unless the report gives that day itself).
REVOKED_MESSAGE = "samtycke_aterkallat"
#: From this many days before its last day, a consent is due for renewal.
RENEW_WITHIN_DAYS = 30


class ConsentStatus(StrEnum):
    #: The case records no consent (a referral waiting for it, or a model that does not record it).
    MISSING = "saknas"
    VALID = "giltigt"
    #: Valid, with its last day within :data:`RENEW_WITHIN_DAYS`.
    EXPIRING = "forfaller"
    LAPSED = "forfallet"
    REVOKED = "aterkallat"


@dataclass(frozen=True)
class Consent:
    status: ConsentStatus
    given: date | None = None
    scope: str | None = None
    valid_until: date | None = None
    revoked_on: date | None = None

    @property
    def withdrawn(self) -> bool:
        """Whether the case's data may no longer be shared: consent lapsed or revoked."""
        return self.status in (ConsentStatus.LAPSED, ConsentStatus.REVOKED)


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def consent_of(data: Mapping[str, Any] | None, today: date) -> Consent:
    """The consent ``data`` (a case's data) records, as it stands on ``today`` (Stockholm's day)."""
    data = data or {}
    given, valid_until, revoked_on = _day(data.get(GIVEN)), _day(data.get(VALID_UNTIL)), _day(data.get(REVOKED_ON))
    scope = str(data[SCOPE]) if data.get(SCOPE) not in (None, "") else None
    if revoked_on is not None:
        status = ConsentStatus.REVOKED
    elif valid_until is not None and valid_until < today:
        status = ConsentStatus.LAPSED
    elif given is None and valid_until is None:
        status = ConsentStatus.MISSING
    elif valid_until is not None and valid_until - today <= timedelta(days=RENEW_WITHIN_DAYS):
        status = ConsentStatus.EXPIRING
    else:
        status = ConsentStatus.VALID
    return Consent(status, given, scope, valid_until, revoked_on)


def withdrawn(data: Mapping[str, Any] | None, today: date) -> bool:
    """Whether the consent ``data`` records is withdrawn on ``today`` (see :class:`Consent`)."""
    return consent_of(data, today).withdrawn
