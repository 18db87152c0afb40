"""Safe evaluation of the expressions found in uploaded BPMN/DMN files.

Gateway conditions, timer expressions and DMN cells are written by process designers, so they are
untrusted: the text is parsed with :mod:`ast`, checked against a whitelist, and interpreted node by
node here. Nothing is ever handed to ``eval``/``exec``/``compile``. Besides the whitelist, every
evaluation has a work budget and a size cap, so a short expression cannot tie up a worker.
"""

from __future__ import annotations

import ast
import builtins
import calendar
import functools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from engine.errors import EngineError, ExpressionFailed, ExpressionRejected

MAX_LENGTH = 5_000
MAX_DEPTH = 50
MAX_SIZE = 100_000  # longest str/list/tuple an expression may build
MAX_INT_BITS = 64_000  # ~19 000 digits; big-int multiplication is the one arithmetic CPU sink left
MAX_WORK = 1_000_000  # nodes evaluated plus lengths scanned (~0.5 s); stops loops over big data
STOCKHOLM = ZoneInfo("Europe/Stockholm")

_CONSTANTS: Mapping[str, object] = MappingProxyType({"true": True, "false": False, "null": None})
_RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, LookupError)
_SIZED = (str, list, tuple, dict, set, frozenset)

# --- normalize -----------------------------------------------------------------------------------------

_STRING = r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*\""""
_BRACE_OR_STRING = re.compile(rf"{_STRING}|[{{}}]")
_JUEL_TOKEN = re.compile(rf"({_STRING})|&&|\|\||!(?!=)|(?<![.\w])(?:null|true|false)(?!\w)")
_JUEL_WORDS = {"&&": " and ", "||": " or ", "!": " not ", "null": "None", "true": "True", "false": "False"}


def normalize(expression: str) -> str:
    """Strip whitespace and unwrap a Camunda/JUEL ``${ … }`` or ``#{ … }`` around the whole text.

    Inside such a wrapper ``&&``, ``||``, ``!`` (not ``!=``), ``null``, ``true`` and ``false`` become
    their Python spellings, never inside string literals. Other text is returned stripped, unchanged.
    """
    text = expression.strip()
    if text[:2] in ("${", "#{") and _wrapper_end(text) == len(text):
        return _JUEL_TOKEN.sub(lambda m: m[1] or _JUEL_WORDS[m[0]], text[2:-1]).strip()
    return text


def _wrapper_end(text: str) -> int:
    """End of the brace group opened at index 1, so that ``${a} + ${b}`` is not taken as one wrapper."""
    depth = 0
    for match in _BRACE_OR_STRING.finditer(text, 1):
        depth += {"{": 1, "}": -1}.get(match[0], 0)
        if depth == 0:
            return match.end()
    return -1


# --- check ---------------------------------------------------------------------------------------------

_OPERATORS: dict[type, tuple[str, Callable[[Any, Any], object]]] = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv), ast.FloorDiv: ("//", operator.floordiv), ast.Mod: ("%", operator.mod),
}
_COMPARISONS: dict[type, tuple[str, Callable[[Any, Any], object]]] = {
    ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne), ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le), ast.Gt: (">", operator.gt), ast.GtE: (">=", operator.ge),
    ast.Is: ("is", operator.is_), ast.IsNot: ("is not", operator.is_not),
    ast.In: ("in", lambda a, b: a in b), ast.NotIn: ("not in", lambda a, b: a not in b),
}
_REJECTED_OPERATORS: dict[type, str] = {ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                                         ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~"}
_CONVERSIONS: dict[int, Callable[[object], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}
_DATE_ATTRIBUTES = frozenset({"year", "month", "day", "weekday", "isoformat"})
# First isinstance match wins, so datetime must come before its base class date.
_ATTRIBUTES: tuple[tuple[type | tuple[type, ...], frozenset[str]], ...] = (
    (str, frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
                     "replace", "capitalize", "title", "isdigit", "count", "join"})),
    (Mapping, frozenset({"get", "keys", "values", "items"})),
    ((list, tuple), frozenset({"count", "index"})),
    (datetime, _DATE_ATTRIBUTES | {"date", "hour", "minute"}),
    (date, _DATE_ATTRIBUTES),
    (timedelta, frozenset({"days", "seconds", "total_seconds"})),
)
_ATTRIBUTE_NAMES = frozenset().union(*(names for _, names in _ATTRIBUTES))
_ALLOWED_NODES = (ast.Expression, ast.Constant, ast.Name, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.BoolOp,
                  ast.Compare, ast.UnaryOp, ast.BinOp, ast.IfExp, ast.Subscript, ast.Slice, ast.JoinedStr,
                  ast.FormattedValue, ast.Call, ast.keyword, ast.Attribute, ast.ListComp, ast.GeneratorExp,
                  ast.comprehension)
_OPERATOR_NODES = (ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context)
_NODE_WORDS = {ast.Lambda: "lambda", ast.NamedExpr: "':='", ast.Starred: "'*' unpacking", ast.Await: "await",
               ast.Yield: "yield", ast.YieldFrom: "yield", ast.SetComp: "a set comprehension",
               ast.DictComp: "a dict comprehension"}


def check(expression: str) -> None:
    """Raise :class:`ExpressionRejected` unless ``expression`` uses only the allowed constructs.

    The parse and the check are cached on the normalized text, since they run on every evaluation.
    """
    _tree(expression)


def _tree(expression: object) -> ast.Expression:
    if not isinstance(expression, str):
        raise ExpressionRejected("an expression must be text")
    if len(expression.strip()) > MAX_LENGTH:
        raise ExpressionRejected(
            f"expression is too long ({len(expression.strip())} characters, at most {MAX_LENGTH})")
    return _parse(normalize(expression))


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> ast.Expression:
    if not text:
        raise ExpressionRejected("expression is empty")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionRejected(f"syntax error at column {exc.offset or 0}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError) as exc:
        problem = "it contains a null character" if isinstance(exc, ValueError) else "it is nested too deeply"
        raise ExpressionRejected(f"expression cannot be read: {problem}") from None
    _check_node(tree, 0)
    return tree


def _check_node(node: ast.AST, depth: int) -> None:
    # Kinds of node are refused on the way down, details on the way up so the innermost
    # (and leftmost) problem is reported: `().__class__.__base__` names '__class__'.
    if depth > MAX_DEPTH:
        raise ExpressionRejected(f"expression is nested too deeply (more than {MAX_DEPTH} levels)")
    if type(node) in _NODE_WORDS:
        raise ExpressionRejected(f"{_NODE_WORDS[type(node)]} is not allowed")
    if not isinstance(node, _ALLOWED_NODES):
        raise ExpressionRejected(f"{type(node).__name__} is not allowed in an expression")
    called = node.func if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
    # Engine helpers are only known at run time, but a Python builtin outside the whitelist never is one.
    if called and (called.id.startswith("_")
                   or (hasattr(builtins, called.id) and called.id not in SAFE_FUNCTIONS)):
        raise ExpressionRejected(f"function '{called.id}' is not allowed")
    for child in ast.iter_child_nodes(node):
        if child is not called and not isinstance(child, _OPERATOR_NODES):
            _check_node(child, depth + 1)
    symbol = _REJECTED_OPERATORS.get(type(getattr(node, "op", None)))
    if symbol:
        raise ExpressionRejected(f"operator '{symbol}' is not allowed")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExpressionRejected(f"name '{node.id}' is not allowed")
    if isinstance(node, ast.Attribute) and node.attr not in _ATTRIBUTE_NAMES:
        raise ExpressionRejected(f"attribute '{node.attr}' is not allowed")
    if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | None):
        raise ExpressionRejected(f"{type(node.value).__name__} values are not allowed")
    if isinstance(node, ast.Call) and not isinstance(node.func, ast.Name | ast.Attribute):
        raise ExpressionRejected("only named functions and methods can be called")
    if isinstance(node, ast.keyword) and node.arg is None:
        raise ExpressionRejected("'**' unpacking is not allowed")
    if isinstance(node, ast.Dict) and None in node.keys:
        raise ExpressionRejected("'**' unpacking is not allowed")
    if isinstance(node, ast.comprehension):
        targets = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
        if node.is_async or not all(isinstance(t, ast.Name) for t in targets):
            raise ExpressionRejected("a loop variable must be a plain name")


# --- safe functions ------------------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _to_date(x: object) -> date:
    if isinstance(x, date):
        return x.date() if isinstance(x, datetime) else x
    if not isinstance(x, str):
        raise ExpressionFailed(f"date() needs text or a date, not {_type_name(x)}")
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
        raise ExpressionFailed(f"datetime() needs text or a date, not {_type_name(x)}")
    # Designers write Swedish local time; the engine stores and compares UTC.
    return (x if x.tzinfo else x.replace(tzinfo=STOCKHOLM)).astimezone(UTC)


def _date_or_datetime(x: object, helper: str) -> date:
    if isinstance(x, str):
        return _to_date(x) if len(x) == 10 else _to_datetime(x)
    if not isinstance(x, date):
        raise ExpressionFailed(f"{helper}() needs a date or a datetime, not {_type_name(x)}")
    return x


def _duration(unit: str) -> Callable[[object], timedelta]:
    def duration(n: object) -> timedelta:
        if isinstance(n, bool) or not isinstance(n, int | float):
            raise ExpressionFailed(f"{unit}() needs a number, not {_type_name(n)}")
        return timedelta(**{unit: n})

    return duration


def _add_days(d: object, n: object) -> date:
    return _date_or_datetime(d, "add_days") + _duration("days")(n)


def _add_months(d: object, n: object) -> date:
    start = _date_or_datetime(d, "add_months")
    if isinstance(n, bool) or not isinstance(n, int):
        raise ExpressionFailed(f"add_months() needs a whole number of months, not {_type_name(n)}")
    year, month = divmod(start.year * 12 + start.month - 1 + n, 12)
    if not 1 <= year <= 9999:
        raise ExpressionFailed("add_months(): the result is outside the calendar")
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day)


def _iso(x: object) -> str:
    if isinstance(x, date):
        return x.isoformat()
    if not isinstance(x, timedelta):
        raise ExpressionFailed(f"iso() needs a date, a datetime or a duration, not {_type_name(x)}")
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


SAFE_FUNCTIONS: Mapping[str, Callable[..., object]] = MappingProxyType({
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "int": int, "float": float, "str": str,
    "bool": bool, "sum": _sum, "any": any, "all": all, "sorted": sorted, "list": list, "set": set,
    "date": _to_date, "datetime": _to_datetime, "days": _duration("days"), "weeks": _duration("weeks"),
    "hours": _duration("hours"), "add_days": _add_days, "add_months": _add_months, "iso": _iso,
})

# --- evaluate ------------------------------------------------------------------------------------------

Scope = dict[str, object]


def _size(value: object) -> int:
    return len(value) if isinstance(value, _SIZED) else 0


def _scan_cost(value: object) -> int:
    # Hashed containers are looked up, not scanned, so only sequences cost their length.
    return len(value) if isinstance(value, str | list | tuple) else 0


def _limit_size(size: int, what: str) -> None:
    if size > MAX_SIZE:
        raise ExpressionFailed(f"{what} would build a value of {size} items (at most {MAX_SIZE})")


class _Method:
    """A whitelisted method bound to its object: the only callable an attribute can yield."""

    __slots__ = ("bound", "charge", "name", "owner")

    def __init__(self, owner: object, name: str, charge: Callable[[int], None]) -> None:
        self.owner, self.name, self.bound, self.charge = owner, name, getattr(owner, name), charge

    def __repr__(self) -> str:
        return f"<method {self.name} of {_type_name(self.owner)}>"

    def __call__(self, *args: Any, **kwargs: Any) -> object:
        # Charged per call, not per call site: passed as sorted(key=…) it runs once per item.
        self.charge(_scan_cost(self.owner))
        # join and replace are the whitelisted methods whose result can dwarf their input.
        if isinstance(self.owner, str) and self.name == "join" and args:
            parts = list(args[0])
            _limit_size(sum(map(_size, parts)) + len(self.owner) * max(len(parts) - 1, 0), "join()")
            args = (parts, *args[1:])
        if isinstance(self.owner, str) and self.name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            if isinstance(old, str) and isinstance(new, str):
                hits = self.owner.count(old) if old else len(self.owner) + 1
                _limit_size(len(self.owner) + hits * (len(new) - len(old)), "replace()")
        return self.bound(*args, **kwargs)


def evaluate(
    expression: str, data: Mapping[str, object], functions: Mapping[str, Callable[..., object]] | None = None
) -> object:
    """Check ``expression``, then interpret it against ``data`` and return its value.

    Names resolve from ``true``/``false``/``null``, loop variables, ``data``, ``functions`` (helpers the
    engine supplies, such as ``now``) and :data:`SAFE_FUNCTIONS`; only the last two can ever be called.
    Raises :class:`ExpressionRejected` for a construct that is not allowed and
    :class:`ExpressionFailed` when an allowed expression fails at run time. A generator expression at
    the top level is returned as a list.
    """
    tree = _tree(expression)
    evaluator = _Evaluator(data, functions or {})
    try:
        result = evaluator.eval(tree.body, {})
        return _collect_list(result, "generator expression") if isinstance(result, Iterator) else result
    except EngineError:
        raise
    except _RUNTIME_ERRORS as exc:  # safety net: expected failures are explained where they happen
        raise ExpressionFailed(f"expression failed: {exc}") from None


@contextmanager
def _explained(errors: type[Exception] | tuple[type[Exception], ...], message: str,
               detail: bool = False) -> Iterator[None]:
    """Turn a Python error from an operation into an ExpressionFailed a designer can read."""
    try:
        yield
    except errors as exc:
        raise ExpressionFailed(f"{message}: {exc}" if detail else message) from None


def _collect_list(values: Iterator[object], what: str) -> list[object]:
    result = []
    for value in values:
        result.append(value)
        _limit_size(len(result), what)
    return result


class _Evaluator:
    def __init__(self, data: Mapping[str, object], functions: Mapping[str, Callable[..., object]]) -> None:
        self.data, self.functions, self.work = data, functions, 0
        self.known_callables = {id(f) for f in (*SAFE_FUNCTIONS.values(), *functions.values())}
        self.handlers: dict[type, Callable[[Any, Scope], object]] = {
            ast.Constant: lambda node, scope: node.value,
            ast.Name: self.name,
            ast.List: self.items,
            ast.Tuple: lambda node, scope: tuple(self.items(node, scope)),
            ast.Set: self.set_display,
            ast.Dict: self.dict_display,
            ast.BoolOp: self.bool_op,
            ast.UnaryOp: self.unary_op,
            ast.BinOp: self.bin_op,
            ast.Compare: self.compare,
            ast.IfExp: lambda node, scope: self.eval(
                node.body if self.eval(node.test, scope) else node.orelse, scope),
            ast.Subscript: self.subscript,
            ast.Slice: lambda node, scope: slice(
                *(p if p is None else self.eval(p, scope) for p in (node.lower, node.upper, node.step))),
            ast.JoinedStr: self.joined_str,
            ast.FormattedValue: self.formatted_value,
            ast.Attribute: self.attribute,
            ast.Call: self.call,
            ast.ListComp: lambda node, scope: _collect_list(self.comprehension(node, scope), "list"),
            ast.GeneratorExp: self.comprehension,
        }

    def charge(self, amount: int) -> None:
        self.work += amount
        if self.work > MAX_WORK:
            raise ExpressionFailed("expression needs too much work and was stopped")

    def eval(self, node: ast.AST, scope: Scope) -> Any:
        self.charge(1)
        handler = self.handlers.get(type(node))
        if handler is None:  # unreachable after check(); here so a gap can never fall through to Python
            raise ExpressionRejected(f"{type(node).__name__} is not allowed in an expression")
        return handler(node, scope)

    def items(self, node: ast.List | ast.Tuple | ast.Set, scope: Scope) -> list[object]:
        return [self.eval(element, scope) for element in node.elts]

    def set_display(self, node: ast.Set, scope: Scope) -> object:
        values = self.items(node, scope)
        with _explained(TypeError, "set", detail=True):
            return set(values)

    def dict_display(self, node: ast.Dict, scope: Scope) -> object:
        keys = [self.eval(k, scope) for k in node.keys]  # type: ignore[arg-type]
        values = [self.eval(v, scope) for v in node.values]
        with _explained(TypeError, "dict", detail=True):
            return dict(zip(keys, values, strict=True))

    def name(self, node: ast.Name, scope: Scope) -> object:
        for source in (_CONSTANTS, scope, self.data, self.functions, SAFE_FUNCTIONS):
            if node.id in source:
                return source[node.id]
        raise ExpressionFailed(f"unknown name '{node.id}'")

    def bool_op(self, node: ast.BoolOp, scope: Scope) -> object:
        value: object = None
        for operand in node.values:
            value = self.eval(operand, scope)
            if bool(value) is isinstance(node.op, ast.Or):  # `or` stops at truthy, `and` at falsy
                return value
        return value

    def unary_op(self, node: ast.UnaryOp, scope: Scope) -> object:
        value = self.eval(node.operand, scope)
        if isinstance(node.op, ast.Not):
            return not value
        with _explained(TypeError, f"cannot use a sign on {_type_name(value)}"):
            return -value if isinstance(node.op, ast.USub) else +value

    def bin_op(self, node: ast.BinOp, scope: Scope) -> object:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        symbol, function = _OPERATORS[type(node.op)]
        self.charge(_scan_cost(left) + _scan_cost(right))
        if symbol == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int):
                    _limit_size(len(seq) * max(n, 0), f"repeating {_type_name(seq)} {n} times")
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise ExpressionFailed("'*' would give a number that is too large")
        if symbol == "+" and isinstance(left, _SIZED) and isinstance(right, _SIZED):
            _limit_size(len(left) + len(right), "'+'")
        if symbol == "%" and isinstance(left, str):  # printf widths are another way to build huge text
            raise ExpressionFailed("'%' formatting of text is not allowed; use an f-string")
        try:
            result = function(left, right)
        except ZeroDivisionError:
            raise ExpressionFailed("division by zero") from None
        except OverflowError:
            raise ExpressionFailed(f"'{symbol}' gives a number or a date out of range") from None
        except TypeError:
            types = f"{_type_name(left)} and {_type_name(right)}"
            raise ExpressionFailed(f"cannot use '{symbol}' on {types}") from None
        self.charge(_size(result))
        return result

    def compare(self, node: ast.Compare, scope: Scope) -> bool:
        left = self.eval(node.left, scope)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator, scope)
            symbol, function = _COMPARISONS[type(op)]
            self.charge(_scan_cost(left) + _scan_cost(right))
            types = f"{_type_name(left)} and {_type_name(right)}"
            with _explained(TypeError, f"cannot compare {types} with '{symbol}'"):
                if not function(left, right):
                    return False
            left = right
        return True

    def subscript(self, node: ast.Subscript, scope: Scope) -> object:
        value, key = self.eval(node.value, scope), self.eval(node.slice, scope)
        if not isinstance(value, Mapping | Sequence):
            raise ExpressionFailed(f"{_type_name(value)} cannot be indexed")
        try:
            result = value[key]
        except KeyError:
            raise ExpressionFailed(f"no key {key!r}") from None
        except IndexError:
            raise ExpressionFailed(f"index {key!r} is out of range") from None
        except (TypeError, ValueError):
            raise ExpressionFailed(f"cannot index {_type_name(value)} with {key!r}") from None
        self.charge(_size(result) if isinstance(key, slice) else 0)
        return result

    def joined_str(self, node: ast.JoinedStr, scope: Scope) -> str:
        parts = [str(self.eval(value, scope)) for value in node.values]
        _limit_size(sum(map(len, parts)), "f-string")
        return "".join(parts)

    def formatted_value(self, node: ast.FormattedValue, scope: Scope) -> str:
        value = self.eval(node.value, scope)
        convert = _CONVERSIONS.get(node.conversion)
        value = convert(value) if convert else value
        spec = "" if node.format_spec is None else str(self.eval(node.format_spec, scope))
        # Widths, precisions and strftime patterns are how a short spec would build a huge string.
        if len(spec) > 100 or any(int(n) > 1000 for n in re.findall(r"\d+", spec)):
            raise ExpressionFailed(f"format '{spec[:20]}' is too large")
        message = f"cannot format {_type_name(value)} with '{spec}'"
        with _explained((TypeError, ValueError), message, detail=True):
            return format(value, spec)

    def attribute(self, node: ast.Attribute, scope: Scope) -> object:
        owner = self.eval(node.value, scope)
        allowed = next((names for kind, names in _ATTRIBUTES if isinstance(owner, kind)), frozenset())
        if node.attr not in allowed:
            raise ExpressionFailed(f"'{_type_name(owner)}' has no allowed attribute '{node.attr}'")
        value = getattr(owner, node.attr)
        return _Method(owner, node.attr, self.charge) if callable(value) else value

    def call(self, node: ast.Call, scope: Scope) -> object:
        if isinstance(node.func, ast.Name):
            label = node.func.id
            function = self.functions.get(label, SAFE_FUNCTIONS.get(label))
            if function is None:
                is_data = label in self.data or label in scope
                raise ExpressionFailed(f"'{label}' is a data value, not a function" if is_data
                                       else f"unknown function '{label}'")
        else:
            label = node.func.attr  # type: ignore[attr-defined]
            function = self.eval(node.func, scope)
            if not isinstance(function, _Method):
                raise ExpressionFailed(f"'{label}' is not a method")
        args = [self.eval(arg, scope) for arg in node.args]
        kwargs = {keyword.arg or "": self.eval(keyword.value, scope) for keyword in node.keywords}
        for value in (*args, *kwargs.values()):
            # Builtins such as sorted(key=…) call what they are given, so only known callables may go in.
            if callable(value) and not isinstance(value, _Method) and id(value) not in self.known_callables:
                raise ExpressionFailed(f"{label}() was given a callable value that is not a known function")
            self.charge(_scan_cost(value))
        try:
            result = function(*args, **kwargs)
        except EngineError:
            raise
        except _RUNTIME_ERRORS as exc:
            raise ExpressionFailed(f"{label}(): {exc}") from None
        self.charge(_size(result))
        return result

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp, scope: Scope) -> Iterator[object]:
        first = self.eval(node.generators[0].iter, scope)  # eager, as in Python, so errors show early
        return (self.eval(node.elt, inner) for inner in self.loop(node.generators, dict(scope), first))

    def loop(self, generators: list[ast.comprehension], scope: Scope, iterable: Any) -> Iterator[Scope]:
        """Yield ``scope`` once per binding of the loop variables that passes every ``if``."""
        generator, rest = generators[0], generators[1:]
        with _explained(TypeError, f"cannot loop over {_type_name(iterable)}"):
            items = iter(iterable)
        target = generator.target
        names = [t.id for t in ast.walk(target) if isinstance(t, ast.Name)]  # check() allows nothing else
        for item in items:
            self.charge(1)
            unpack = isinstance(target, ast.Tuple) and isinstance(item, list | tuple)
            values = list(item) if unpack else [item]
            if len(values) != len(names):
                raise ExpressionFailed(f"cannot unpack {_type_name(item)} into {len(names)} names")
            scope.update(zip(names, values, strict=True))
            if all(self.eval(condition, scope) for condition in generator.ifs):
                if rest:
                    yield from self.loop(rest, scope, self.eval(rest[0].iter, scope))
                else:
                    yield scope


# --- names_used ----------------------------------------------------------------------------------------


def names_used(expression: str) -> set[str]:
    """The data names ``expression`` reads.

    Left out: names in call position, names of :data:`SAFE_FUNCTIONS` (``key=len``), loop variables
    and ``true``/``false``/``null``. Raises :class:`ExpressionRejected` like :func:`check`.
    """
    found: set[str] = set()
    _collect_names(_tree(expression).body, frozenset(), found)
    return found


def _collect_names(node: ast.AST, bound: frozenset[str], found: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.id not in bound and node.id not in _CONSTANTS and node.id not in SAFE_FUNCTIONS:
            found.add(node.id)
    elif isinstance(node, ast.Call):
        receiver = [node.func.value] if isinstance(node.func, ast.Attribute) else []
        for argument in (*receiver, *node.args, *(keyword.value for keyword in node.keywords)):
            _collect_names(argument, bound, found)
    elif isinstance(node, ast.ListComp | ast.GeneratorExp):
        for generator in node.generators:  # each loop sees the variables of the loops before it
            _collect_names(generator.iter, bound, found)
            bound = bound | {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            for condition in generator.ifs:
                _collect_names(condition, bound, found)
        _collect_names(node.elt, bound, found)
    else:
        for child in ast.iter_child_nodes(node):
            _collect_names(child, bound, found)
