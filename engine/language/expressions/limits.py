"""How much an expression may be, do and build: the limits every check and evaluation keeps."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from zoneinfo import ZoneInfo

MAX_LENGTH = 5_000
MAX_DEPTH = 50
MAX_SIZE = 100_000  # heaviest value an expression may build (weight: cells, shared parts counted each time)
MAX_INT_BITS = 64_000  # ~19 000 digits; products and divisions are charged digits x digits besides
MAX_WORK = 1_000_000  # nodes evaluated plus the weights of operands (~0.5 s); stops loops over big data
MAX_ROUND_DIGITS = 100  # round(x, n): |n| at most this
#: All the expressions one change of one case evaluates, together (see :func:`allowance`): a loop of
#: automatic steps evaluates a condition each time round, up to runtime.MAX_STEPS (10,000) times.
MAX_STEP_WORK = 5 * MAX_WORK
STOCKHOLM = ZoneInfo("Europe/Stockholm")

CONSTANTS: Mapping[str, object] = MappingProxyType({"true": True, "false": False, "null": None})
RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, LookupError)

