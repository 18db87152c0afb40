"""The functions an expression may call: a whitelist, each one bounded in what it computes."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

from engine.errors import ExpressionFailed
from engine.language.expressions.limits import MAX_INT_BITS, MAX_ROUND_DIGITS, STOCKHOLM

# --- safe functions ------------------------------------------------------------------------------------


def type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _to_date(x: object) -> date:
    if isinstance(x, date):
        return x.date() if isinstance(x, datetime) else x
    if not isinstance(x, str):
        raise ExpressionFailed(f"date() needs text or a date, not {type_name(x)}")
    try:
        return date.fromisoformat(x) if len(x) == 10 else datetime.fromisoformat(x).date()
    except ValueError:
        raise ExpressionFailed(f"date({x!r}): expected a date like '2026-03-01'") from None


def _to_datetime(x: object) -> datetime:
    if isinstance(x, str):
        try:
            x = datetime.fromisoformat(x)
        except ValueError:
            raise ExpressionFailed(
                f"datetime({x!r}): expected a date and time like '2026-03-01T09:30'") from None
    elif isinstance(x, date) and not isinstance(x, datetime):
        x = datetime(x.year, x.month, x.day)
    if not isinstance(x, datetime):
        raise ExpressionFailed(f"datetime() needs text or a date, not {type_name(x)}")
    # Designers write Swedish local time; the engine stores and compares UTC.
    return (x if x.tzinfo else x.replace(tzinfo=STOCKHOLM)).astimezone(UTC)


def _date_or_datetime(x: object, helper: str) -> date:
    if isinstance(x, str):
        return _to_date(x) if len(x) == 10 else _to_datetime(x)
    if not isinstance(x, date):
        raise ExpressionFailed(f"{helper}() needs a date or a datetime, not {type_name(x)}")
    return x


def _duration(unit: str) -> Callable[[object], timedelta]:
    def duration(n: object) -> timedelta:
        if isinstance(n, bool) or not isinstance(n, int | float):
            raise ExpressionFailed(f"{unit}() needs a number, not {type_name(n)}")
        return timedelta(**{unit: n})

    return duration


def _add_days(d: object, n: object) -> date:
    return _date_or_datetime(d, "add_days") + _duration("days")(n)


def _add_months(d: object, n: object) -> date:
    start = _date_or_datetime(d, "add_months")
    if isinstance(n, bool) or not isinstance(n, int):
        raise ExpressionFailed(f"add_months() needs a whole number of months, not {type_name(n)}")
    year, month = divmod(start.year * 12 + start.month - 1 + n, 12)
    if not 1 <= year <= 9999:
        raise ExpressionFailed("add_months(): the result is outside the calendar")
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day)


def _iso(x: object) -> str:
    if isinstance(x, date):
        return x.isoformat()
    if not isinstance(x, timedelta):
        raise ExpressionFailed(f"iso() needs a date, a datetime or a duration, not {type_name(x)}")
    sign, x = ("-", -x) if x < timedelta(0) else ("", x)
    minutes, seconds = divmod(x.seconds, 60)
    second_text = f"{seconds}.{x.microseconds:06d}".rstrip("0") if x.microseconds else str(seconds)
    parts = ((minutes // 60, "H"), (minutes % 60, "M"), (second_text, "S"))
    clock = "".join(f"{value}{unit}" for value, unit in parts if value not in (0, "0"))
    return f"{sign}P" + (f"{x.days}D" if x.days or not clock else "") + (f"T{clock}" if clock else "")


def _sum(values: Iterable[object], start: object = 0) -> object:
    # A list start would let sum() concatenate past the size guards.
    if isinstance(start, bool) or not isinstance(start, int | float | timedelta):
        raise ExpressionFailed("sum() adds numbers or durations only; for durations write sum(x, days(0))")
    return sum(values, start)  # type: ignore[arg-type]


def _round(x: object, ndigits: object = None) -> object:
    # round(1, -10**8) builds 10**(10**8) first: minutes of CPU and gigabytes for one call.
    if ndigits is not None and (isinstance(ndigits, bool) or not isinstance(ndigits, int)
                                or abs(ndigits) > MAX_ROUND_DIGITS):
        raise ExpressionFailed(f"round(): the number of digits must be a whole number from "
                               f"-{MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS}")
    return round(x, ndigits)  # type: ignore[call-overload]


def _int(x: object = 0, base: object = None) -> int:
    # int('f' * 100_000, 16) gives a 400,000-bit number (the 4,300-digit limit is for base 10 only).
    if isinstance(x, str):
        digits = len(x.strip().lstrip("+-").replace("_", ""))
        bits_per_digit = 4 if base is None or base == 10 else max(1, int(base if isinstance(base, int) else 36)
                                                                   - 1).bit_length()
        if digits * bits_per_digit > MAX_INT_BITS + 64:
            raise ExpressionFailed(f"int(): a number of {digits} digits is too large")
        return int(x) if base is None else int(x, base)  # type: ignore[call-overload]
    if base is not None:
        raise ExpressionFailed("int(): a base is only allowed with text")
    return int(x)  # type: ignore[call-overload]


SAFE_FUNCTIONS: Mapping[str, Callable[..., object]] = MappingProxyType({
    "len": len, "min": min, "max": max, "abs": abs, "round": _round, "int": _int, "float": float, "str": str,
    "bool": bool, "sum": _sum, "any": any, "all": all, "sorted": sorted, "list": list, "set": set,
    "date": _to_date, "datetime": _to_datetime, "days": _duration("days"), "weeks": _duration("weeks"),
    "hours": _duration("hours"), "add_days": _add_days, "add_months": _add_months, "iso": _iso,
})

