"""Interpreting a checked expression node by node, every operation charged by the weight of what it
touches before it runs; and evaluating, at validation, the parts that read no data."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from typing import Any

from engine.errors import EngineError, ExpressionFailed, ExpressionRejected
from engine.language.expressions.functions import SAFE_FUNCTIONS, type_name
from engine.language.expressions.limits import (
    CONSTANTS,
    MAX_INT_BITS,
    MAX_SIZE,
    MAX_STEP_WORK,
    MAX_WORK,
    RUNTIME_ERRORS,
)
from engine.language.expressions.syntax import ATTRIBUTES, COMPARISONS, CONVERSIONS, OPERATORS, parsed

# --- evaluate ------------------------------------------------------------------------------------------
#
# The cost model: every value has a *weight* -- the cells a walk of it meets, shared parts
# counted each time they appear (a string weighs its length, an int one cell per 64 bits, a
# container one plus its elements' weights). Hashing, comparing, sorting, searching and printing a
# value cost at most a constant times its weight (sorting: times log n), whatever its shape, so each
# operation is charged the weights of its operands *before* it runs, and no value an expression
# builds may weigh more than MAX_SIZE (checked before building where the result can outgrow the
# operands: repetition, concatenation, displays, replace, join; after, for the rest). Integer
# products and divisions are charged by digits x digits. `[(1,)*100000]*100000` weighs 10**10 and
# is refused when built; it used to cost nothing until set() hashed it for minutes.

Scope = dict[str, object]

#: Functions that compare, hash or sum their argument's elements: a generator passed to one is
#: collected (and weighed) first. any() and all() only test truth, so they stay lazy.
_COLLECTING = frozenset({"sorted", "min", "max", "set", "sum", "list"})
_CONTAINERS = (list, tuple, set, frozenset)
_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))
_WEIGHED = (*_CONTAINERS, *_VIEWS, Mapping)
_MEMO_MIN = 16  # smaller containers are weighed again rather than remembered


def _limit_size(size: int, what: str) -> None:
    if size > MAX_SIZE:
        raise ExpressionFailed(f"{what} would build a value of {size} items (at most {MAX_SIZE})")


def _digits(n: int) -> int:
    return n.bit_length() // 64 + 1


class _Method:
    """A whitelisted method bound to its object: the only callable an attribute can yield."""

    __slots__ = ("bound", "evaluator", "name", "owner")

    def __init__(self, owner: object, name: str, evaluator: _Evaluator) -> None:
        self.owner, self.name, self.bound, self.evaluator = owner, name, getattr(owner, name), evaluator

    def __repr__(self) -> str:
        return f"<method {self.name} of {type_name(self.owner)}>"

    def __call__(self, *args: Any, **kwargs: Any) -> object:
        # Charged per call, not per call site: passed as sorted(key=…) it runs once per item.
        ev = self.evaluator
        owner = self.owner
        if self.name in ("keys", "values", "items"):
            ev.charge(1)
        elif self.name == "get" and args:
            ev.charge(1 + ev.weight(args[0]))  # hashes the key
        else:
            # str methods scan the text and their arguments (startswith((…)) each prefix); count and
            # index on a list compare each element, at most its weight.
            ev.charge(1 + ev.weight(owner) + sum(ev.weight(a) for a in (*args, *kwargs.values())))
        # join and replace are the whitelisted methods whose result can dwarf their input.
        if isinstance(owner, str) and self.name == "join" and args:
            parts = ev.collect(args[0], "join()") if isinstance(args[0], Iterator) else list(args[0])
            ev.charge(len(parts))
            _limit_size(sum(len(p) if isinstance(p, str) else 1 for p in parts)
                        + len(owner) * max(len(parts) - 1, 0), "join()")
            args = (parts, *args[1:])
        if isinstance(owner, str) and self.name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            if isinstance(old, str) and isinstance(new, str):
                hits = owner.count(old) if old else len(owner) + 1
                _limit_size(len(owner) + hits * (len(new) - len(old)), "replace()")
        result = self.bound(*args, **kwargs)
        ev.built(result, f"{self.name}()")
        return result


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
    tree = parsed(expression)
    shared = _ALLOWANCE.get()
    if shared is None:
        return _Evaluator(data, functions or {}).run(tree.body)
    if shared.left <= 0:
        raise ExpressionFailed(shared.exhausted())
    evaluator = _Evaluator(data, functions or {}, min(MAX_WORK, shared.left))
    try:
        return evaluator.run(tree.body)
    except ExpressionFailed as err:
        if evaluator.budget < MAX_WORK and "too much work" in err.message:
            raise ExpressionFailed(shared.exhausted()) from None
        raise
    finally:
        shared.left -= evaluator.work


class _Allowance:
    __slots__ = ("left", "total")

    def __init__(self, total: int) -> None:
        self.left = self.total = total

    def exhausted(self) -> str:
        return (f"the expressions of this step need too much work together (more than {self.total}) "
                "and were stopped: does an automatic loop evaluate a costly condition again and again?")


_ALLOWANCE: ContextVar[_Allowance | None] = ContextVar("samverkan_expression_allowance", default=None)


@contextmanager
def allowance(work: int = MAX_STEP_WORK) -> Iterator[None]:
    """Let every expression evaluated inside (on this thread or a deep-stack thread it hands work
    to) draw on one shared budget of ``work``, besides each one's own MAX_WORK. The runner opens
    one per change of a case, so that no step -- however many expressions it evaluates -- can hold
    the case (and on SQLite the database's write lock) for longer than that much work."""
    token = _ALLOWANCE.set(_Allowance(work))
    try:
        yield
    finally:
        _ALLOWANCE.reset(token)


@contextmanager
def _explained(errors: type[Exception] | tuple[type[Exception], ...], message: str,
               detail: bool = False) -> Iterator[None]:
    """Turn a Python error from an operation into an ExpressionFailed a designer can read."""
    try:
        yield
    except errors as exc:
        raise ExpressionFailed(f"{message}: {exc}" if detail else message) from None


class _Evaluator:
    def __init__(self, data: Mapping[str, object], functions: Mapping[str, Callable[..., object]],
                 budget: int = MAX_WORK) -> None:
        self.data, self.functions, self.work, self.budget = data, functions, 0, budget
        self.known_callables = {id(f) for f in (*SAFE_FUNCTIONS.values(), *functions.values())}
        # id -> (value, weight); the value is kept so that its id cannot be reused meanwhile.
        self.weights: dict[int, tuple[object, int]] = {}
        self.handlers: dict[type, Callable[[Any, Scope], object]] = {
            ast.Constant: lambda node, scope: node.value,
            ast.Name: self.name,
            ast.List: self.list_display,
            ast.Tuple: lambda node, scope: self.built(tuple(self.items(node, scope)), "tuple"),
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
            ast.ListComp: lambda node, scope: self.collect(self.comprehension(node, scope), "list"),
            ast.GeneratorExp: self.comprehension,
        }

    def run(self, node: ast.AST) -> object:
        try:
            result = self.eval(node, {})
            return self.collect(result, "generator expression") if isinstance(result, Iterator) else result
        except EngineError:
            raise
        except RecursionError:
            raise ExpressionFailed("expression is nested too deeply") from None
        except MemoryError:
            raise ExpressionFailed("expression needs too much memory and was stopped") from None
        except RUNTIME_ERRORS as exc:  # safety net: expected failures are explained where they happen
            raise ExpressionFailed(f"expression failed: {exc}") from None

    # --- the budget ---------------------------------------------------------------------------------

    def charge(self, amount: int) -> None:
        self.work += amount
        if self.work > self.budget:
            raise ExpressionFailed("expression needs too much work and was stopped")

    def weight(self, value: object) -> int:
        """The value's weight (see above), walking it once; the walk is charged one unit a cell met
        (a remembered container counts once), and a walk past the budget stops it."""
        leaf = _leaf_weight(value)
        if leaf:
            return leaf
        memo = self.weights
        known = memo.get(id(value))
        if known is not None:
            return known[1]
        # Frames: [items left, the container, its weight so far]; no recursion, however deep.
        stack: list[list[Any]] = [[_members(value), value, 0]]
        while stack:
            frame = stack[-1]
            subtotal, met, descend = frame[2], 0, None
            for item in frame[0]:
                met += 1
                kind = type(item)
                if kind is str:
                    subtotal += len(item) or 1
                elif kind is int:
                    subtotal += (item.bit_length() >> 6) + 1
                elif kind in _SCALARS:
                    subtotal += 1
                else:
                    leaf = _leaf_weight(item)
                    if leaf:
                        subtotal += leaf
                        continue
                    known = memo.get(id(item))
                    if known is not None:
                        subtotal += known[1]
                        continue
                    descend = item
                    break
            frame[2] = subtotal
            self.charge(met)
            if subtotal > self.budget:
                raise ExpressionFailed("expression needs too much work and was stopped (a value too large)")
            if descend is not None:
                stack.append([_members(descend), descend, 0])
                continue
            stack.pop()
            container, weight = frame[1], max(1, subtotal)
            if len(container) >= _MEMO_MIN:
                memo[id(container)] = (container, weight)
            if stack:
                stack[-1][2] += weight
        return weight

    def built(self, value: object, what: str) -> object:
        """A value just built: weigh it (charged) and refuse it if it weighs more than MAX_SIZE."""
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise ExpressionFailed(f"{what} gives a number that is too large (more than {MAX_INT_BITS} bits)")
        if isinstance(value, (str, *_WEIGHED)):
            weight = self.weight(value)
            _limit_size(weight, what)
            self.charge(weight if isinstance(value, str) else 0)
        return value

    def collect(self, values: Iterator[object], what: str) -> list[object]:
        """A generator's values as a list, each weighed as it comes, the list refused past MAX_SIZE."""
        result: list[object] = []
        total = 0
        for value in values:
            result.append(value)
            total += self.weight(value)
            _limit_size(total, what)
        return result

    # --- nodes --------------------------------------------------------------------------------------

    def eval(self, node: ast.AST, scope: Scope) -> Any:
        self.charge(1)
        handler = self.handlers.get(type(node))
        if handler is None:  # unreachable after check(); here so a gap can never fall through to Python
            raise ExpressionRejected(f"{type(node).__name__} is not allowed in an expression")
        return handler(node, scope)

    def items(self, node: ast.List | ast.Tuple | ast.Set, scope: Scope) -> list[object]:
        values = [self.eval(element, scope) for element in node.elts]
        _limit_size(sum(self.weight(v) for v in values), type(node).__name__.lower())
        return values

    def list_display(self, node: ast.List, scope: Scope) -> object:
        return self.items(node, scope)

    def set_display(self, node: ast.Set, scope: Scope) -> object:
        values = self.items(node, scope)
        self.charge(sum(self.weight(v) for v in values))  # hashing
        with _explained(TypeError, "set", detail=True):
            return set(values)

    def dict_display(self, node: ast.Dict, scope: Scope) -> object:
        keys = [self.eval(k, scope) for k in node.keys]  # type: ignore[arg-type]
        values = [self.eval(v, scope) for v in node.values]
        key_weight = sum(self.weight(k) for k in keys)
        self.charge(key_weight)  # hashing
        _limit_size(key_weight + sum(self.weight(v) for v in values), "dict")
        with _explained(TypeError, "dict", detail=True):
            return dict(zip(keys, values, strict=True))

    def name(self, node: ast.Name, scope: Scope) -> object:
        for source in (CONSTANTS, scope, self.data, self.functions, SAFE_FUNCTIONS):
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
        self.charge(self.weight(value))
        with _explained(TypeError, f"cannot use a sign on {type_name(value)}"):
            return -value if isinstance(node.op, ast.USub) else +value

    def bin_op(self, node: ast.BinOp, scope: Scope) -> object:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        symbol, function = OPERATORS[type(node.op)]
        if isinstance(left, int) and isinstance(right, int):
            self._charge_int(symbol, left, right)
        else:
            left_weight, right_weight = self.weight(left), self.weight(right)
            self.charge(left_weight + right_weight)
            if symbol == "*":
                for seq, weight, n in ((left, left_weight, right), (right, right_weight, left)):
                    if isinstance(seq, str | list | tuple) and isinstance(n, int):
                        _limit_size((weight if len(seq) else 0) * max(n, 0), f"repeating {type_name(seq)} {n} times")
            if symbol == "+" and isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _limit_size(left_weight + right_weight, "'+'")
        if symbol == "%" and isinstance(left, str):  # printf widths are another way to build huge text
            raise ExpressionFailed("'%' formatting of text is not allowed; use an f-string")
        try:
            result = function(left, right)
        except ZeroDivisionError:
            raise ExpressionFailed("division by zero") from None
        except OverflowError:
            raise ExpressionFailed(f"'{symbol}' gives a number or a date out of range") from None
        except TypeError:
            types = f"{type_name(left)} and {type_name(right)}"
            raise ExpressionFailed(f"cannot use '{symbol}' on {types}") from None
        return self.built(result, f"'{symbol}'")

    def _charge_int(self, symbol: str, left: int, right: int) -> None:
        if symbol == "*" and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise ExpressionFailed("'*' would give a number that is too large")
        a, b = _digits(left), _digits(right)
        # Schoolbook-like cost: ~1.3 ns a pair of 30-bit digits (research/FINDINGS.md), a work unit ~0.5 µs.
        self.charge(1 + (a * b * 5 if symbol in ("*", "//", "%", "/") else a + b) // 16)

    def compare(self, node: ast.Compare, scope: Scope) -> bool:
        left = self.eval(node.left, scope)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator, scope)
            symbol, function = COMPARISONS[type(op)]
            if symbol in ("is", "is not"):
                pass
            elif symbol in ("in", "not in") and isinstance(right, (Mapping, set, frozenset, _VIEWS[0])):
                self.charge(self.weight(left))  # a hash lookup
            else:
                self.charge(self.weight(left) + self.weight(right))
            types = f"{type_name(left)} and {type_name(right)}"
            with _explained(TypeError, f"cannot compare {types} with '{symbol}'"):
                if not function(left, right):
                    return False
            left = right
        return True

    def subscript(self, node: ast.Subscript, scope: Scope) -> object:
        value, key = self.eval(node.value, scope), self.eval(node.slice, scope)
        if not isinstance(value, Mapping | Sequence):
            raise ExpressionFailed(f"{type_name(value)} cannot be indexed")
        if isinstance(value, Mapping):
            self.charge(self.weight(key))  # hashes the key
        try:
            result = value[key]
        except KeyError:
            raise ExpressionFailed(f"no key {key!r}") from None
        except IndexError:
            raise ExpressionFailed(f"index {key!r} is out of range") from None
        except (TypeError, ValueError):
            raise ExpressionFailed(f"cannot index {type_name(value)} with {key!r}") from None
        if isinstance(key, slice):
            self.charge(len(result))
            return self.built(result, "slice")
        return result

    def joined_str(self, node: ast.JoinedStr, scope: Scope) -> str:
        parts = [str(self.eval(value, scope)) for value in node.values]
        _limit_size(sum(map(len, parts)), "f-string")
        self.charge(sum(map(len, parts)))
        return "".join(parts)

    def formatted_value(self, node: ast.FormattedValue, scope: Scope) -> str:
        value = self.eval(node.value, scope)
        self._before_text(value, "f-string")
        convert = CONVERSIONS.get(node.conversion)
        value = convert(value) if convert else value
        spec = "" if node.format_spec is None else str(self.eval(node.format_spec, scope))
        # Widths, precisions and strftime patterns are how a short spec would build a huge string.
        if len(spec) > 100 or any(int(n) > 1000 for n in re.findall(r"\d+", spec)):
            raise ExpressionFailed(f"format '{spec[:20]}' is too large")
        message = f"cannot format {type_name(value)} with '{spec}'"
        with _explained((TypeError, ValueError), message, detail=True):
            text = format(value, spec)
        return self.built(text, "f-string")  # type: ignore[return-value]

    def _before_text(self, value: object, what: str) -> None:
        """str()/repr() of a value: its text is at most ~80 characters a cell (a datetime's repr), so
        only values of at most MAX_SIZE cells are printed (the text itself is then checked)."""
        weight = self.weight(value)
        if weight > MAX_SIZE:
            raise ExpressionFailed(f"{what} would print a value of {weight} items (at most {MAX_SIZE})")
        self.charge(weight)

    def attribute(self, node: ast.Attribute, scope: Scope) -> object:
        owner = self.eval(node.value, scope)
        allowed = next((names for kind, names in ATTRIBUTES if isinstance(owner, kind)), frozenset())
        if node.attr not in allowed:
            raise ExpressionFailed(f"'{type_name(owner)}' has no allowed attribute '{node.attr}'")
        value = getattr(owner, node.attr)
        return _Method(owner, node.attr, self) if callable(value) else value

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
        if not isinstance(function, _Method):
            if label in _COLLECTING and function is SAFE_FUNCTIONS.get(label):
                args = [self.collect(a, f"{label}()") if isinstance(a, Iterator) else a for a in args]
            self._charge_call(label, function, args, kwargs)
        try:
            result = function(*args, **kwargs)
        except EngineError:
            raise
        except RUNTIME_ERRORS as exc:
            raise ExpressionFailed(f"{label}(): {exc}") from None
        return self.built(result, f"{label}()")

    def _charge_call(self, label: str, function: object, args: list[object], kwargs: dict[str, object]) -> None:
        """What a safe function may cost, charged before it runs. Engine helpers (now, today) are O(1)."""
        if function is not SAFE_FUNCTIONS.get(label):
            self.charge(1 + sum(self.weight(a) for a in (*args, *kwargs.values())))
            return
        if label in ("len", "bool", "any", "all"):
            self.charge(1 + sum(len(a) if isinstance(a, (*_CONTAINERS, Mapping)) else 0 for a in args))
            return
        if label == "str" and args:
            self._before_text(args[0], "str()")
            return
        weight = sum(self.weight(a) for a in args)
        if label in ("sorted", "min", "max"):
            items = args[0] if len(args) == 1 else args
            n = len(items) if isinstance(items, (*_CONTAINERS, Mapping, str)) else 1
            rounds = max(1, n.bit_length()) if label == "sorted" else 1
            key = kwargs.get("key")
            # A key function is applied once an item, at most its weight (key=sorted: times log n).
            key_cost = 0 if key is None or key is len else weight * (1 + (key is sorted) * rounds)
            self.charge(1 + weight * rounds + key_cost)
            return
        self.charge(1 + weight)

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp, scope: Scope) -> Iterator[object]:
        first = self.eval(node.generators[0].iter, scope)  # eager, as in Python, so errors show early
        return (self.eval(node.elt, inner) for inner in self.loop(node.generators, dict(scope), first))

    def loop(self, generators: list[ast.comprehension], scope: Scope, iterable: Any) -> Iterator[Scope]:
        """Yield ``scope`` once per binding of the loop variables that passes every ``if``."""
        generator, rest = generators[0], generators[1:]
        with _explained(TypeError, f"cannot loop over {type_name(iterable)}"):
            items = iter(iterable)
        target = generator.target
        names = [t.id for t in ast.walk(target) if isinstance(t, ast.Name)]  # check() allows nothing else
        for item in items:
            self.charge(1)
            unpack = isinstance(target, ast.Tuple) and isinstance(item, list | tuple)
            values = list(item) if unpack else [item]
            if len(values) != len(names):
                raise ExpressionFailed(f"cannot unpack {type_name(item)} into {len(names)} names")
            scope.update(zip(names, values, strict=True))
            if all(self.eval(condition, scope) for condition in generator.ifs):
                if rest:
                    yield from self.loop(rest, scope, self.eval(rest[0].iter, scope))
                else:
                    yield scope


_END = object()


_SCALARS = frozenset({float, bool, type(None), date, datetime, timedelta})


def _leaf_weight(value: object) -> int:
    """The weight of a value that is not a container (0 for a container, which must be walked)."""
    if isinstance(value, str):
        return max(1, len(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return _digits(value)
    if isinstance(value, _WEIGHED):
        return 0
    return 1


def _members(container: Any) -> Iterator[object]:
    """What a container's weight is made of: its elements, or a mapping's keys and values."""
    if isinstance(container, Mapping):
        return itertools.chain.from_iterable(container.items())
    if isinstance(container, _VIEWS[2]):
        return itertools.chain.from_iterable(container)  # type: ignore[arg-type]
    return iter(container)



# --- constant parts, refused at validation -------------------------------------------------------------


def constant_problems(expression: str, budget: int = MAX_WORK) -> list[str]:
    """Why the parts of ``expression`` that read no data would fail, found by evaluating them now.

    A part is constant when it names no data, calls only :data:`SAFE_FUNCTIONS` and binds its own
    loop variables: ``len(set([(1,)*100000]*100000))`` is, ``x * 100000`` is not. Such a part gives
    the same result on every run, so a part that needs more than the budget or builds a value past
    MAX_SIZE (or fails in any other way: ``1/0``, ``date('2026-02-30')``) is refused when the model
    is validated instead of stopping every case that reaches it at run time.
    One budget covers all the constant parts of the expression, so validation stays bounded too.
    """
    tree = parsed(expression)
    evaluator = _Evaluator({}, {}, budget)
    problems: list[str] = []
    for part in _constant_parts(tree.body, frozenset()):
        try:
            evaluator.run(part)
        except ExpressionFailed as err:  # deterministic: it fails this way on every run that reaches it
            problems.append(f"'{ast.unparse(part)[:60]}' fails on every run: {err.message}")
            if "too much work" in err.message:
                break
    return problems


def _constant_parts(node: ast.AST, bound: frozenset[str]) -> Iterator[ast.AST]:
    """The largest sub-expressions of ``node`` that read no data (leaves alone are not interesting)."""
    if _is_constant(node, bound):
        if not isinstance(node, ast.Constant | ast.Name):
            yield node
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            yield from _constant_parts(child, bound)


def _is_constant(node: ast.AST, bound: frozenset[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in CONSTANTS or node.id in bound
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id not in SAFE_FUNCTIONS:
            return False  # an engine helper such as now() or today()
        parts = [node.func.value] if isinstance(node.func, ast.Attribute) else []
        return all(_is_constant(p, bound) for p in (*parts, *node.args, *(k.value for k in node.keywords)))
    if isinstance(node, ast.ListComp | ast.GeneratorExp):
        inner = bound
        for generator in node.generators:
            if not _is_constant(generator.iter, inner):
                return False
            inner = inner | {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            if not all(_is_constant(c, inner) for c in generator.ifs):
                return False
        return _is_constant(node.elt, inner)
    return all(_is_constant(child, bound) for child in ast.iter_child_nodes(node)
               if isinstance(child, ast.expr))


