"""Reading an expression: Camunda's ${…} wrapper to Python syntax, the whitelist of constructs it
may use, and the names it reads."""

from __future__ import annotations

import ast
import builtins
import functools
import operator
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from engine.errors import ExpressionRejected
from engine.language.expressions.functions import SAFE_FUNCTIONS
from engine.language.expressions.limits import CONSTANTS, MAX_DEPTH, MAX_LENGTH

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

OPERATORS: dict[type, tuple[str, Callable[[Any, Any], object]]] = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv), ast.FloorDiv: ("//", operator.floordiv), ast.Mod: ("%", operator.mod),
}
COMPARISONS: dict[type, tuple[str, Callable[[Any, Any], object]]] = {
    ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne), ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le), ast.Gt: (">", operator.gt), ast.GtE: (">=", operator.ge),
    ast.Is: ("is", operator.is_), ast.IsNot: ("is not", operator.is_not),
    ast.In: ("in", lambda a, b: a in b), ast.NotIn: ("not in", lambda a, b: a not in b),
}
_REJECTED_OPERATORS: dict[type, str] = {ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                                         ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~"}
CONVERSIONS: dict[int, Callable[[object], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}
_DATE_ATTRIBUTES = frozenset({"year", "month", "day", "weekday", "isoformat"})
# First isinstance match wins, so datetime must come before its base class date.
ATTRIBUTES: tuple[tuple[type | tuple[type, ...], frozenset[str]], ...] = (
    (str, frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
                     "replace", "capitalize", "title", "isdigit", "count", "join"})),
    (Mapping, frozenset({"get", "keys", "values", "items"})),
    ((list, tuple), frozenset({"count", "index"})),
    (datetime, _DATE_ATTRIBUTES | {"date", "hour", "minute"}),
    (date, _DATE_ATTRIBUTES),
    (timedelta, frozenset({"days", "seconds", "total_seconds"})),
)
ATTRIBUTE_NAMES = frozenset().union(*(names for _, names in ATTRIBUTES))
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
    parsed(expression)


def parsed(expression: object) -> ast.Expression:
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
    if isinstance(node, ast.Attribute) and node.attr not in ATTRIBUTE_NAMES:
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



# --- names_used ----------------------------------------------------------------------------------------


def names_used(expression: str) -> set[str]:
    """The data names ``expression`` reads.

    Left out: names in call position, names of :data:`SAFE_FUNCTIONS` (``key=len``), loop variables
    and ``true``/``false``/``null``. Raises :class:`ExpressionRejected` like :func:`check`.
    """
    found: set[str] = set()
    _collect_names(parsed(expression).body, frozenset(), found)
    return found


def _collect_names(node: ast.AST, bound: frozenset[str], found: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.id not in bound and node.id not in CONSTANTS and node.id not in SAFE_FUNCTIONS:
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

