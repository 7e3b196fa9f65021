"""statelint (PyPI) as a second opinion on validation rules the conformance corpus says nothing about.

For each definition, the engine and statelint must agree on accept/reject, except where a known
difference is listed with the reason the engine differs.
"""
from __future__ import annotations

import copy
import json

import pytest

from executor.asl import validate_definition

statelint = pytest.importorskip("statelint.linter", reason="statelint is not installed (requirements-dev.txt)")

L = "arn:aws:lambda:us-east-1:123456789012:function:f"
P = {"Type": "Pass", "End": True}
ITER = {"StartAt": "X", "States": {"X": P}}


def m(states: dict, **top) -> dict:
    return {"StartAt": next(iter(states)), "States": states, **top}


def task(**extra) -> dict:
    states = {"A": {"Type": "Task", "Resource": L, "End": True, **extra}}
    if "Catch" in extra:
        states["B"] = P  # the catchers' target, so that every state is reachable
    return m(states)


def choice(rule: dict) -> dict:
    return m({"A": {"Type": "Choice", "Choices": [{"Next": "B", **rule}]}, "B": P})


DEFINITIONS = {
    # accepted by both
    "pass_result_path_null": m({"A": {**P, "ResultPath": None}}),
    "wait_timestamp_with_offset": m({"A": {"Type": "Wait", "Timestamp": "2024-01-01T00:00:00+01:00", "End": True}}),
    "task_parameter_from_context": task(Parameters={"t.$": "$$.Task.Token"}),
    "choice_loop_with_default": m({"A": {"Type": "Choice", "Default": "A", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "B"}]}, "B": P}),
    "catch_result_path_null": task(Catch=[{"ErrorEquals": ["X"], "Next": "B", "ResultPath": None}]),
    "legacy_map_parameters": m({"A": {"Type": "Map", "Parameters": {"v.$": "$$.Map.Item.Value"}, "End": True,
                                      "Iterator": ITER}}),
    "nested_intrinsics": m({"A": {**P, "Parameters": {"a.$": "States.Format('{}', States.ArrayLength($.x))"}}}),
    "filter_in_input_path": m({"A": {**P, "InputPath": "$.a[?(@.b == 1)]"}}),
    "retry_and_catch_all": task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
                                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B"}]),
    # rejected by both
    "next_and_end": m({"A": {"Type": "Pass", "Next": "A", "End": True}}),
    "end_false_without_next": m({"A": {"Type": "Pass", "End": False}}),
    "succeed_with_next": m({"A": {"Type": "Succeed", "Next": "A"}}),
    "fail_with_end": m({"A": {"Type": "Fail", "End": True}}),
    "fail_with_input_path": m({"A": {"Type": "Fail", "InputPath": "$.x"}}),
    "choice_with_end": m({"A": {"Type": "Choice", "End": True, "Choices": [
        {"Variable": "$.a", "IsPresent": True, "Next": "B"}]}, "B": P}),
    "choice_with_result_path": m({"A": {"Type": "Choice", "ResultPath": "$.x", "Choices": [
        {"Variable": "$.a", "IsPresent": True, "Next": "B"}]}, "B": P}),
    "choice_rule_without_variable": choice({"StringEquals": "x"}),
    "choice_rule_with_two_operators": choice({"Variable": "$.a", "StringEquals": "x", "IsPresent": True}),
    "choice_nested_rule_with_next": choice({"Not": {"Variable": "$.a", "IsPresent": True, "Next": "B"}}),
    "choice_is_present_not_boolean": choice({"Variable": "$.a", "IsPresent": "true"}),
    "choice_numeric_operand_string": choice({"Variable": "$.a", "NumericEquals": "1"}),
    "choice_timestamp_operand_invalid": choice({"Variable": "$.a", "TimestampEquals": "2020-13-01"}),
    "choice_path_operand_not_a_path": choice({"Variable": "$.a", "StringEqualsPath": "a"}),
    "choice_without_rules": m({"A": {"Type": "Choice", "Choices": []}, "B": P}),
    "states_all_not_in_last_catcher": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B"},
                                                  {"ErrorEquals": ["X"], "Next": "B"}]),
    "retry_backoff_below_one": task(Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}]),
    "retry_negative_attempts": task(Retry=[{"ErrorEquals": ["X"], "MaxAttempts": -1}]),
    "retry_zero_interval": task(Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": 0}]),
    "retry_fractional_interval": task(Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": 1.5}]),
    "retry_not_an_array": task(Retry={"ErrorEquals": ["X"]}),
    "retry_unknown_field": task(Retry=[{"ErrorEquals": ["X"], "Bogus": 1}]),
    "retry_empty_error_equals": task(Retry=[{"ErrorEquals": []}]),
    "catch_without_next": task(Catch=[{"ErrorEquals": ["X"]}]),
    "catch_result_path_indefinite": task(Catch=[{"ErrorEquals": ["X"], "Next": "B", "ResultPath": "$.a[*]"}]),
    "pass_with_retry": m({"A": {**P, "Retry": [{"ErrorEquals": ["X"]}]}}),
    "pass_with_result_selector": m({"A": {**P, "ResultSelector": {"a": 1}}}),
    "wait_with_two_delays": m({"A": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}}),
    "wait_without_delay": m({"A": {"Type": "Wait", "End": True}}),
    "wait_negative_seconds": m({"A": {"Type": "Wait", "Seconds": -1, "End": True}}),
    "wait_timestamp_invalid": m({"A": {"Type": "Wait", "Timestamp": "yesterday", "End": True}}),
    "wait_seconds_path_not_a_path": m({"A": {"Type": "Wait", "SecondsPath": "s", "End": True}}),
    "task_resource_not_a_uri": m({"A": {"Type": "Task", "Resource": "not a uri", "End": True}}),
    "task_timeout_zero": task(TimeoutSeconds=0),
    "task_timeout_and_timeout_path": task(TimeoutSeconds=5, TimeoutSecondsPath="$.t"),
    "task_heartbeat_path_not_a_path": task(HeartbeatSecondsPath="x"),
    "parameters_path_invalid": task(Parameters={"a.$": "nope"}),
    "parameters_path_not_a_string": task(Parameters={"a.$": 1}),
    "parameters_unknown_intrinsic": task(Parameters={"a.$": "States.Nope()"}),
    "parallel_without_branches": m({"A": {"Type": "Parallel", "End": True}}),
    "parallel_branch_leaves_its_branch": m({"A": {"Type": "Parallel", "Next": "B", "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "B"}}}]}, "B": P}),
    "parallel_branch_with_timeout": m({"A": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "X", "TimeoutSeconds": 5, "States": {"X": P}}]}}),
    "map_without_processor": m({"A": {"Type": "Map", "End": True}}),
    "map_negative_concurrency": m({"A": {"Type": "Map", "MaxConcurrency": -1, "End": True, "Iterator": ITER}}),
    "map_items_path_not_a_path": m({"A": {"Type": "Map", "ItemsPath": "x", "End": True, "Iterator": ITER}}),
    "map_iterator_and_item_processor": m({"A": {"Type": "Map", "End": True, "Iterator": ITER,
                                                "ItemProcessor": ITER}}),
    "map_tolerated_percentage_over_100": m({"A": {"Type": "Map", "ToleratedFailurePercentage": 150, "End": True,
                                                  "ItemProcessor": ITER}}),
    "fail_error_and_error_path": m({"A": {"Type": "Fail", "Error": "e", "ErrorPath": "$.e"}}),
    "fail_cause_not_a_string": m({"A": {"Type": "Fail", "Cause": 5}}),
    "machine_timeout_zero": m({"A": P}, TimeoutSeconds=0),
    "machine_unknown_field": m({"A": P}, Bogus=1),
    "machine_without_start_at": {"States": {"A": P}},
    "start_at_names_no_state": {"StartAt": "Z", "States": {"A": P}},
    "machine_without_terminal_state": m({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}),
    "state_without_type": m({"A": {"End": True}}),
    "state_with_unknown_type": m({"A": {"Type": "Nope", "End": True}}),
}

#: Where the engine knowingly differs from statelint: name -> (engine rejects?, why).
KNOWN_DIFFERENCES = {
    "choice_variable_not_a_path": (True, "statelint does not check Variable; AWS requires a Path"),
    "states_all_with_other_errors": (True, "AWS: States.ALL must appear alone in ErrorEquals"),
    "task_without_resource": (True, "Resource is required by the ASL spec; statelint 3 skips it (JSONata Arguments)"),
    "task_heartbeat_not_below_timeout": (True, "ASL spec: HeartbeatSeconds MUST be smaller than TimeoutSeconds"),
    "task_input_path_not_a_path": (True, "statelint does not check InputPath; AWS rejects an invalid JSONPath"),
    "task_result_path_indefinite": (True, "ResultPath must be a Reference Path (definite)"),
    "parallel_with_empty_branches": (True, "a Parallel needs at least one branch to mean anything"),
    "map_fractional_concurrency": (True, "MaxConcurrency is an integer"),
    "machine_version_not_1_0": (True, "ASL defines Version 1.0 only"),
    "state_name_over_80_characters": (True, "AWS limits state names to 80 characters"),
    "unreachable_state": (False, "OPEN: statelint rejects a state no transition reaches; AWS behaviour unverified"),
}
DIFFERENT = {
    "choice_variable_not_a_path": choice({"Variable": "a", "IsPresent": True}),
    "states_all_with_other_errors": task(Retry=[{"ErrorEquals": ["States.ALL", "X"]}]),
    "task_without_resource": m({"A": {"Type": "Task", "End": True}}),
    "task_heartbeat_not_below_timeout": task(TimeoutSeconds=5, HeartbeatSeconds=5),
    "task_input_path_not_a_path": task(InputPath="x"),
    "task_result_path_indefinite": task(ResultPath="$..x"),
    "parallel_with_empty_branches": m({"A": {"Type": "Parallel", "Branches": [], "End": True}}),
    "map_fractional_concurrency": m({"A": {"Type": "Map", "MaxConcurrency": 1.5, "End": True, "Iterator": ITER}}),
    "machine_version_not_1_0": m({"A": P}, Version="2.0"),
    "state_name_over_80_characters": m({"A" * 81: P}),
    "unreachable_state": m({"A": P, "B": P}),
}


def engine_rejects(definition) -> bool:
    return bool(validate_definition(json.dumps(definition)))


def statelint_rejects(definition) -> bool:
    return bool(statelint.Linter.validate(copy.deepcopy(definition)))


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_the_engine_and_statelint_agree_on_accept_or_reject(name):
    definition = DEFINITIONS[name]
    assert engine_rejects(definition) == statelint_rejects(definition), (
        f"engine: {validate_definition(json.dumps(definition))}, statelint: "
        f"{statelint.Linter.validate(copy.deepcopy(definition))}")


@pytest.mark.parametrize("name", sorted(KNOWN_DIFFERENCES))
def test_known_differences_from_statelint_stay_as_documented(name):
    rejects, why = KNOWN_DIFFERENCES[name]
    definition = DIFFERENT[name]
    assert engine_rejects(definition) is rejects, why
    assert statelint_rejects(definition) is not rejects, f"statelint now agrees: drop '{name}' from the differences"


@pytest.mark.parametrize("where", ["machine", "state"])
def test_a_comment_that_is_not_a_string_is_rejected(where):
    definition = m({"A": {**P, "Comment": 5}}) if where == "state" else m({"A": P}, Comment={"a": 1})
    assert statelint_rejects(definition)
    assert engine_rejects(definition)
