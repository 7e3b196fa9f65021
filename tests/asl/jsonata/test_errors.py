"""Evaluation failures at run time (States.QueryEvaluationError, EvaluationFailed events) and
JSONata definitions rejected at validation, each with its location."""
from __future__ import annotations

import pytest

from .harness import LAMBDA, locations, machine, problems, run, sub

PREFIX = "An error occurred while executing the state 'S' (entered at the event id #2). "


# -- undefined results (cause texts recorded against AWS: shared/conformance/cases/variables/
#    test_assign_reference_variables.test_undefined_reference*) ----------------------------------

@pytest.mark.parametrize(("field", "value", "location"), [
    ("Output", "{% $doesNotExist %}", "Output"),
    ("Output", {"result": "{% $doesNotExist %}"}, "Output/result"),
    ("Output", {"a": [1, {"b": "{% $doesNotExist %}"}]}, "Output/a/1/b"),
    ("Assign", {"result": "{% $doesNotExist %}"}, "Assign/result"),
])
def test_an_expression_that_returns_nothing_fails_with_aws_cause_and_location(field, value, location):
    r = run(machine(("S", {"Type": "Pass", field: value})))
    cause = (PREFIX + "The JSONata expression '$doesNotExist' specified for the field "
             f"'{location}' returned nothing (undefined).")
    assert (r.outcome.status, r.outcome.error, r.outcome.cause) == ("FAILED", "States.QueryEvaluationError", cause)
    [event] = r.of_type("EvaluationFailed")
    assert event["evaluationFailedEventDetails"] == {"cause": cause, "error": "States.QueryEvaluationError",
                                                     "location": location, "state": "S"}


def test_an_output_or_assign_failure_links_to_the_event_before_the_state_was_entered():
    r = run(machine(("S", {"Type": "Pass", "Output": "{% $nope %}"})))
    assert [e["type"] for e in r.events] == ["ExecutionStarted", "PassStateEntered", "EvaluationFailed",
                                            "ExecutionFailed"]
    assert r.of_type("EvaluationFailed")[0]["previousEventId"] == 0
    assert r.of_type("ExecutionFailed")[0]["previousEventId"] == 3


def test_an_arguments_expression_that_returns_nothing_is_located_in_arguments_and_runs_no_task():
    r = run(machine(("S", {"Type": "Task", "Resource": LAMBDA, "Arguments": {"id": "{% $states.input.id %}"}})))
    assert r.outcome.cause == (PREFIX + "The JSONata expression '$states.input.id' specified for the field "
                               "'Arguments/id' returned nothing (undefined).")
    assert r.calls == []


def test_a_query_evaluation_error_can_be_caught():
    r = run(machine(("S", {"Type": "Task", "Resource": LAMBDA, "Arguments": "{% $missing %}", "End": True,
                           "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "H",
                                      "Output": "{% $states.errorOutput.Error %}"}]}),
                    ("H", {"Type": "Pass"})))
    assert r.output == "States.QueryEvaluationError"


def test_a_jsonata_runtime_error_is_a_query_evaluation_error_naming_the_expression():
    r = run(machine(("S", {"Type": "Pass", "Output": "{% 1 + 'a' %}"})))
    assert r.outcome.error == "States.QueryEvaluationError"
    assert r.outcome.cause.startswith(PREFIX + "The JSONata expression '1 + 'a'' specified for the field "
                                      "'Output' threw an error during evaluation")


def test_an_expression_that_returns_a_function_is_an_unsupported_result_type():
    r = run(machine(("S", {"Type": "Pass", "Output": "{% function($x) { $x } %}"})))
    assert r.outcome.error == "States.QueryEvaluationError"
    assert r.outcome.cause.endswith("returned an unsupported result type.")


def test_an_error_inside_a_map_iteration_fails_the_map_with_the_same_error():
    r = run(machine(("M", {"Type": "Map", "Items": [1], "ItemProcessor": sub(("S", {"Type": "Pass",
                                                                                    "Output": "{% $nope %}"}))})))
    assert r.outcome.error == "States.QueryEvaluationError"
    assert r.of_type("EvaluationFailed")[0]["evaluationFailedEventDetails"]["state"] == "S"


# -- validation ------------------------------------------------------------------------------------

PROCESSOR = {"StartAt": "E", "States": {"E": {"Type": "Pass", "End": True}}}
TYPES = {
    "Pass": {"Type": "Pass", "End": True},
    "Task": {"Type": "Task", "Resource": LAMBDA, "End": True},
    "Map": {"Type": "Map", "ItemProcessor": PROCESSOR, "End": True},
    "Parallel": {"Type": "Parallel", "Branches": [PROCESSOR], "End": True},
    "Wait": {"Type": "Wait", "Seconds": 1, "End": True},
    "Fail": {"Type": "Fail"},
}
JSONPATH_ONLY = [
    ("Pass", "InputPath", "$.a"), ("Pass", "OutputPath", "$.a"), ("Pass", "Parameters", {"a": 1}),
    ("Pass", "ResultPath", "$.a"),
    ("Task", "ResultSelector", {"a.$": "$.b"}), ("Task", "TimeoutSecondsPath", "$.t"),
    ("Task", "HeartbeatSecondsPath", "$.h"), ("Task", "Parameters", {"a": 1}),
    ("Map", "ItemsPath", "$.xs"), ("Map", "MaxConcurrencyPath", "$.m"),
    ("Map", "ToleratedFailureCountPath", "$.c"), ("Map", "ToleratedFailurePercentagePath", "$.p"),
    ("Map", "ResultPath", "$.r"),
    ("Parallel", "ResultSelector", {"a": 1}), ("Parallel", "OutputPath", "$"),
    ("Wait", "InputPath", "$"),
    ("Fail", "ErrorPath", "$.e"), ("Fail", "CausePath", "$.c"),
]


@pytest.mark.parametrize(("stype", "field", "value"), JSONPATH_ONLY)
def test_a_jsonpath_only_field_in_a_jsonata_state_is_rejected_at_its_location(stype, field, value):
    assert locations(machine(("X", {**TYPES[stype], field: value}))) == [f"/States/X/{field}"]


def test_a_jsonpath_only_field_is_rejected_in_a_jsonata_state_inside_a_jsonpath_machine():
    definition = {"StartAt": "X", "States": {"X": {"Type": "Pass", "QueryLanguage": "JSONata",
                                                   "Parameters": {"a": 1}, "End": True}}}
    [(where, message)] = problems(definition)
    assert where == "/States/X/Parameters"
    assert "JSONata" in message


def test_a_jsonpath_only_field_is_rejected_deep_inside_a_map():
    inner = {"StartAt": "E", "States": {"E": {"Type": "Pass", "InputPath": "$", "End": True}}}
    assert locations(machine(("M", {"Type": "Map", "ItemProcessor": inner, "End": True}))) == [
        "/States/M/ItemProcessor/States/E/InputPath"]


def test_a_jsonpath_only_catcher_result_path_is_rejected_in_a_jsonata_state():
    definition = machine(("T", {**TYPES["Task"], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H",
                                                            "ResultPath": "$.e"}]}), ("H", {"Type": "Succeed"}))
    assert locations(definition) == ["/States/T/Catch/0"]


@pytest.mark.parametrize(("state", "location"), [
    ({"Type": "Pass", "Output": "{% $states.input. %}", "End": True}, "/States/X/Output"),
    ({"Type": "Pass", "Assign": {"a": "{% [ %}"}, "End": True}, "/States/X/Assign"),
    ({"Type": "Task", "Resource": LAMBDA, "Arguments": "{% 1 + %}", "End": True}, "/States/X/Arguments"),
    ({"Type": "Map", "Items": "{% ( %}", "ItemProcessor": PROCESSOR, "End": True}, "/States/X/Items"),
    ({"Type": "Wait", "Seconds": "{% } %}", "End": True}, "/States/X/Seconds"),
    ({"Type": "Choice", "Choices": [{"Condition": "{% (( %}", "Next": "End"}]}, "/States/X/Choices/0/Condition"),
])
def test_an_invalid_jsonata_expression_is_rejected_at_validation_with_its_field(state, location):
    found = problems(machine(("X", state), ("End", {"Type": "Succeed"})))
    assert [where for where, _ in found] == [location]
    assert "JSONata" in found[0][1]


def test_a_jsonata_choice_rule_needs_a_condition():
    definition = machine(("C", {"Type": "Choice", "Choices": [{"Variable": "$.a", "BooleanEquals": True,
                                                               "Next": "S"}]}), ("S", {"Type": "Succeed"}))
    assert locations(definition) == ["/States/C/Choices/0"]


def test_jsonata_fields_are_rejected_in_a_jsonpath_state():
    definition = {"StartAt": "X", "States": {"X": {"Type": "Pass", "Output": {}, "End": True}}}
    assert locations(definition) == ["/States/X"]


def test_a_query_language_other_than_the_two_is_rejected():
    assert locations({"QueryLanguage": "XPath", "StartAt": "X", "States": {"X": {"Type": "Succeed"}}}) == [
        "/QueryLanguage"]


# -- bugs: fields the ASL specification does not allow, accepted today ----------------------------
# Source: the Amazon States Language specification (2024, with JSONata): its "Table of State Types
# and Fields (JSONata)" allows Arguments only in Task and Parallel and Output in every type but Fail;
# "Any state except Succeed and Fail MAY have an Assign field"; the JSONata Pass State has Output,
# and Result is described under "JSONPath Pass State" only; "A state MUST NOT assign a value to
# 'states'"; a variable name is at most 80 characters, a Unicode identifier.

SPEC_VIOLATIONS = [
    pytest.param({"Type": "Pass", "Arguments": {"a": 1}, "End": True}, "/States/X", id="pass-arguments"),
    pytest.param({"Type": "Map", "Arguments": {"a": 1}, "ItemProcessor": PROCESSOR, "End": True}, "/States/X",
                 id="map-arguments"),
    pytest.param({"Type": "Wait", "Seconds": 1, "Items": [1], "End": True}, "/States/X", id="wait-items"),
    pytest.param({"Type": "Fail", "Output": {"a": 1}}, "/States/X", id="fail-output"),
    pytest.param({"Type": "Succeed", "Assign": {"a": 1}}, "/States/X", id="succeed-assign"),
    pytest.param({"Type": "Fail", "Assign": {"a": 1}}, "/States/X", id="fail-assign"),
    pytest.param({"Type": "Pass", "Result": {"a": 1}, "End": True}, "/States/X/Result", id="pass-result"),
    pytest.param({"Type": "Pass", "Assign": {"states": 1}, "End": True}, "/States/X/Assign/states",
                 id="assign-states"),
    pytest.param({"Type": "Pass", "Assign": {"1st": 1}, "End": True}, "/States/X/Assign/1st",
                 id="assign-bad-name"),
    pytest.param({"Type": "Pass", "Assign": {"v" * 81: 1}, "End": True}, f"/States/X/Assign/{'v' * 81}",
                 id="assign-long-name"),
]


@pytest.mark.parametrize(("state", "location"), SPEC_VIOLATIONS)
def test_a_field_or_variable_name_the_specification_forbids_is_rejected(state, location):
    assert locations(machine(("X", state))) == [location]
