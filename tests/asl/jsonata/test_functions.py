"""AWS's JSONata functions beside the standard library: $partition, $range, $hash, $random, $uuid,
$parse; and $eval, which AWS refuses."""
from __future__ import annotations

import hashlib
import re

import pytest

from .harness import machine, run


def evaluate(expression: str, value=None):
    """Run one Pass state whose Output is ``expression``; returns the Run."""
    return run(machine(("F", {"Type": "Pass", "Output": "{% " + expression + " %}"})), value)


def value_of(expression: str, value=None):
    return evaluate(expression, value).output


# Recorded against AWS (shared/conformance/cases/intrinsics/test_array_jsonata.*).
@pytest.mark.parametrize(("array", "size", "expected"), [
    ([0], 1, [[0]]),
    ([0], 5, [[0]]),
    ([0, 1, 2], 2, [[0, 1], [2]]),
    ([0, 1, 2, 3], 2, [[0, 1], [2, 3]]),
    ([0, 1, 2, 3], 3, [[0, 1, 2], [3]]),
    ([0, 1, 2, 3], 5, [[0, 1, 2, 3]]),
])
def test_partition_splits_an_array_into_chunks_of_the_given_size(array, size, expected):
    assert value_of("$partition($states.input.a, $states.input.n)", {"a": array, "n": size}) == expected


def test_partition_with_a_non_positive_size_is_a_query_evaluation_error():
    assert evaluate("$partition([1, 2], 0)").outcome.error == "States.QueryEvaluationError"


@pytest.mark.parametrize(("args", "expected"), [
    ((0, 9, 3), [0, 3, 6, 9]),
    ((0, 10, 3), [0, 3, 6, 9]),
    ((1, 9, 2), [1, 3, 5, 7, 9]),
    ((0, 10, 2), [0, 2, 4, 6, 8, 10]),
    ((5, 1, -2), [5, 3, 1]),
])
def test_range_counts_from_start_to_end_inclusive_by_step(args, expected):
    start, end, step = args
    assert value_of(f"$range({start}, {end}, {step})") == expected


def test_range_of_a_single_value_is_that_value_not_an_array():
    # AWS returns 1 for $range(1, 9, 9) (conformance case intrinsics/test_array_jsonata.test_array_range#3).
    assert value_of("$range(1, 9, 9)") == 1


def test_range_with_a_zero_step_is_a_query_evaluation_error():
    assert evaluate("$range(1, 5, 0)").outcome.error == "States.QueryEvaluationError"


@pytest.mark.parametrize(("algorithm", "python_name"), [
    ("MD5", "md5"), ("SHA-1", "sha1"), ("SHA-256", "sha256"), ("SHA-384", "sha384"), ("SHA-512", "sha512"),
])
def test_hash_gives_the_hex_digest_of_each_supported_algorithm(algorithm, python_name):
    text = "Step Functions ✓"
    expected = hashlib.new(python_name, text.encode()).hexdigest()
    assert value_of(f"$hash($states.input.t, '{algorithm}')", {"t": text}) == expected


def test_hash_with_an_unknown_algorithm_is_a_query_evaluation_error():
    r = evaluate("$hash('x', 'SHA-3')")
    assert r.outcome.error == "States.QueryEvaluationError"
    assert "SHA-3" in r.outcome.cause


def test_random_with_a_seed_gives_the_same_number_each_time():
    out = value_of("{'a': $random(42), 'b': $random(42), 'c': $random(7)}")
    assert out["a"] == out["b"]
    assert out["a"] != out["c"]
    assert all(0 <= v < 1 for v in out.values())


def test_random_with_a_seed_is_stable_across_executions():
    assert value_of("$random(42)") == value_of("$random(42)")


def test_random_without_a_seed_is_a_number_in_the_unit_interval():
    out = value_of("[$random(), $random(), $random()]")
    assert all(0 <= v < 1 for v in out)


UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_uuid_gives_a_fresh_version_4_uuid_each_call():
    out = value_of("{'a': $uuid(), 'b': $uuid()}")
    assert UUID4.match(out["a"]) and UUID4.match(out["b"])
    assert out["a"] != out["b"]


# Recorded against AWS (shared/conformance/cases/intrinsics/test_json_manipulation_jsonata.*).
@pytest.mark.parametrize(("text", "expected"), [
    ("-0", 0), ("1", 1), ("1.1", 1.1), ("true", True), ('"HelloWorld"', "HelloWorld"),
    ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]), ('{"a": {"b": [null]}}', {"a": {"b": [None]}}),
])
def test_parse_turns_json_text_into_a_value(text, expected):
    assert value_of("$parse($states.input.t)", {"t": text}) == expected


def test_parse_of_text_that_is_not_json_is_a_query_evaluation_error():
    assert evaluate("$parse('{not json')").outcome.error == "States.QueryEvaluationError"


def test_eval_is_refused_with_a_query_evaluation_error():
    r = evaluate("$eval('1 + 1')")
    assert (r.outcome.status, r.outcome.error) == ("FAILED", "States.QueryEvaluationError")
    assert "$eval" in r.outcome.cause
    details = r.of_type("EvaluationFailed")[0]["evaluationFailedEventDetails"]
    assert (details["state"], details["location"]) == ("F", "Output")


def test_the_standard_library_is_available_beside_the_aws_functions():
    out = value_of("{'up': $uppercase('a'), 'sum': $sum([1, 2]), 'keys': $keys({'k': 1}), "
                   "'joined': $join($map([1, 2], function($v) { $string($v * 2) }), ',')}")
    assert out == {"up": "A", "sum": 3, "keys": "k", "joined": "2,4"}


def test_aws_functions_work_in_every_field_that_takes_expressions():
    r = run(machine(("A", {"Type": "Pass", "Assign": {"chunks": "{% $partition($range(1, 4), 2) %}"},
                           "Output": {"h": "{% $hash('a', 'MD5') %}"}}),
                    ("M", {"Type": "Map", "Items": "{% $chunks %}",
                           "ItemProcessor": {"StartAt": "E", "States": {
                               "E": {"Type": "Pass", "Output": "{% $sum($states.input) %}", "End": True}}}})))
    assert r.output == [3, 7]
