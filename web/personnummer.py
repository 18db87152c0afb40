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


#: A search for a person by number: the digits typed (a '-' or '+' and spaces allowed between them).
_SEARCH = re.compile(r"^[0-9][0-9 +-]*[0-9]$")


def search_pattern(text: str) -> str | None:
    """What a search by number means, as a pattern over the normalised ``YYYYMMDDNNNC`` (``_``: any
    one digit): the whole number (12 or 10 digits), its last four digits, or the birth date
    (``YYYYMMDD`` or ``YYMMDD``). None for text that is not one of these (a name, or a number of
    another length)."""
    text = text.strip()
    if not _SEARCH.match(text):
        return None
    digits = re.sub(r"[ +-]", "", text)
    return {12: digits, 10: "__" + digits, 8: digits + "____", 6: "__" + digits + "____",
            4: "________" + digits}.get(len(digits))


def is_whole_number(text: str) -> bool:
    """Whether a search names one person's whole number (10 or 12 digits): such a search is not put
    into the page's own links (sorting, paging), so that it reaches no address but the one the
    search form sent."""
    pattern = search_pattern(text)
    return pattern is not None and "_" not in pattern[2:]
