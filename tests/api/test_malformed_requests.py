"""Bad requests get a 4xx JSON error in AWS's shape: never a 500, never an HTML page."""
from __future__ import annotations

import json

import pytest
import requests

from tests.api.conftest import ROLE_ARN, pass_definition

AMZ_JSON = "application/x-amz-json-1.0"


def call(endpoint: str, action: str | None, body: bytes | str | dict, *, target_prefix="AWSStepFunctions"):
    """POST ``body`` to the endpoint as ``action``; return the response."""
    headers = {"Content-Type": AMZ_JSON}
    if action is not None:
        headers["X-Amz-Target"] = f"{target_prefix}.{action}"
    data = json.dumps(body) if isinstance(body, dict) else body
    return requests.post(endpoint + "/", data=data, headers=headers, timeout=60)


def error_code(response) -> str:
    """Return the error code the way botocore reads it from ``__type``."""
    assert response.headers["Content-Type"].startswith(AMZ_JSON), response.text[:200]
    return response.json()["__type"].rsplit("#", 1)[-1]


def test_a_successful_answer_is_amz_json_with_a_request_id(endpoint):
    response = call(endpoint, "ListStateMachines", {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == AMZ_JSON
    assert response.headers["x-amzn-RequestId"]
    assert response.json() == {"stateMachines": []}


@pytest.mark.parametrize("body", [b"not json at all", b"[1, 2, 3]", b'"a string"', b"{" * 50_000])
def test_a_body_that_is_not_a_json_object_is_a_serialization_error(endpoint, body):
    response = call(endpoint, "ListStateMachines", body)
    assert response.status_code == 400
    assert error_code(response) == "SerializationException"


def test_an_empty_body_reads_as_no_parameters(endpoint):
    assert call(endpoint, "ListStateMachines", b"").status_code == 200


# Every operation of botocore's Step Functions model is implemented: a near-miss name is unknown.
@pytest.mark.parametrize("action", ["NoSuchAction", "", "DescribeStateMachines", "listExecutions"])
def test_an_unknown_action_is_an_unknown_operation(endpoint, action):
    response = call(endpoint, action, {})
    assert response.status_code == 400
    assert error_code(response) == "UnknownOperationException"


def test_a_request_without_a_target_is_an_unknown_operation(endpoint):
    response = call(endpoint, None, {})
    assert response.status_code == 400
    assert error_code(response) == "UnknownOperationException"


def test_another_services_target_is_an_unknown_operation(endpoint):
    response = call(endpoint, "ListQueues", {}, target_prefix="AmazonSQS")
    assert error_code(response) == "UnknownOperationException"


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"name": 123, "definition": pass_definition(), "roleArn": ROLE_ARN}, "at 'name'"),
        ({"name": "n", "definition": pass_definition()}, "Value null at 'roleArn'"),
        ({"name": "n", "definition": pass_definition(), "roleArn": ROLE_ARN, "colour": "red"}, "'colour'"),
        ({"name": "n", "definition": pass_definition(), "roleArn": ROLE_ARN, "tags": "x"}, "at 'tags'"),
        ({"name": "n", "definition": pass_definition(), "roleArn": ROLE_ARN, "tags": [{"key": ""}]},
         "tags.1.member.key"),
        ({"name": "n", "definition": pass_definition(), "roleArn": ROLE_ARN, "publish": "yes"}, "at 'publish'"),
        ({"name": "", "definition": pass_definition(), "roleArn": ROLE_ARN}, "greater than or equal to 1"),
    ],
)
def test_parameters_that_break_the_service_model_are_a_validation_exception(endpoint, body, fragment):
    response = call(endpoint, "CreateStateMachine", body)
    assert response.status_code == 400
    assert error_code(response) == "ValidationException"
    assert fragment in response.json()["message"]


def test_several_broken_parameters_are_reported_together(endpoint):
    response = call(endpoint, "GetExecutionHistory", {"executionArn": 5, "maxResults": 5000, "reverseOrder": "no"})
    message = response.json()["message"]
    assert message.startswith("3 validation errors detected")


@pytest.mark.parametrize(
    "definition",
    [
        "not json",
        "[]",
        json.dumps({"StartAt": 5, "States": []}),
        json.dumps({"States": {}}),
        json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": 7}}}),
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_a_definition_of_the_wrong_shape_is_an_invalid_definition(endpoint, definition):
    response = call(endpoint, "CreateStateMachine", {"name": "bad", "definition": definition, "roleArn": ROLE_ARN})
    assert response.status_code == 400
    assert error_code(response) == "InvalidDefinition"
    assert response.json()["message"].startswith("Invalid State Machine Definition")


def test_a_definition_over_one_megabyte_is_refused(endpoint):
    padding = "x" * (1024 * 1024)
    definition = json.dumps({"Comment": padding, "StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    response = call(endpoint, "CreateStateMachine", {"name": "huge", "definition": definition, "roleArn": ROLE_ARN})
    assert response.status_code == 400
    assert error_code(response) in ("ValidationException", "InvalidDefinition")


def test_ten_thousand_states_are_answered_without_a_server_error(endpoint):
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(9_999)}
    states["S9999"] = {"Type": "Pass", "End": True}
    definition = json.dumps({"StartAt": "S0", "States": states})
    response = call(endpoint, "CreateStateMachine", {"name": "wide", "definition": definition, "roleArn": ROLE_ARN})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert error_code(response) in ("InvalidDefinition", "ValidationException")


def test_deeply_nested_parallel_states_are_answered_without_a_server_error(endpoint):
    # Built as text: json.dumps itself would hit the recursion limit at this depth.
    depth = 500
    opening = '{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": ['
    leaf = '{"StartAt": "Leaf", "States": {"Leaf": {"Type": "Pass", "End": true}}}'
    definition = opening * depth + leaf + "]}}}" * depth
    response = call(endpoint, "CreateStateMachine", {"name": "deep", "definition": definition, "roleArn": ROLE_ARN})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert error_code(response) in ("InvalidDefinition", "ValidationException")


@pytest.mark.parametrize("text", ["{", "nope", "[" * 100_000, '{"a": NaN'])
def test_malformed_execution_input_is_an_invalid_execution_input(endpoint, sfn, text):
    arn = sfn.create_state_machine(name="in", definition=pass_definition(), roleArn=ROLE_ARN)["stateMachineArn"]
    response = call(endpoint, "StartExecution", {"stateMachineArn": arn, "input": text})
    assert response.status_code == 400
    assert error_code(response) in ("InvalidExecutionInput", "ValidationException")


def test_a_body_over_the_upload_limit_is_refused_with_json(endpoint, settings):
    body = b'{"definition": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    response = call(endpoint, "ValidateStateMachineDefinition", body)
    assert response.status_code == 413
    assert error_code(response) == "RequestEntityTooLargeException"


def test_an_unexpected_exception_still_answers_json(endpoint, monkeypatch):
    from designer.awsapi import view

    def explode(params):
        raise RuntimeError("boom")

    monkeypatch.setitem(view.ACTIONS, "ListStateMachines", explode)
    response = call(endpoint, "ListStateMachines", {})
    assert response.status_code == 500
    assert error_code(response) == "InternalFailure"
    assert "boom" not in response.text  # no internals leak to the client


def test_other_http_methods_on_the_root_answer_json(endpoint):
    response = requests.put(endpoint + "/", data="{}", timeout=10)
    assert response.status_code == 405
    assert response.headers["Content-Type"].startswith("application/json")
