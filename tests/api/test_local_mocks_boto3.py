"""Step Functions Local's mocked service integrations, through boto3: SFN_MOCK_CONFIG and
StartExecution on ``<stateMachineArn>#<TestCase>``."""
from __future__ import annotations

import json
import os
import time

import pytest

from executor.resources import register_invoker
from executor.resources.lambdas import bind
from tests.api.conftest import wait_for_end

# The state machine and mock configuration of AWS's page "Using mocked service integrations for
# testing in Step Functions Local", as documented there.
DOC_MACHINE = json.dumps({
    "Comment": "This state machine is called: LambdaSQSIntegration",
    "StartAt": "LambdaState",
    "States": {
        "LambdaState": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
            "Next": "SQSState",
        },
        "SQSState": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue",
                           "MessageBody.$": "$"},
            "End": True,
        },
    },
})
LAMBDA_OK = {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}
SQS_OK = {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
          "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}
NOT_READY = {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}
DOC_CONFIG = {
    "StateMachines": {"LambdaSQSIntegration": {"TestCases": {
        "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
        "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
        "HybridPath": {"LambdaState": "MockedLambdaSuccess"},
    }}},
    "MockedResponses": {
        "MockedLambdaSuccess": {"0": {"Return": LAMBDA_OK}},
        "LambdaMockedResourceNotReady": {"0": {"Throw": NOT_READY}},
        "MockedSQSSuccess": {"0": {"Return": SQS_OK}},
        "MockedLambdaRetry": {
            "0": {"Throw": NOT_READY},
            "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
            "3": {"Return": LAMBDA_OK},
        },
    },
}

#: Messages the "real" SQS integration received (registered once; answers only while a test lists it).
SENT: list = []
_SQS_ACTIVE: list = []


def _sqs_send(resource, parameters, context):
    SENT.append(parameters)
    return {"MessageId": "real-message", "MD5OfMessageBody": "real"}


register_invoker(lambda arn: bool(_SQS_ACTIVE) and arn == "arn:aws:states:::sqs:sendMessage", _sqs_send)


@pytest.fixture
def real_sqs():
    SENT.clear()
    _SQS_ACTIVE.append(True)
    yield SENT
    _SQS_ACTIVE.clear()


@pytest.fixture
def mock_config(tmp_path, settings):
    """Write a mock configuration and point SFN_MOCK_CONFIG at it: ``mock_config(config)``."""

    def write(config: dict):
        path = tmp_path / "MockConfigFile.json"
        path.write_text(json.dumps(config))
        settings.SFN_MOCK_CONFIG = str(path)
        return path

    return write


def run(sfn, arn: str, case: str, input: str = "{}") -> tuple[dict, list[dict]]:
    started = sfn.start_execution(stateMachineArn=f"{arn}#{case}", input=input)
    described = wait_for_end(sfn, started["executionArn"])
    return described, sfn.get_execution_history(executionArn=started["executionArn"])["events"]


def types(events: list[dict]) -> list[str]:
    return [e["type"] for e in events]


def test_the_documented_happy_path_answers_both_states_from_their_mocks(sfn, make_state_machine, mock_config):
    mock_config(DOC_CONFIG)
    arn = make_state_machine("LambdaSQSIntegration", DOC_MACHINE)
    described, events = run(sfn, arn, "HappyPath", '{"hello": "world"}')
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == SQS_OK
    assert types(events) == [
        "ExecutionStarted",
        "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
        "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
        "ExecutionSucceeded"]
    succeeded = events[4]["taskSucceededEventDetails"]
    assert (succeeded["resourceType"], succeeded["resource"]) == ("lambda", "invoke")
    assert json.loads(succeeded["output"]) == LAMBDA_OK


def test_the_documented_retry_path_fails_three_times_then_succeeds(sfn, make_state_machine, mock_config, api):
    mock_config(DOC_CONFIG)
    arn = make_state_machine("LambdaSQSIntegration", DOC_MACHINE)
    # The retrier waits 2 + 4 + 8 seconds: skip them with the virtual clock.
    assert api.put_json("/api/state-machines/LambdaSQSIntegration/local-settings/", {"clock": "skip"}).status_code \
        == 200
    described, events = run(sfn, arn, "RetryPath")
    assert described["status"] == "SUCCEEDED"
    failures = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
    assert [(f["error"], f["cause"]) for f in failures] == [
        ("Lambda.ResourceNotReadyException", "Lambda resource is not ready."),
        ("Lambda.TimeoutException", "Lambda timed out."),
        ("Lambda.TimeoutException", "Lambda timed out.")]
    assert types(events).count("TaskSucceeded") == 2
    assert json.loads(described["output"]) == SQS_OK


def test_the_documented_hybrid_path_calls_the_state_it_does_not_mock(sfn, make_state_machine, mock_config,
                                                                     real_sqs):
    mock_config(DOC_CONFIG)
    arn = make_state_machine("LambdaSQSIntegration", DOC_MACHINE)
    described, _ = run(sfn, arn, "HybridPath")
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"MessageId": "real-message", "MD5OfMessageBody": "real"}
    assert real_sqs == [{"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue",
                         "MessageBody": LAMBDA_OK}]


MAP_MACHINE = json.dumps({
    "StartAt": "Each",
    "States": {"Each": {
        "Type": "Map", "MaxConcurrency": 1, "End": True,
        "ItemProcessor": {"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Parameters": {"FunctionName": "scorer", "Payload.$": "$"},
                     "ResultSelector": {"score.$": "$.Payload"},
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rejected"}], "End": True},
            "Rejected": {"Type": "Pass", "Parameters": {"rejected.$": "$.Error"}, "End": True}}},
    }},
})


def test_each_invocation_key_form_answers_in_order_inside_a_map(sfn, make_state_machine, mock_config):
    """"0", a range "1-2", a single "3", and past the last key the last answer repeats."""
    mock_config({
        "StateMachines": {"scores": {"TestCases": {"Mixed": {"Call": "Scores"}}}},
        "MockedResponses": {"Scores": {
            "0": {"Return": {"Payload": 10}},
            "1-2": {"Return": {"Payload": 20}},
            "3": {"Throw": {"Error": "Model.Overloaded", "Cause": "try later"}},
        }},
    })
    arn = make_state_machine("scores", MAP_MACHINE)
    described, events = run(sfn, arn, "Mixed", json.dumps([1, 2, 3, 4, 5]))
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == [
        {"score": 10}, {"score": 20}, {"score": 20}, {"rejected": "Model.Overloaded"}, {"rejected": "Model.Overloaded"}]
    assert types(events).count("MapIterationSucceeded") == 5
    assert types(events).count("TaskFailed") == 2


PARALLEL = json.dumps({
    "StartAt": "Both",
    "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Legacy", "States": {"Legacy": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:legacy",
            "Parameters": {"n.$": "$.n"}, "OutputPath": "$.doubled", "End": True}}},
        {"StartAt": "Modern", "States": {"Modern": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "modern", "Payload.$": "$"},
            "OutputPath": "$.Payload.label", "End": True}}},
    ]}},
})


def test_states_in_parallel_branches_are_mocked_and_a_lambda_arn_records_lambda_events(
        sfn, make_state_machine, mock_config):
    calls = []
    bind("legacy", lambda event, ctx: calls.append(event))
    bind("modern", lambda event, ctx: calls.append(event))
    mock_config({
        "StateMachines": {"fan": {"TestCases": {"Ok": {"Legacy": "Doubled", "Modern": "Labelled"},
                                                "LegacyDown": {"Legacy": "Down", "Modern": "Labelled"}}}},
        "MockedResponses": {
            "Doubled": {"0": {"Return": {"doubled": 42}}},
            "Labelled": {"0": {"Return": {"Payload": {"label": "fine"}}}},
            "Down": {"0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "gone"}}},
        },
    })
    arn = make_state_machine("fan", PARALLEL)
    described, events = run(sfn, arn, "Ok", '{"n": 21}')
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == [42, "fine"]
    assert {"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"} <= set(types(events))
    described, events = run(sfn, arn, "LegacyDown", '{"n": 21}')
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Lambda.ServiceException",
                                                                              "gone")
    failed = next(e for e in events if e["type"] == "LambdaFunctionFailed")["lambdaFunctionFailedEventDetails"]
    assert (failed["error"], failed["cause"]) == ("Lambda.ServiceException", "gone")
    assert calls == []  # a mocked state never reaches its handler


def test_an_unknown_test_case_is_refused_naming_it(sfn, make_state_machine, mock_config):
    mock_config(DOC_CONFIG)
    arn = make_state_machine("LambdaSQSIntegration", DOC_MACHINE)
    with pytest.raises(sfn.exceptions.ClientError) as raised:
        sfn.start_execution(stateMachineArn=f"{arn}#NoSuchCase")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "NoSuchCase" in raised.value.response["Error"]["Message"]


def test_a_malformed_mock_configuration_is_refused_with_the_reason(sfn, make_state_machine, mock_config):
    mock_config({"StateMachines": {"m": {"TestCases": {"T": {"A": "R"}}}},
                 "MockedResponses": {"R": {"1": {"Return": 1}}}})
    arn = make_state_machine("m")
    with pytest.raises(sfn.exceptions.ClientError) as raised:
        sfn.start_execution(stateMachineArn=f"{arn}#T")
    assert "must run from 0" in raised.value.response["Error"]["Message"]


def test_the_rest_api_starts_a_test_case_and_reads_the_file_again_when_it_changes(sfn, make_state_machine,
                                                                                mock_config, api):
    mock_config(DOC_CONFIG)
    make_state_machine("LambdaSQSIntegration", DOC_MACHINE)
    answer = api.post("/api/state-machines/LambdaSQSIntegration/executions/", {"test_case": "HappyPath"})
    assert answer.status_code == 201, answer.content
    assert json.loads(wait_for_end(sfn, answer.json()["arn"])["output"]) == SQS_OK
    changed = json.loads(json.dumps(DOC_CONFIG))
    changed["MockedResponses"]["MockedSQSSuccess"]["0"]["Return"] = {"MessageId": "changed"}
    path = mock_config(changed)
    os.utime(path, (time.time() + 5, time.time() + 5))  # a new mtime even within the same second
    answer = api.post("/api/state-machines/LambdaSQSIntegration/executions/", {"test_case": "HappyPath"})
    assert json.loads(wait_for_end(sfn, answer.json()["arn"])["output"]) == {"MessageId": "changed"}
