"""Intrinsics and JSONata functions check their limits before they allocate.

A call past a limit must fail at once with the state's error, not build a huge value
first: peak memory is measured with tracemalloc (the intrinsics are pure Python) and
wall time bounds the JSONata calls (jsonatapy allocates in Rust, out of tracemalloc's sight).
"""
from __future__ import annotations

import time
import tracemalloc

import pytest

from executor.asl.errors import STATES_INTRINSIC_FAILURE, StatesError
from executor.asl.intrinsics import compile_intrinsic
from executor.asl.jsonata_support import compile_expression

ONE_MB = 1024 * 1024


def _peak_bytes_of_failing_call(text: str, doc: dict) -> tuple[int, StatesError]:
    fn = compile_intrinsic(text)
    tracemalloc.start()
    try:
        with pytest.raises(StatesError) as info:
            fn(doc, None)
        return tracemalloc.get_traced_memory()[1], info.value
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("text", [
    "States.ArrayRange(0, 20000000, 1)",
    "States.ArrayRange(0, 1000000000000000000000000000000, 1)",
    "States.ArrayRange(20000000, 0, -1)",
    "States.ArrayRange(0, 1001, 1)",
    "States.ArrayRange(0, 1e400, 1)",
])
def test_an_array_range_past_1000_items_fails_before_building_the_list(text):
    peak, error = _peak_bytes_of_failing_call(text, {})
    assert error.error == STATES_INTRINSIC_FAILURE
    assert peak < ONE_MB


def test_an_array_range_of_exactly_1000_items_is_built():
    assert len(compile_intrinsic("States.ArrayRange(1, 1000, 1)")({}, None)) == 1000


@pytest.mark.parametrize("text", [
    "States.Base64Encode($.big)",
    "States.Base64Decode($.big)",
    "States.Hash($.big, 'SHA-256')",
])
def test_text_functions_refuse_input_over_10000_characters(text):
    peak, error = _peak_bytes_of_failing_call(text, {"big": "QUFB" * 2501})
    assert error.error == STATES_INTRINSIC_FAILURE and "10000" in error.cause
    assert peak < ONE_MB


@pytest.mark.parametrize("text", [
    "States.MathAdd(2147483648, 1)",
    "States.MathAdd(1, -2147483649)",
    "States.ArrayPartition($.list, 1e400)",
    "States.MathRandom(0, 1e400)",
    "States.ArrayGetItem($.list, 1e999)",
])
def test_numbers_out_of_range_fail_the_state_rather_than_the_process(text):
    _, error = _peak_bytes_of_failing_call(text, {"list": [1, 2]})
    assert error.error == STATES_INTRINSIC_FAILURE


def test_string_to_json_of_deeply_nested_text_is_an_intrinsic_failure():
    _, error = _peak_bytes_of_failing_call("States.StringToJson($.deep)", {"deep": "[" * 100_000})
    assert error.error == STATES_INTRINSIC_FAILURE


def _jsonata_error(text: str) -> tuple[float, str]:
    expr = compile_expression(text)
    started = time.monotonic()
    with pytest.raises(ValueError) as info:
        expr.evaluate_json_or_none(None, {})
    return time.monotonic() - started, str(info.value)


@pytest.mark.parametrize(("text", "message"), [
    ("$range(0, 20000000, 1)", "1000 elements"),
    ("$range(0, 1e300, 1)", "1000 elements"),
    ("$pad('x', 1000000000)", "longer than"),
    ("$pad('x', -1000000000, 'ab')", "longer than"),
    ("[0..9999999]", "D2015"),
    ("$count([1..3].[0..999999])", "D2015"),
    ("$hash($pad('x', 10001), 'SHA-256')", "10000 characters"),
    ("$partition([1, 2], 0.5)", "positive"),
    ("$parse($pad('', 100000, '['))", "nested too deeply"),
])
def test_jsonata_functions_fail_at_once_past_their_limits(text, message):
    elapsed, error = _jsonata_error(text)
    assert message in error
    assert elapsed < 0.5


def test_jsonata_pad_and_range_still_work_within_limits():
    assert compile_expression("$pad('5', 3, '#')").evaluate_json_or_none(None, {}) == '"5##"'
    assert compile_expression("$pad('5', -4, 'ab')").evaluate_json_or_none(None, {}) == '"aba5"'
    assert compile_expression("$count($range(1, 1000, 1))").evaluate_json_or_none(None, {}) == "1000"
    assert compile_expression("$count([1..100000])").evaluate_json_or_none(None, {}) == "100000"
