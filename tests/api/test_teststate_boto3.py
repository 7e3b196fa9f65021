"""TestState through boto3: one state, its inspection data at each level, mocks, retriers, catchers."""
from __future__ import annotations

import json

import pytest

from executor.resources.lambdas import bind

TASK = {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
    "InputPath": "$.order",
    "Parameters": {"FunctionName": "price", "Payload": {"sku.$": "$.sku"}},
    "ResultSelector": {"total.$": "$.Payload.total"},
    "ResultPath": "$.priced",
    "OutputPath": "$.priced",
    "Retry": [{"ErrorEquals": ["Price.Busy"], "IntervalSeconds": 3, "MaxAttempts": 2, "BackoffRate": 2}],
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Apologise"}],
    "Next": "Ship",
}
ORDER = {"order": {"sku": "A1", "qty": 2}}
LAMBDA_RESULT = {"StatusCode": 200, "Payload": {"total": 42}}


def run_test_state(sfn, state=TASK, **kwargs):
    kwargs.setdefault("input", json.dumps(ORDER))
    return sfn.test_state(definition=json.dumps(state), roleArn="arn:aws:iam::123456789012:role/r", **kwargs)


def test_info_level_gives_the_output_and_next_state_without_inspection_data(sfn):
    answer = run_test_state(sfn, mock={"result": json.dumps(LAMBDA_RESULT)}, inspectionLevel="INFO")
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"total": 42}
    assert answer["nextState"] == "Ship"
    assert "inspectionData" not in answer


@pytest.mark.parametrize("level", ["DEBUG", "TRACE"])
def test_debug_and_trace_show_each_step_of_input_and_output_processing(sfn, level):
    answer = run_test_state(sfn, mock={"result": json.dumps(LAMBDA_RESULT)}, inspectionLevel=level)
    data = {key: json.loads(value) for key, value in answer["inspectionData"].items() if isinstance(value, str)}
    assert data["input"] == ORDER
    assert data["afterInputPath"] == {"sku": "A1", "qty": 2}
    assert data["afterParameters"] == {"FunctionName": "price", "Payload": {"sku": "A1"}}
    assert data["result"] == LAMBDA_RESULT
    assert data["afterResultSelector"] == {"total": 42}
    assert data["afterResultPath"] == {**ORDER, "priced": {"total": 42}}  # ResultPath works on the raw input
    assert json.loads(answer["output"]) == {"total": 42}


def test_without_a_mock_the_task_calls_its_real_local_handler(sfn):
    bind("price", lambda event, ctx: {"total": 10 * len(event["sku"])})
    answer = run_test_state(sfn, inspectionLevel="DEBUG")
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"total": 20}


def test_a_mocked_error_a_retrier_still_handles_is_retriable_with_its_backoff(sfn):
    answer = run_test_state(sfn, mock={"errorOutput": {"error": "Price.Busy", "cause": "queue full"}},
                        stateConfiguration={"retrierRetryCount": 1}, inspectionLevel="DEBUG")
    assert answer["status"] == "RETRIABLE"
    assert (answer["error"], answer["cause"]) == ("Price.Busy", "queue full")
    assert answer["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 6}


def test_once_the_retrier_is_spent_the_catcher_takes_the_error(sfn):
    answer = run_test_state(sfn, mock={"errorOutput": {"error": "Price.Busy", "cause": "queue full"}},
                        stateConfiguration={"retrierRetryCount": 2}, inspectionLevel="DEBUG")
    assert answer["status"] == "CAUGHT_ERROR"
    assert answer["nextState"] == "Apologise"
    assert json.loads(answer["output"])["error"] == {"Error": "Price.Busy", "Cause": "queue full"}
    assert answer["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_an_error_nothing_handles_fails_the_state(sfn):
    state = {k: v for k, v in TASK.items() if k not in ("Retry", "Catch")}
    answer = run_test_state(sfn, state, mock={"errorOutput": {"error": "Price.Gone", "cause": "no such sku"}})
    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "Price.Gone", "no such sku")
    assert "output" not in answer


MACHINE = {
    "StartAt": "Route",
    "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.qty", "NumericGreaterThan": 10, "Next": "Bulk"}], "Default": "Single"},
        "Bulk": {"Type": "Pass", "End": True},
        "Single": {"Type": "Pass", "Assign": {"seen.$": "$.qty"}, "End": True},
    },
}


def test_a_choice_in_a_whole_definition_reports_the_state_it_chooses(sfn):
    answer = run_test_state(sfn, MACHINE, stateName="Route", input='{"qty": 12}')
    assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", "Bulk")
    answer = run_test_state(sfn, MACHINE, stateName="Route", input='{"qty": 1}')
    assert answer["nextState"] == "Single"


def test_variables_go_in_and_the_assigned_ones_come_out(sfn):
    answer = run_test_state(sfn, MACHINE, stateName="Single", input='{"qty": 3}', variables='{"before": true}',
                        inspectionLevel="DEBUG")
    assert json.loads(answer["inspectionData"]["variables"]) == {"before": True, "seen": 3}
    assert "nextState" not in answer


def test_the_context_object_given_is_what_the_state_sees(sfn):
    state = {"Type": "Pass", "Parameters": {"who.$": "$$.Execution.Name"}, "End": True}
    answer = run_test_state(sfn, state, context=json.dumps({"Execution": {"Name": "nightly"}}))
    assert json.loads(answer["output"]) == {"who": "nightly"}


MAP = {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1, "End": True,
       "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}}


def test_a_map_needs_a_mock_and_fails_past_its_tolerated_failure_count(sfn):
    with pytest.raises(sfn.exceptions.ValidationException):
        run_test_state(sfn, MAP, input='{"items": [1, 2, 3]}')
    ok = run_test_state(sfn, MAP, input='{"items": [1, 2, 3]}', mock={"result": "[1, 2, 3]"},
                    stateConfiguration={"mapIterationFailureCount": 1}, inspectionLevel="DEBUG")
    assert ok["status"] == "SUCCEEDED"
    assert ok["inspectionData"]["toleratedFailureCount"] == 1
    assert json.loads(ok["inspectionData"]["afterItemsPath"]) == [1, 2, 3]
    failed = run_test_state(sfn, MAP, input='{"items": [1, 2, 3]}', mock={"result": "[1, 2, 3]"},
                        stateConfiguration={"mapIterationFailureCount": 2})
    assert (failed["status"], failed["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")


def test_error_caused_by_state_must_name_a_state_inside_the_map(sfn):
    with pytest.raises(sfn.exceptions.ValidationException):
        run_test_state(sfn, MAP, input='{"items": []}', mock={"errorOutput": {"error": "E"}},
                   stateConfiguration={"errorCausedByState": "Elsewhere"})
    answer = run_test_state(sfn, MAP, input='{"items": []}', mock={"errorOutput": {"error": "E", "cause": "c"}},
                        stateConfiguration={"errorCausedByState": "Work"})
    assert (answer["status"], answer["error"]) == ("FAILED", "E")


def test_a_strict_mock_must_match_the_apis_response_shape(sfn):
    with pytest.raises(sfn.exceptions.ValidationException) as raised:
        run_test_state(sfn, mock={"result": json.dumps({"Payloadd": {}})})
    assert "Payloadd" in str(raised.value)
    answer = run_test_state(sfn, mock={"result": json.dumps({"Payloadd": {}}), "fieldValidationMode": "NONE"})
    # Accepted: the ResultSelector then finds no Payload.total, which ends the state (States.Runtime).
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime")


def test_a_wait_state_answers_at_once(sfn):
    answer = run_test_state(sfn, {"Type": "Wait", "Seconds": 86400, "Next": "After"}, inspectionLevel="DEBUG")
    assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", "After")
    assert json.loads(answer["output"]) == ORDER


def test_a_definition_that_is_not_valid_is_refused(sfn):
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        run_test_state(sfn, {"Type": "Task", "Next": "X"})


def test_a_jsonata_task_shows_its_arguments_and_result(sfn):
    state = {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "price", "Payload": {"sku": "{% $states.input.order.sku %}"}},
             "Assign": {"last": "{% $states.result.Payload.total %}"},
             "Output": "{% $states.result.Payload.total * 2 %}", "End": True}
    answer = run_test_state(sfn, state, mock={"result": json.dumps(LAMBDA_RESULT)}, inspectionLevel="DEBUG")
    data = answer["inspectionData"]
    assert json.loads(data["afterArguments"]) == {"FunctionName": "price", "Payload": {"sku": "A1"}}
    assert json.loads(data["result"]) == LAMBDA_RESULT
    assert json.loads(data["variables"]) == {"last": 42}
    assert json.loads(answer["output"]) == 84


def test_a_fail_state_fails_with_its_error_and_cause(sfn):
    answer = run_test_state(sfn, {"Type": "Fail", "Error": "Order.Invalid", "CausePath": "$.order.sku"})
    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "Order.Invalid", "A1")


def test_a_pass_state_shows_its_result_placed_by_result_path(sfn):
    state = {"Type": "Pass", "Result": {"checked": True}, "ResultPath": "$.check", "Next": "Charge"}
    answer = run_test_state(sfn, state, inspectionLevel="DEBUG")
    assert json.loads(answer["inspectionData"]["afterResultPath"]) == {**ORDER, "check": {"checked": True}}
    assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", "Charge")


HTTP_CONNECTION = "arn:aws:events:us-east-1:123456789012:connection/Orders/6c1b9d8e-0000-4000-8000-000000000000"


@pytest.fixture
def orders_api(tmp_path, monkeypatch):
    """A local HTTP server on 127.0.0.1 answering 201 with JSON, and a connection to it that adds an
    API key, a header, a query parameter and a body field."""
    from tests.resources.servers import LocalServer, json_reply

    connections = tmp_path / "connections.json"
    connections.write_text(json.dumps({"Connections": {"Orders": {
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"},
                           "InvocationHttpParameters": {
                               "HeaderParameters": [{"Key": "X-Tenant", "Value": "acme"}],
                               "QueryStringParameters": [{"Key": "v", "Value": "2"}],
                               "BodyParameters": [{"Key": "source", "Value": "sfn"}]}}}}}))
    monkeypatch.setenv("SWITCHYARD_HTTP_CONNECTIONS", str(connections))

    def reply(request):
        if request.path.startswith("/broken"):
            return json_reply(503, {"message": "down for maintenance"})
        return json_reply(201, {"id": "o-1", "sku": request.json()["sku"]}, **{"X-Request-Id": "r-9"})
    with LocalServer(reply) as server:
        yield server


def http_task(url: str) -> dict:
    return {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
            "Parameters": {"ApiEndpoint": url, "Method": "POST", "Headers": {"X-Trace": "yes"},
                           "QueryParameters": {"page": 2}, "RequestBody": {"sku.$": "$.order.sku"},
                           "Authentication": {"ConnectionArn": HTTP_CONNECTION}}}


def test_trace_shows_an_http_tasks_request_and_response_without_the_connections_secrets(sfn, orders_api):
    answer = run_test_state(sfn, http_task(f"{orders_api.url}/orders"), inspectionLevel="TRACE")
    assert answer["status"] == "SUCCEEDED"
    request, response = answer["inspectionData"]["request"], answer["inspectionData"]["response"]
    assert (request["protocol"], request["method"]) == ("http", "POST")
    assert request["url"] == f"{orders_api.url}/orders?page=2"
    assert request["headers"] == ("[X-Trace: yes, Content-Type: application/json, "
                                  "User-Agent: Amazon|StepFunctions|HttpInvoke|us-east-1]")
    assert json.loads(request["body"]) == {"sku": "A1"}
    assert (response["protocol"], response["statusCode"], response["statusMessage"]) == ("http", "201", "Created")
    assert "Content-Type: application/json" in response["headers"] and "X-Request-Id: r-9" in response["headers"]
    assert json.loads(response["body"]) == {"id": "o-1", "sku": "A1"}
    assert json.loads(answer["output"])["ResponseBody"] == {"id": "o-1", "sku": "A1"}
    # What went out did carry the connection's additions: only the trace leaves them out.
    sent = orders_api.requests[0]
    assert (sent.headers["x-api-key"], sent.headers["x-tenant"], sent.path) == ("s3cret", "acme", "/orders?page=2&v=2")
    assert "s3cret" not in json.dumps(answer["inspectionData"])


def test_trace_with_reveal_secrets_shows_what_the_connection_adds(sfn, orders_api):
    answer = run_test_state(sfn, http_task(f"{orders_api.url}/orders"), inspectionLevel="TRACE", revealSecrets=True)
    request = answer["inspectionData"]["request"]
    assert request["url"] == f"{orders_api.url}/orders?page=2&v=2"
    assert "x-api-key: s3cret" in request["headers"] and "X-Tenant: acme" in request["headers"]
    assert json.loads(request["body"]) == {"sku": "A1", "source": "sfn"}


def test_trace_shows_the_response_of_an_http_task_that_fails_on_its_status(sfn, orders_api):
    answer = run_test_state(sfn, http_task(f"{orders_api.url}/broken"), inspectionLevel="TRACE")
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Http.StatusCode.503")
    response = answer["inspectionData"]["response"]
    assert (response["statusCode"], response["statusMessage"]) == ("503", "Service Unavailable")
    assert json.loads(response["body"]) == {"message": "down for maintenance"}


def test_only_trace_shows_the_http_exchange(sfn, orders_api):
    debug = run_test_state(sfn, http_task(f"{orders_api.url}/orders"), inspectionLevel="DEBUG")
    assert "request" not in debug["inspectionData"] and "response" not in debug["inspectionData"]
    assert json.loads(debug["inspectionData"]["result"])["StatusCode"] == 201
    lambda_trace = run_test_state(sfn, mock={"result": json.dumps(LAMBDA_RESULT)}, inspectionLevel="TRACE")
    assert "request" not in lambda_trace["inspectionData"]
