from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.errors import ExpressionFailed, ExpressionRejected
from engine.language.expressions import SAFE_FUNCTIONS, check, evaluate, names_used, normalize

# --- ordinary gateway conditions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ("beslut == 'ja'", {"beslut": "ja"}, True),
        ("beslut == 'ja'", {"beslut": "nej"}, False),
        ("antal_samtal >= 3 and antal_samtal <= 6", {"antal_samtal": 4}, True),
        ("antal_samtal >= 3 and antal_samtal <= 6", {"antal_samtal": 7}, False),
        ("3 <= antal_samtal <= 6", {"antal_samtal": 3}, True),
        ("kommun in ['Hällefors', 'Nora']", {"kommun": "Nora"}, True),
        ("kommun not in ('Hällefors', 'Nora')", {"kommun": "Lindesberg"}, True),
        ("not godkänd", {"godkänd": False}, True),
        ("samtycke is None", {"samtycke": None}, True),
        ("x is not None or y", {"x": None, "y": 0}, 0),
        ("'låg' if poäng < 10 else 'hög'", {"poäng": 12}, "hög"),
        ("(antal * 2 + 1) // 3 - -1", {"antal": 4}, 4),
        ("antal / 4 % 1", {"antal": 6}, 0.5),
        ("personer[0]['namn'].upper()", {"personer": [{"namn": "ada"}]}, "ADA"),
        ("personnummer[:8]", {"personnummer": "19800101-1234"}, "19800101"),
        ("svar.get('hälsa', 'okänt')", {"svar": {}}, "okänt"),
        ("len(insatser) > 0 and all(i > 0 for i in insatser)", {"insatser": [1, 2]}, True),
        ("sum([t for t in timmar if t > 1])", {"timmar": [1, 2, 3]}, 5),
        ("[k for k, v in svar.items() if v]", {"svar": {"a": 1, "b": 0}}, ["a"]),
        ("sorted(namn, key=len)", {"namn": ["ccc", "a", "bb"]}, ["a", "bb", "ccc"]),
        ("f'{förnamn} {efternamn!r:>6}'", {"förnamn": "Ada", "efternamn": "Lo"}, "Ada   'Lo'"),
        ("{'a': 1, 'b': [1, 2]}['b'][-1]", {}, 2),
        ("{1, 2} == set([2, 1])", {}, True),
        ("', '.join(['a', 'b']).replace(',', ';')", {}, "a; b"),
        ("round(max(1.26, min(5, 2)), 1)", {}, 2),
        ("kommun == null", {"kommun": None}, True),
        ("true and not false", {}, True),
    ],
)
def test_gateway_conditions_evaluate_like_python(expression: str, data: dict, expected: object) -> None:
    assert evaluate(expression, data) == expected


def test_a_generator_expression_on_its_own_gives_a_list() -> None:
    assert evaluate("(x * 2 for x in xs)", {"xs": [1, 2]}) == [2, 4]


def test_comprehension_variables_do_not_leak_and_shadow_data() -> None:
    assert evaluate("[x for x in [1, 2]] + [x]", {"x": 9}) == [1, 2, 9]


# --- JUEL and DMN shapes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("  ${approved}  ", "approved"),
        ("#{approved}", "approved"),
        ("${a && !b}", "a  and   not b"),
        ("${a || b}", "a  or  b"),
        ("${x != 1}", "x != 1"),
        ("${x == null || flag == true}", "x == None  or  flag == True"),
        ("${s == 'a && !b || null'}", "s == 'a && !b || null'"),
        ("${nullable == false}", "nullable == False"),
        ("${d.true}", "d.true"),
        ("a && b", "a && b"),
        ("${a} + ${b}", "${a} + ${b}"),
        ("${ {'a': 1}['a'] }", "{'a': 1}['a']"),
    ],
)
def test_normalize_unwraps_juel_and_translates_only_inside_the_wrapper(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ("${approved}", {"approved": True}, True),
        ("#{approved}", {"approved": False}, False),
        ("${a && !b}", {"a": True, "b": False}, True),
        ("${a && !b}", {"a": True, "b": True}, False),
        ("${x != 1}", {"x": 2}, True),
        ("${svar == null}", {"svar": None}, True),
        ('(kommun) == ("Lindesberg")', {"kommun": "Lindesberg"}, True),
        ("dmninputexpr < 5", {"dmninputexpr": 4}, True),
        ("dmninputexpr < 5", {"dmninputexpr": 5}, False),
    ],
)
def test_juel_and_dmn_shapes_evaluate(expression: str, data: dict, expected: object) -> None:
    assert evaluate(expression, data) is expected


# --- functions and methods -----------------------------------------------------------------------------


def test_engine_functions_can_be_called_but_data_wins_for_a_plain_name() -> None:
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert evaluate("now() > datetime(start)", {"start": "2026-03-01T09:00"}, {"now": lambda: now}) is True
    assert evaluate("now", {"now": 1}, {"now": lambda: now}) == 1


def test_safe_functions_is_read_only() -> None:
    with pytest.raises(TypeError):
        SAFE_FUNCTIONS["open"] = open  # type: ignore[index]


def test_methods_evaluate_to_callables_that_can_be_passed_on() -> None:
    assert evaluate("sorted(['bb', 'a'], key=s.count)", {"s": "abba"}) == ["bb", "a"]
    assert evaluate("(s.upper)()", {"s": "x"}) == "X"


def test_an_allowed_attribute_on_the_wrong_type_fails_at_run_time() -> None:
    with pytest.raises(ExpressionFailed, match="'int' has no allowed attribute 'lower'"):
        evaluate("x.lower()", {"x": 5})


@pytest.mark.parametrize(
    ("expression", "data", "message"),
    [
        ("remiss_datum + 1", {}, "unknown name 'remiss_datum'"),
        ("1 / antal", {"antal": 0}, "division by zero"),
        ("'a' + 1", {}, "cannot use '\\+' on str and int"),
        ("x < 'a'", {"x": 1}, "cannot compare int and str with '<'"),
        ("x[3]", {"x": [1]}, "index 3 is out of range"),
        ("x['saknas']", {"x": {}}, "no key 'saknas'"),
        ("int('tre')", {}, "int\\(\\): invalid literal"),
        ("hämta(1)", {}, "unknown function 'hämta'"),
        ("x.year()", {"x": date(2026, 1, 1)}, "'year' is not a method"),
        ("'%0999999d' % 1", {}, "'%' formatting of text is not allowed"),
        ("f'{x:>999999}'", {"x": 1}, "too large"),
    ],
)
def test_runtime_failures_say_what_went_wrong(expression: str, data: dict, message: str) -> None:
    with pytest.raises(ExpressionFailed, match=message):
        evaluate(expression, data)


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        ("2026-01-31", 1, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_the_day_to_the_length_of_the_month(
    start: object, months: int, expected: date
) -> None:
    assert evaluate("add_months(d, n)", {"d": start, "n": months}) == expected


def test_add_months_keeps_the_time_of_a_datetime() -> None:
    start = datetime(2026, 1, 31, 8, 30, tzinfo=UTC)
    assert evaluate("add_months(d, 1)", {"d": start}) == datetime(2026, 2, 28, 8, 30, tzinfo=UTC)


def test_a_deadline_fourteen_days_after_the_referral() -> None:
    data = {"remiss_inkom": "2026-02-20"}
    assert evaluate("date(remiss_inkom) + days(14)", data) == date(2026, 3, 6)
    assert evaluate("add_days(remiss_inkom, 14) == date(remiss_inkom) + weeks(2)", data) is True
    assert evaluate("iso(date(remiss_inkom) + days(14))", data) == "2026-03-06"


def test_date_accepts_dates_datetimes_and_datetime_text() -> None:
    assert evaluate("date(x)", {"x": datetime(2026, 5, 1, 23, tzinfo=UTC)}) == date(2026, 5, 1)
    assert evaluate("date('2026-05-01T10:00:00+02:00')", {}) == date(2026, 5, 1)
    assert evaluate("date(x).weekday()", {"x": date(2026, 5, 4)}) == 0


def test_datetime_reads_naive_text_as_stockholm_time_and_returns_utc() -> None:
    assert evaluate("datetime('2026-07-01T10:00')", {}) == datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert evaluate("datetime('2026-01-01T10:00')", {}) == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert evaluate("datetime('2026-01-01T10:00Z')", {}) == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert evaluate("datetime(d)", {"d": date(2026, 7, 1)}) == datetime(2026, 6, 30, 22, tzinfo=UTC)
    assert evaluate("datetime(d).hour", {"d": date(2026, 7, 1)}) == 22


def test_date_arithmetic_uses_the_ordinary_operators() -> None:
    data = {"a": "2026-03-01T12:00Z", "b": "2026-03-03T12:00Z"}
    assert evaluate("(datetime(b) - datetime(a)).days", data) == 2
    assert evaluate("datetime(b) - datetime(a) > hours(47)", data) is True
    assert evaluate("(datetime(b) - datetime(a)).total_seconds()", data) == 172800.0


@pytest.mark.parametrize(
    ("value", "text"),
    [(timedelta(days=14), "P14D"), (timedelta(hours=2), "PT2H"), (timedelta(days=1, minutes=90), "P1DT1H30M"),
     (timedelta(0), "P0D"), (timedelta(seconds=1.5), "PT1.5S"), (-timedelta(days=2), "-P2D"),
     (datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "2026-01-02T03:04:00+00:00")],
)
def test_iso_writes_dates_and_iso_8601_durations(value: object, text: str) -> None:
    assert evaluate("iso(v)", {"v": value}) == text


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("date('2026-02-30')", "expected a date like '2026-03-01'"),
        ("datetime('igår')", "expected a date and time"),
        ("days('14')", "days\\(\\) needs a number, not str"),
        ("add_months(date('2026-01-01'), 1.5)", "whole number of months"),
        ("iso('x')", "iso\\(\\) needs a date"),
        ("date('2026-01-01') + days(999_999_999)", "out of range"),
    ],
)
def test_bad_dates_fail_with_a_clear_message(expression: str, message: str) -> None:
    with pytest.raises(ExpressionFailed, match=message):
        evaluate(expression, {})


# --- attacks --------------------------------------------------------------------------------------------

ATTACKS = {
    "__import__('os').system('id')": "function '__import__' is not allowed",
    "().__class__.__base__.__subclasses__()": "attribute '__class__' is not allowed",
    "open('/etc/passwd')": "function 'open' is not allowed",
    "eval('1')": "function 'eval' is not allowed",
    "exec('1')": "function 'exec' is not allowed",
    "getattr(x, 'y')": "function 'getattr' is not allowed",
    "type(x)": "function 'type' is not allowed",
    "(lambda: 1)()": "lambda is not allowed",
    "[c for c in ().__class__.__mro__]": "attribute '__class__' is not allowed",
    "x.__dict__": "attribute '__dict__' is not allowed",
    "f'{x.__class__}'": "attribute '__class__' is not allowed",
    "'{0.__class__}'.format(x)": "attribute 'format' is not allowed",
    "9 ** 9 ** 9": "operator '\\*\\*' is not allowed",
    "1 << 100000": "operator '<<' is not allowed",
    "(y := 1)": "':=' is not allowed",
    "len(*x)": "'\\*' unpacking is not allowed",
    "dict(**x)": "function 'dict' is not allowed",
    "_secret": "name '_secret' is not allowed",
    "b'bytes'": "bytes values are not allowed",
    "x.y": "attribute 'y' is not allowed",
    "{k: 1 for k in x}": "dict comprehension is not allowed",
    "[x for x.year in y]": "loop variable must be a plain name",
    "x[0]()": "only named functions and methods can be called",
    "a +* b": "syntax error at column 4",
    "import os": "syntax error",
    "'x' + " * 1200 + "'x'": "expression is too long",
    "-" * 100 + "1": "nested too deeply",
    "(" * 300 + "1" + ")" * 300: "expression cannot be read|syntax error",
    "": "expression is empty",
    "${}": "expression is empty",
}


@pytest.mark.parametrize(("expression", "message"), ATTACKS.items(), ids=lambda v: str(v)[:40])
def test_attacks_are_rejected_by_check(expression: str, message: str) -> None:
    with pytest.raises(ExpressionRejected, match=message):
        check(expression)


@pytest.mark.parametrize(("expression", "message"), ATTACKS.items(), ids=lambda v: str(v)[:40])
def test_attacks_are_rejected_by_evaluate_before_anything_runs(expression: str, message: str) -> None:
    with pytest.raises(ExpressionRejected, match=message):
        evaluate(expression, {"x": "", "y": []})


def test_a_6000_character_expression_is_rejected() -> None:
    long = "a" * 6_000
    with pytest.raises(ExpressionRejected, match="too long \\(6000 characters"):
        check(long)
    with pytest.raises(ExpressionRejected):
        evaluate(long, {"a" * 6_000: 1})


def test_callables_in_data_are_never_called() -> None:
    called: list[object] = []
    spy = called.append
    with pytest.raises((ExpressionRejected, ExpressionFailed), match="data value, not a function"):
        evaluate("f()", {"f": print})
    with pytest.raises(ExpressionFailed, match="data value, not a function"):
        evaluate("f('x')", {"f": spy})
    with pytest.raises(ExpressionFailed, match="not a known function"):
        evaluate("sorted([1, 2], key=f)", {"f": spy})
    with pytest.raises(ExpressionFailed):
        evaluate("[g(1) for g in fs]", {"fs": [spy]})
    with pytest.raises(ExpressionFailed, match="not a known function"):
        evaluate("max([1], key=fs[0])", {"fs": [spy]})
    assert called == []


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("'a' * n", {"n": 10**6}),
        ("n * [0]", {"n": 10**6}),
        ("s + s", {"s": "a" * 60_000}),
        ("s.replace('a', 'aaaaaaaaaa')", {"s": "a" * 20_000}),
        ("s.join(t)", {"s": "a" * 1_000, "t": ["b"] * 1_000}),
        ("sorted(t, key=s.join)", {"s": "a" * 1_000, "t": ["b" * 1_000]}),
        ("sorted(t, key=s.count)", {"s": "a" * 100_000, "t": ["a"] * 20_000}),
        ("f'{s}{s}'", {"s": "a" * 60_000}),
        ("[1 for a in t for b in t]", {"t": list(range(1_000))}),
        ("n * n * n * n * n", {"n": 10**4000}),
        ("sum([[1]] * 3, [])", {}),
    ],
)
def test_expressions_cannot_build_huge_values_or_loop_forever(expression: str, data: dict) -> None:
    with pytest.raises(ExpressionFailed):
        evaluate(expression, data)


def test_work_is_bounded_even_when_each_step_is_small() -> None:
    with pytest.raises(ExpressionFailed, match="too much work"):
        evaluate("sum(t.count(a) for a in t)", {"t": list(range(20_000))})


def test_check_is_cached_on_the_normalized_text() -> None:
    from engine.language.expressions.syntax import _parse

    check("${ cached_flag }")
    before = _parse.cache_info().hits
    check("cached_flag")
    assert _parse.cache_info().hits == before + 1


# --- names_used -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("beslut == 'ja'", {"beslut"}),
        ("${a && !b}", {"a", "b"}),
        ("kommun in kommuner and x == null", {"kommun", "kommuner", "x"}),
        ("add_days(date(remiss_inkom), frist) < now()", {"remiss_inkom", "frist"}),
        ("[i.lower() for i in svar if i != tom]", {"svar", "tom"}),
        ("[y for x in xs for y in x]", {"xs"}),
        ("sorted(lista, key=len)", {"lista"}),
        ("f'{namn!r:>{bredd}}'", {"namn", "bredd"}),
        ("person['namn'].upper()", {"person"}),
        ("'konstant'", set()),
    ],
)
def test_names_used_lists_the_data_an_expression_reads(expression: str, names: set[str]) -> None:
    assert names_used(expression) == names


def test_names_used_rejects_what_check_rejects() -> None:
    with pytest.raises(ExpressionRejected):
        names_used("__import__('os')")


def test_evaluation_never_reaches_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec was called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert evaluate("[n * 2 for n in tal if n > 1] == [4, 6]", {"tal": [1, 2, 3]}) is True
