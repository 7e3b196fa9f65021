"""Choice rules: every comparison operator and its Path form, And/Or/Not, Is* tests, StringMatches."""
from __future__ import annotations

import json

import pytest

from executor.asl import parse_definition
from executor.asl.choice import compile_rule, string_matches_pattern

from .engine import run


class Scope:
    context = {"Execution": {"Name": "run-1"}}
    variables: dict = {}


def matches(rule: dict, doc) -> bool:
    return compile_rule(rule)(doc, Scope())


@pytest.mark.parametrize("operator, value, operand, expected", [
    ("StringEquals", "b", "b", True), ("StringEquals", "b", "B", False), ("StringEquals", 1, "1", False),
    ("StringLessThan", "a", "b", True), ("StringLessThan", "b", "b", False),
    ("StringGreaterThan", "c", "b", True), ("StringGreaterThan", "a", "b", False),
    ("StringLessThanEquals", "b", "b", True), ("StringLessThanEquals", "c", "b", False),
    ("StringGreaterThanEquals", "b", "b", True), ("StringGreaterThanEquals", "a", "b", False),
    ("NumericEquals", 1, 1.0, True), ("NumericEquals", 2, 1, False), ("NumericEquals", "1", 1, False),
    ("NumericEquals", True, 1, False),
    ("NumericLessThan", 1, 2, True), ("NumericLessThan", 2, 2, False),
    ("NumericGreaterThan", 3, 2.5, True), ("NumericGreaterThan", 2, 2, False),
    ("NumericLessThanEquals", 2, 2, True), ("NumericLessThanEquals", 3, 2, False),
    ("NumericGreaterThanEquals", 2, 2, True), ("NumericGreaterThanEquals", 1, 2, False),
    ("BooleanEquals", True, True, True), ("BooleanEquals", False, True, False), ("BooleanEquals", 1, True, False),
    ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
    ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", False),
    ("TimestampEquals", "not a time", "2024-01-01T00:00:00Z", False),
    ("TimestampLessThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5Z", True),
    ("TimestampLessThan", "2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", False),
    ("TimestampGreaterThan", "2025-01-01T00:00:00Z", "2024-12-31T23:59:59Z", True),
    ("TimestampGreaterThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
    ("TimestampLessThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("TimestampLessThanEquals", "2024-01-01T00:00:01Z", "2024-01-01T00:00:00Z", False),
    ("TimestampGreaterThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("TimestampGreaterThanEquals", "2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
])
def test_each_comparison_operator_and_its_path_form_agree(operator, value, operand, expected):
    assert matches({"Variable": "$.v", operator: operand}, {"v": value}) is expected
    assert matches({"Variable": "$.v", f"{operator}Path": "$.w"}, {"v": value, "w": operand}) is expected


TILDE, GRIN, HAN = "\uff5e", "\U0001f600", "\u4e2d"  # U+FF5E, U+1F600 (surrogates D83D DE00), U+4E2D


@pytest.mark.parametrize("operator, value, operand, expected", [
    ("StringLessThan", GRIN, TILDE, True),  # D83D < FF5E, though U+1F600 > U+FF5E
    ("StringGreaterThan", TILDE, GRIN, True),
    ("StringLessThan", TILDE, GRIN, False),
    ("StringGreaterThan", GRIN, TILDE, False),
    ("StringLessThanEquals", "a" + GRIN, "a" + TILDE, True),
    ("StringGreaterThanEquals", "a" + GRIN, "a" + TILDE, False),
    ("StringLessThan", HAN, GRIN, True),  # both orders agree below the surrogates
    ("StringLessThan", GRIN, GRIN + "a", True),  # a prefix comes first
    ("StringEquals", GRIN, GRIN, True),
    ("StringLessThanEquals", GRIN, GRIN, True),
])
def test_string_comparisons_order_by_utf16_code_units_as_java_does(operator, value, operand, expected):
    assert matches({"Variable": "$.v", operator: operand}, {"v": value}) is expected
    assert matches({"Variable": "$.v", f"{operator}Path": "$.w"}, {"v": value, "w": operand}) is expected


def test_a_choice_state_routes_an_emoji_before_a_fullwidth_tilde():
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.v", "StringLessThan": TILDE, "Next": "Before"}],
              "Default": "After"},
        "Before": {"Type": "Pass", "Result": "before", "End": True},
        "After": {"Type": "Pass", "Result": "after", "End": True},
    }}
    assert run(definition, {"v": GRIN}).outcome.output == "before"


@pytest.mark.parametrize("test, value, expected", [
    ("IsNull", None, True), ("IsNull", 0, False),
    ("IsNumeric", 1.5, True), ("IsNumeric", "1", False), ("IsNumeric", True, False),
    ("IsString", "s", True), ("IsString", 1, False),
    ("IsBoolean", False, True), ("IsBoolean", 0, False),
    ("IsTimestamp", "2024-01-01T00:00:00Z", True), ("IsTimestamp", "2024-01-01", False), ("IsTimestamp", 5, False),
])
def test_type_tests_check_the_json_type_and_their_false_form_negates(test, value, expected):
    assert matches({"Variable": "$.v", test: True}, {"v": value}) is expected
    assert matches({"Variable": "$.v", test: False}, {"v": value}) is (not expected)


def test_is_present_tells_a_missing_field_from_a_null_one():
    assert matches({"Variable": "$.v", "IsPresent": True}, {"v": None})
    assert not matches({"Variable": "$.v", "IsPresent": True}, {})
    assert matches({"Variable": "$.v", "IsPresent": False}, {})


def test_type_tests_on_a_missing_field_are_false_rather_than_an_error():
    assert not matches({"Variable": "$.v", "IsNull": True}, {})
    assert not matches({"Variable": "$.v", "IsString": True}, {})


@pytest.mark.parametrize("pattern, text, expected", [
    ("log-*.txt", "log-2024.txt", True),
    ("log-*.txt", "log-.txt", True),
    ("log-*.txt", "log-2024.csv", False),
    ("*", "", True),
    ("a*b*c", "aXXbYYc", True),
    ("a*b*c", "acb", False),
    ("exact", "exact", True),
    ("exact", "exactly", False),
    ("star\\*", "star*", True),
    ("star\\*", "starry", False),
    ("back\\\\slash*", "back\\slash!", True),
    ("dots.and+regex(chars)?", "dots.and+regex(chars)?", True),
    ("dots.and+regex(chars)?", "dotsXand+regex(chars)", False),
    ("multi*line", "multi\nline", True),
])
def test_string_matches_treats_star_as_any_run_and_backslash_as_escape(pattern, text, expected):
    assert (string_matches_pattern(pattern).fullmatch(text) is not None) is expected
    assert matches({"Variable": "$.v", "StringMatches": pattern}, {"v": text}) is expected


def test_string_matches_on_a_non_string_is_false():
    assert not matches({"Variable": "$.v", "StringMatches": "*"}, {"v": 1})


def test_and_or_not_combine_rules():
    rule = {"And": [
        {"Variable": "$.n", "NumericGreaterThan": 1},
        {"Or": [{"Variable": "$.s", "StringEquals": "a"}, {"Not": {"Variable": "$.b", "BooleanEquals": True}}]},
    ]}
    assert matches(rule, {"n": 2, "s": "a", "b": True})
    assert matches(rule, {"n": 2, "s": "z", "b": False})
    assert not matches(rule, {"n": 2, "s": "z", "b": True})
    assert not matches(rule, {"n": 0, "s": "a", "b": False})


def test_variable_may_point_into_the_context_object():
    assert matches({"Variable": "$$.Execution.Name", "StringEquals": "run-1"}, {})


def machine(choices, default="Other"):
    states = {"C": {"Type": "Choice", "Choices": choices},
              "Picked": {"Type": "Pass", "Result": "picked", "End": True},
              "Other": {"Type": "Pass", "Result": "other", "End": True}}
    if default:
        states["C"]["Default"] = default
    return {"StartAt": "C", "States": states}


def test_the_first_matching_rule_wins():
    definition = machine([{"Variable": "$.n", "NumericLessThan": 10, "Next": "Picked"},
                          {"Variable": "$.n", "NumericLessThan": 100, "Next": "Other"}])
    assert run(definition, {"n": 5}).outcome.output == "picked"


def test_choice_falls_through_to_default_when_no_rule_matches():
    definition = machine([{"Variable": "$.n", "NumericEquals": 1, "Next": "Picked"}])
    assert run(definition, {"n": 5}).outcome.output == "other"


def test_choice_without_a_default_fails_with_no_choice_matched():
    definition = machine([{"Variable": "$.n", "NumericEquals": 1, "Next": "Picked"}], default=None)
    outcome = run(definition, {"n": 5}).outcome
    assert (outcome.status, outcome.error) == ("FAILED", "States.NoChoiceMatched")


def test_a_comparison_on_a_missing_variable_fails_with_states_runtime():
    definition = machine([{"Variable": "$.missing", "NumericEquals": 1, "Next": "Picked"}])
    outcome = run(definition, {"n": 5}).outcome
    assert (outcome.status, outcome.error) == ("FAILED", "States.Runtime")
    assert "$.missing" in outcome.cause


def test_a_path_operand_that_is_missing_fails_with_states_runtime():
    definition = machine([{"Variable": "$.n", "NumericEqualsPath": "$.missing", "Next": "Picked"}])
    assert run(definition, {"n": 5}).outcome.error == "States.Runtime"


def test_choice_applies_input_path_and_output_path():
    definition = machine([{"Variable": "$.n", "NumericEquals": 1, "Next": "Picked"}])
    definition["States"]["C"].update({"InputPath": "$.inner", "OutputPath": "$.n"})
    definition["States"]["Picked"] = {"Type": "Pass", "End": True}
    assert run(definition, {"inner": {"n": 1}}).outcome.output == 1


@pytest.mark.parametrize("rule, where", [
    ({"Variable": "$.x", "StringEquals": 1, "Next": "Picked"}, "/States/C/Choices/0/StringEquals"),
    ({"Variable": "$.x", "NumericEquals": "1", "Next": "Picked"}, "/States/C/Choices/0/NumericEquals"),
    ({"Variable": "$.x", "TimestampEquals": "yesterday", "Next": "Picked"}, "/States/C/Choices/0/TimestampEquals"),
    ({"Variable": "$.x", "IsNull": "yes", "Next": "Picked"}, "/States/C/Choices/0/IsNull"),
    ({"Variable": "$.x", "StringEqualsPath": "nope", "Next": "Picked"}, "/States/C/Choices/0/StringEqualsPath"),
    ({"Variable": "$.x", "Next": "Picked"}, "/States/C/Choices/0"),
    ({"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "Picked"}, "/States/C/Choices/0"),
    ({"Variable": "$.x", "StringEquals": "a", "Next": "Nowhere"}, "/States/C/Choices/0/Next"),
    ({"Not": {"Variable": "$.x", "StringEquals": "a", "Next": "Picked"}, "Next": "Picked"},
     "/States/C/Choices/0/Not/Next"),
    ({"And": [], "Next": "Picked"}, "/States/C/Choices/0/And"),
    ({"Variable": "x", "StringEquals": "a", "Next": "Picked"}, "/States/C/Choices/0/Variable"),
    ({"Variable": "$.x", "Bogus": 1, "StringEquals": "a", "Next": "Picked"}, "/States/C/Choices/0/Bogus"),
])
def test_malformed_rules_are_rejected_where_they_are(rule, where):
    from executor.asl import DefinitionError
    with pytest.raises(DefinitionError) as info:
        parse_definition(json.dumps(machine([rule])))
    assert where in [p.path for p in info.value.problems]
