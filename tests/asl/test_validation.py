"""Validation: every problem at once, each with its JSON-pointer location and the rule it breaks."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from executor.asl import DefinitionError, parse_definition, validate_definition

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"

VALID = {
    "Comment": "every state type, valid",
    "StartAt": "Pass",
    "TimeoutSeconds": 60,
    "States": {
        "Pass": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "Next": "Task"},
        "Task": {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 10, "HeartbeatSeconds": 5,
                 "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.5,
                            "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fail", "ResultPath": "$.error"}],
                 "Next": "Choice"},
        "Choice": {"Type": "Choice", "Choices": [
            {"Variable": "$.r.a", "NumericEquals": 1, "Next": "Wait"},
            {"And": [{"Variable": "$.s", "IsPresent": True}, {"Variable": "$.s", "StringMatches": "x*"}],
             "Next": "Map"}], "Default": "Parallel"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Map"},
        "Map": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ToleratedFailurePercentage": 10,
                "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}},
                "Next": "Parallel"},
        "Parallel": {"Type": "Parallel", "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Succeed"}}}], "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Fail": {"Type": "Fail", "Error": "Failed", "Cause": "caught"},
    },
}


def problems(definition) -> list:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return validate_definition(text)


def located(definition) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in problems(definition)}


def paths(definition) -> set[str]:
    return {p.path for p in problems(definition)}


def mutate(path: str, value) -> dict:
    """VALID with the field at ``path`` (a JSON pointer) set to ``value`` (``...`` deletes it)."""
    doc = copy.deepcopy(VALID)
    *parents, last = path.strip("/").split("/")
    node = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is ...:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


def test_a_valid_definition_with_every_state_type_has_no_problems():
    assert problems(VALID) == []
    assert parse_definition(json.dumps(VALID)).start_at == "Pass"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.asl.json")), ids=lambda p: p.name)
def test_the_shipped_examples_are_valid(path):
    assert problems(path.read_text()) == []


def test_every_problem_is_reported_at_once_each_at_its_location():
    bad = {"StartAt": "Nope", "States": {
        "A": {"Type": "Pass", "Next": "Missing"},
        "B": {"Type": "Bogus"},
        "C": {"Type": "Task", "End": True},
        "D": {"Type": "Wait", "End": True},
        "E": {"Type": "Choice", "Choices": []},
        "F": {"Type": "Pass", "End": True, "Extra": 1},
        "G": {"Type": "Task", "Resource": LAMBDA, "End": True, "TimeoutSeconds": 0,
              "Retry": [{"ErrorEquals": ["Boom"], "BackoffRate": 0.5}]},
        "H": {"Type": "Map", "End": True},
        "I": {"Type": "Parallel", "End": True,
              "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}]},
        "J": {"Type": "Pass", "End": True, "Next": "A"},
        "K": {"Type": "Fail", "Error": "e", "ErrorPath": "$.e"},
        "L": {"Type": "Pass", "InputPath": "bad", "End": True},
    }}
    found = paths(bad)
    assert {"/StartAt", "/States/A/Next", "/States/B/Type", "/States/C", "/States/D", "/States/E/Choices",
            "/States/F", "/States/G/TimeoutSeconds", "/States/G/Retry/0/BackoffRate", "/States/H",
            "/States/I/Branches/0/States/X/Next", "/States/J", "/States/K", "/States/L/InputPath"} <= found
    with pytest.raises(DefinitionError) as info:
        parse_definition(json.dumps(bad))
    assert len(info.value.problems) >= 14


@pytest.mark.parametrize("path, value, where, code", [
    ("/StartAt", "Nowhere", "/StartAt", "MISSING_TRANSITION_TARGET"),
    ("/StartAt", ..., "/", "SCHEMA_VALIDATION_FAILED"),
    ("/States", {}, "/States", "SCHEMA_VALIDATION_FAILED"),
    ("/States", [], "/States", "SCHEMA_VALIDATION_FAILED"),
    ("/TimeoutSeconds", 0, "/TimeoutSeconds", "SCHEMA_VALIDATION_FAILED"),
    ("/TimeoutSeconds", "60", "/TimeoutSeconds", "SCHEMA_VALIDATION_FAILED"),
    ("/Version", "2.0", "/Version", "SCHEMA_VALIDATION_FAILED"),
    ("/Unknown", 1, "/", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Pass/Next", "Gone", "/States/Pass/Next", "MISSING_TRANSITION_TARGET"),
    ("/States/Pass/Next", ..., "/States/Pass", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Pass/End", "yes", "/States/Pass/End", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Pass/Type", "Nope", "/States/Pass/Type", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Pass/Type", ..., "/States/Pass", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Pass/ResultPath", "$.a[*]", "/States/Pass/ResultPath", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Pass/InputPath", 5, "/States/Pass/InputPath", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Pass/Resource", "x", "/States/Pass", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Resource", "not-an-arn", "/States/Task/Resource", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Resource", "arn:aws:states:::lambda:nope", "/States/Task/Resource", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Resource", ..., "/States/Task", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/TimeoutSeconds", 1.5, "/States/Task/TimeoutSeconds", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/HeartbeatSeconds", 20, "/States/Task/HeartbeatSeconds", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/TimeoutSecondsPath", "$.t", "/States/Task", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Parameters", {"a.$": 1}, "/States/Task/Parameters/a.$", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Parameters", {"a.$": "$$$"}, "/States/Task/Parameters/a.$", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/ResultSelector", {"n": {"a.$": "nope"}}, "/States/Task/ResultSelector/n/a.$",
     "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Retry", {}, "/States/Task/Retry", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Retry/0/ErrorEquals", [], "/States/Task/Retry/0/ErrorEquals", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Retry/0/MaxAttempts", -1, "/States/Task/Retry/0/MaxAttempts", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Retry/0/IntervalSeconds", 0, "/States/Task/Retry/0/IntervalSeconds",
     "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Retry/0/JitterStrategy", "HALF", "/States/Task/Retry/0/JitterStrategy",
     "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Retry/0/MaxDelaySeconds", 0, "/States/Task/Retry/0/MaxDelaySeconds",
     "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Catch/0/Next", "Gone", "/States/Task/Catch/0/Next", "MISSING_TRANSITION_TARGET"),
    ("/States/Task/Catch/0/Next", ..., "/States/Task/Catch/0", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Task/Catch/0/ErrorEquals", ["States.ALL", "Boom"], "/States/Task/Catch/0/ErrorEquals",
     "SCHEMA_VALIDATION_FAILED"),
    ("/States/Choice/Choices/0/Next", "Gone", "/States/Choice/Choices/0/Next", "MISSING_TRANSITION_TARGET"),
    ("/States/Choice/Default", "Gone", "/States/Choice/Default", "MISSING_TRANSITION_TARGET"),
    ("/States/Choice/Next", "Done", "/States/Choice", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Choice/Choices/1/And", [], "/States/Choice/Choices/1/And", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Wait/Timestamp", "2024-01-01T00:00:00Z", "/States/Wait", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Wait/Seconds", -1, "/States/Wait/Seconds", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Wait/Seconds", ..., "/States/Wait", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Map/ItemProcessor", ..., "/States/Map", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Map/Iterator", {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}, "/States/Map",
     "SCHEMA_VALIDATION_FAILED"),
    ("/States/Map/Parameters", {}, "/States/Map", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Map/MaxConcurrency", -1, "/States/Map/MaxConcurrency", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Map/ToleratedFailurePercentage", 101, "/States/Map/ToleratedFailurePercentage",
     "SCHEMA_VALIDATION_FAILED"),
    ("/States/Map/ItemProcessor/States/Inner/Next", "Outside", "/States/Map/ItemProcessor/States/Inner/Next",
     "MISSING_TRANSITION_TARGET"),
    ("/States/Map/ItemProcessor/StartAt", "Gone", "/States/Map/ItemProcessor/StartAt", "MISSING_TRANSITION_TARGET"),
    ("/States/Map/Label", "has space", "/States/Map/Label", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Parallel/Branches", [], "/States/Parallel/Branches", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Parallel/Branches/0/States/B1", {"Type": "Pass", "Next": "Done"},
     "/States/Parallel/Branches/0/States/B1/Next", "MISSING_TRANSITION_TARGET"),
    ("/States/Fail/Error", 5, "/States/Fail/Error", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Fail/CausePath", "not a path", "/States/Fail/CausePath", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Fail/Next", "Done", "/States/Fail", "SCHEMA_VALIDATION_FAILED"),
    ("/States/Done/End", True, "/States/Done", "SCHEMA_VALIDATION_FAILED"),
])
def test_each_broken_rule_is_reported_at_its_json_pointer(path, value, where, code):
    assert (where, code) in located(mutate(path, value))


def test_a_machine_without_a_terminal_state_is_rejected():
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}
    assert ("/", "NO_TERMINAL_STATE") in located(definition)


def test_the_aws_message_names_every_problem_with_its_code_and_location():
    with pytest.raises(DefinitionError) as info:
        parse_definition(json.dumps(mutate("/States/Pass/Next", "Gone")))
    message = info.value.aws_message()
    assert message.startswith("Invalid State Machine Definition: '")
    assert "MISSING_TRANSITION_TARGET" in message and "/States/Pass/Next" in message


def test_express_machines_refuse_sync_and_callback_integrations():
    definition = mutate("/States/Task/Resource", "arn:aws:states:::states:startExecution.sync")
    assert parse_definition(json.dumps(definition), machine_type="STANDARD")
    with pytest.raises(DefinitionError) as info:
        parse_definition(json.dumps(definition), machine_type="EXPRESS")
    assert [p.path for p in info.value.problems] == ["/States/Task/Resource"]


@pytest.mark.parametrize("text, code", [
    ("{not json", "INVALID_JSON_DESCRIPTION"),
    ("", "INVALID_JSON_DESCRIPTION"),
    ("[]", "SCHEMA_VALIDATION_FAILED"),
    ("null", "SCHEMA_VALIDATION_FAILED"),
    ("42", "SCHEMA_VALIDATION_FAILED"),
    ('"text"', "SCHEMA_VALIDATION_FAILED"),
])
def test_text_that_is_not_a_json_object_is_one_problem_at_the_root(text, code):
    found = problems(text)
    assert [(p.path, p.code) for p in found] == [("/", code)]


def test_ten_thousand_and_one_states_are_rejected_without_building_them():
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(10_001)}
    states["S10001"] = {"Type": "Succeed"}
    found = problems({"StartAt": "S0", "States": states})
    assert any("at most" in p.message for p in found)


def test_deeply_nested_parallels_are_rejected_not_a_recursion_error():
    machine = {"StartAt": "Leaf", "States": {"Leaf": {"Type": "Succeed"}}}
    for _ in range(200):
        machine = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [machine]}}}
    assert problems(machine)


def test_deeply_nested_json_is_rejected_not_a_recursion_error():
    assert problems("[" * 100_000 + "]" * 100_000)
    deep_result = ('{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": '
                   + "[" * 50_000 + "]" * 50_000 + "}}}")
    assert isinstance(problems(deep_result), list)  # accepted or rejected, but answered


def test_a_definition_over_one_megabyte_is_rejected():
    big = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Result": "x" * 1_100_000}}})
    assert [p.path for p in problems(big)] == ["/"]


def test_validate_accepts_a_parsed_dict_as_well_as_text():
    assert validate_definition(copy.deepcopy(VALID)) == []
    assert validate_definition({"StartAt": "A"})


@pytest.mark.parametrize("bad_type", [[], {"a": 1}])
def test_a_state_type_that_is_an_array_or_object_is_a_problem_not_a_crash(bad_type):
    definition = {"StartAt": "A", "States": {"A": {"Type": bad_type, "End": True}}}
    assert ("/States/A/Type", "SCHEMA_VALIDATION_FAILED") in located(definition)


@pytest.mark.parametrize("field, value", [("Type", 5), ("Type", None), ("QueryLanguage", []), ("StartAt", [])])
def test_wrong_json_types_in_top_level_and_state_fields_are_problems_not_crashes(field, value):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    if field in ("Type",):
        definition["States"]["A"][field] = value
    else:
        definition[field] = value
    assert problems(definition)
