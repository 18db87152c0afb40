"""Swedish personal identity numbers: format, date and check digit (the Luhn algorithm)."""

from __future__ import annotations

import re
from datetime import date

_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


def normalize(text: str, today: date) -> str:
    """``YYYYMMDDNNNC`` for a valid personnummer (10 or 12 digits, with or without '-' or '+');
    raises ValueError with a Swedish message otherwise. Samordningsnummer (day + 60) are accepted."""
    match = _PATTERN.match((text or "").strip().replace(" ", ""))
    if not match:
        raise ValueError("personnumret ska skrivas ÅÅÅÅMMDD-NNNN")
    century, yy, mm, dd, sign, serial, check = match.groups()
    day = int(dd) - 60 if int(dd) > 60 else int(dd)
    if century is None:
        year = 2000 + int(yy)
        if year > today.year:
            year -= 100
        if sign == "+":
            year -= 100
    else:
        year = int(century + yy)
    try:
        born = date(year, int(mm), day)
    except ValueError as err:
        raise ValueError("personnumret innehåller inget giltigt datum") from err
    if born > today:
        raise ValueError("personnumret ligger i framtiden")
    if check_digit(f"{yy}{mm}{dd}{serial}") != int(check):
        raise ValueError("kontrollsiffran stämmer inte")
    return f"{year:04d}{mm}{dd}{serial}{check}"


def check_digit(digits: str) -> int:
    """The Luhn check digit of the nine digits YYMMDDNNN."""
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def shown(normalized: str) -> str:
    """``YYYYMMDD-NNNN``, the whole number as people write it (for those allowed to see it)."""
    return f"{normalized[:8]}-{normalized[8:]}" if len(normalized) == 12 else normalized


def masked(normalized: str) -> str:
    """``YYYYMMDD-****`` for people who do not need the whole number."""
    return f"{normalized[:8]}-****" if len(normalized) == 12 else "****"
