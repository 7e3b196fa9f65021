"""History events: AWS's types, ids, previousEventIds and detail fields."""
from __future__ import annotations

import json

from executor.asl.errors import StatesError

from .engine import run

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def ids(result) -> list[tuple[int, int, str]]:
    return [(e["id"], e["previousEventId"], e["type"]) for e in result.events]


def test_a_simple_chain_numbers_events_in_order_each_pointing_at_the_one_before():
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "C"},
                                             "C": {"Type": "Succeed"}}}
    result = run(definition, {"x": 1})
    assert ids(result) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "PassStateEntered"),  # AWS links the first state to 0, not to ExecutionStarted
        (3, 2, "PassStateExited"),
        (4, 3, "PassStateEntered"),
        (5, 4, "PassStateExited"),
        (6, 5, "SucceedStateEntered"),
        (7, 6, "SucceedStateExited"),
        (8, 7, "ExecutionSucceeded"),
    ]


def test_event_details_carry_json_text_as_aws_does():
    result = run({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"b": [1, 2]}, "End": True}}},
                 {"x": "é"})
    started, entered, exited, succeeded = result.events
    assert started["executionStartedEventDetails"] == {
        "input": '{"x":"é"}', "inputDetails": {"truncated": False}, "roleArn": "arn:aws:iam::123456789012:role/r"}
    assert entered["stateEnteredEventDetails"] == {"input": '{"x":"é"}', "inputDetails": {"truncated": False},
                                                   "name": "A"}
    assert exited["stateExitedEventDetails"] == {"name": "A", "output": '{"b":[1,2]}',
                                                 "outputDetails": {"truncated": False}}
    assert succeeded["executionSucceededEventDetails"] == {"output": '{"b":[1,2]}',
                                                           "outputDetails": {"truncated": False}}


def test_every_event_has_a_timestamp_and_at_most_one_details_object():
    result = run({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": LAMBDA, "End": True}}}, {})
    for event in result.events:
        assert isinstance(event["timestamp"], float)
        assert len([k for k in event if k.endswith("EventDetails")]) <= 1


def test_a_lambda_task_records_scheduled_started_succeeded_with_its_resource_and_input():
    result = run({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 30,
                                                   "Parameters": {"k": 1}, "End": True}}}, {})
    assert result.types == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                            "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
                            "ExecutionSucceeded"]
    scheduled = result.of_type("LambdaFunctionScheduled")[0]["lambdaFunctionScheduledEventDetails"]
    assert scheduled["resource"] == LAMBDA and json.loads(scheduled["input"]) == {"k": 1}
    assert scheduled["timeoutInSeconds"] == 30
    assert "lambdaFunctionStartedEventDetails" not in result.of_type("LambdaFunctionStarted")[0]
    assert [p for _, p, _ in ids(result)] == [0, 0, 2, 3, 4, 5, 6]


def test_a_service_integration_task_records_task_events_with_resource_type_and_region():
    result = run({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                                   "Parameters": {"QueueUrl": "q"}, "End": True}}}, {})
    scheduled = result.of_type("TaskScheduled")[0]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"], scheduled["region"]) == ("sqs", "sendMessage",
                                                                                       "us-east-1")
    assert json.loads(scheduled["parameters"]) == {"QueueUrl": "q"}
    assert result.of_type("TaskStarted")[0]["taskStartedEventDetails"] == {"resourceType": "sqs",
                                                                          "resource": "sendMessage"}
    assert "TaskSucceeded" in result.types


def test_a_failed_task_records_its_error_and_cause_then_the_execution_failure():
    def boom(resource, parameters, info):
        raise StatesError("Boom", "why")
    result = run({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}, {},
                 invoke=boom)
    failed = result.of_type("LambdaFunctionFailed")[0]["lambdaFunctionFailedEventDetails"]
    assert failed == {"error": "Boom", "cause": "why"}
    assert result.events[-1]["type"] == "ExecutionFailed"
    assert result.events[-1]["executionFailedEventDetails"] == {"error": "Boom", "cause": "why"}
    assert result.events[-1]["previousEventId"] == result.events[-2]["id"]


def test_map_iterations_link_back_to_the_map_start():
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}}
    result = run(definition, [1])
    table = ids(result)
    by_type = {t: (i, p) for i, p, t in table}
    map_started = by_type["MapStateStarted"][0]
    assert by_type["MapIterationStarted"][1] == map_started
    iteration_started = by_type["MapIterationStarted"][0]
    assert by_type["PassStateEntered"][1] == iteration_started
    assert by_type["MapIterationSucceeded"][1] == by_type["PassStateExited"][0]


def test_event_ids_are_unique_and_increase_by_one_even_with_concurrency():
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}}}},
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}]}}}
    result = run(definition, [1, 2, 3])
    assert [e["id"] for e in result.events] == list(range(1, len(result.events) + 1))
    assert all(e["previousEventId"] < e["id"] for e in result.events)
