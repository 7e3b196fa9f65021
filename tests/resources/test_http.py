"""HTTP Tasks (http:invoke) against a local server: AWS's request fields, result shape and errors."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import uuid

import pytest

from executor.resources import InvocationContext, ResourceFailure, invoke
from executor.resources.http import encode_form
from executor.runtime.base import ExecutionRequest
from executor.runtime.embedded import EmbeddedRuntime, MemorySink

from .servers import LocalServer, free_port, json_reply

EXECUTION = "arn:aws:states:eu-west-2:111122223333:execution:m:e"
CONNECTION = "arn:aws:events:eu-west-2:111122223333:connection/Billing/6c1b9d8e-0000-4000-8000-000000000000"


def call(parameters):
    return asyncio.run(invoke("arn:aws:states:::http:invoke", parameters,
                              InvocationContext(execution_arn=EXECUTION, state_name="Call")))


@pytest.fixture
def connections(tmp_path, monkeypatch):
    """Write the connections file the setting names; returns a function that fills it."""
    path = tmp_path / "connections.json"
    monkeypatch.setenv("SWITCHYARD_HTTP_CONNECTIONS", str(path))

    def write(value: dict) -> None:
        path.write_text(json.dumps(value))
    return write


def test_a_get_returns_the_parsed_body_status_and_headers_as_aws_shapes_them():
    with LocalServer(lambda r: json_reply(200, {"path": r.path}, **{"X-Trace": "t1"})) as server:
        result = call({"ApiEndpoint": f"{server.url}/v1/customers", "Method": "GET",
                       "QueryParameters": {"limit": 3, "q": "a b"}, "Headers": {"Accept": "application/json"}})
    assert result["StatusCode"] == 200 and result["StatusText"] == "OK"
    assert result["ResponseBody"] == {"path": "/v1/customers?limit=3&q=a+b"}
    assert result["Headers"]["X-Trace"] == ["t1"]
    seen = server.requests[0]
    assert seen.headers["accept"] == "application/json"
    assert seen.headers["user-agent"] == "Amazon|StepFunctions|HttpInvoke|eu-west-2"


def test_a_post_sends_the_request_body_as_json_and_a_text_response_stays_text():
    with LocalServer(lambda r: (201, {"Content-Type": "text/plain"}, b"created")) as server:
        result = call({"ApiEndpoint": server.url, "Method": "post", "RequestBody": {"name": "Ada", "n": [1, 2]}})
    assert (result["StatusCode"], result["ResponseBody"]) == (201, "created")
    assert server.requests[0].method == "POST"
    assert server.requests[0].headers["content-type"] == "application/json"
    assert server.requests[0].json() == {"name": "Ada", "n": [1, 2]}


@pytest.mark.parametrize(("array_format", "expected"), [
    ("INDICES", "a[0]=x&a[1]=y&o[k]=v&b=true"),
    ("REPEAT", "a=x&a=y&o[k]=v&b=true"),
    ("COMMAS", "a=x,y&o[k]=v&b=true"),
    ("BRACKETS", "a[]=x&a[]=y&o[k]=v&b=true"),
])
def test_url_encoding_writes_arrays_in_the_chosen_format(array_format, expected):
    encoded = encode_form({"a": ["x", "y"], "o": {"k": "v"}, "b": True}, array_format)
    assert urllib.parse.unquote(encoded) == expected


def test_a_url_encoded_body_is_sent_as_a_form():
    with LocalServer(lambda r: json_reply(200, {})) as server:
        call({"ApiEndpoint": server.url, "Method": "POST", "RequestBody": {"tags": ["a", "b"], "id": 7},
              "Transform": {"RequestBodyEncoding": "URL_ENCODED",
                            "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}})
    seen = server.requests[0]
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qsl(seen.body.decode()) == [("tags[]", "a"), ("tags[]", "b"), ("id", "7")]


def test_a_connection_from_the_local_file_adds_its_api_key_and_invocation_parameters(connections):
    connections({"Connections": {"Billing": {
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"},
                           "InvocationHttpParameters": {
                               "HeaderParameters": [{"Key": "X-Tenant", "Value": "acme"}],
                               "QueryStringParameters": [{"Key": "v", "Value": "2"}],
                               "BodyParameters": [{"Key": "source", "Value": "sfn"}]}}}}})
    with LocalServer(lambda r: json_reply(200, {})) as server:
        call({"ApiEndpoint": f"{server.url}/charge", "Method": "POST", "RequestBody": {"amount": 5},
              "Authentication": {"ConnectionArn": CONNECTION}})
    seen = server.requests[0]
    assert seen.headers["x-api-key"] == "s3cret" and seen.headers["x-tenant"] == "acme"
    assert seen.path == "/charge?v=2"
    assert seen.json() == {"amount": 5, "source": "sfn"}


def test_a_basic_connection_sends_an_authorization_header(connections):
    connections({"Connections": {CONNECTION: {
        "AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}}}})
    with LocalServer(lambda r: json_reply(200, {})) as server:
        call({"ApiEndpoint": server.url, "Method": "GET", "Authentication": {"ConnectionArn": CONNECTION}})
    assert server.requests[0].headers["authorization"] == "Basic dTpw"


def test_endpoints_in_the_file_send_an_aws_url_to_a_local_server_unedited(connections):
    with LocalServer(lambda r: json_reply(200, {"path": r.path})) as server:
        connections({"Endpoints": {"https://api.stripe.com": server.url}})
        result = call({"ApiEndpoint": "https://api.stripe.com/v1/customers", "Method": "GET"})
    assert result["ResponseBody"] == {"path": "/v1/customers"}


def test_a_status_outside_2xx_fails_with_states_http_status_code_and_the_body_as_cause():
    with LocalServer(lambda r: json_reply(429, {"message": "slow down"})) as server:
        with pytest.raises(ResourceFailure) as info:
            call({"ApiEndpoint": server.url, "Method": "GET"})
    assert info.value.error == "States.Http.StatusCode.429"
    assert json.loads(info.value.cause) == {"message": "slow down"}


def test_nothing_listening_fails_with_states_http_socket():
    with pytest.raises(ResourceFailure) as info:
        call({"ApiEndpoint": f"http://127.0.0.1:{free_port()}/x", "Method": "GET"})
    assert info.value.error == "States.Http.Socket"


def test_a_forbidden_header_fails_before_anything_is_sent():
    with pytest.raises(ResourceFailure) as info:
        call({"ApiEndpoint": "http://127.0.0.1:1/", "Method": "GET", "Headers": {"Host": "x"}})
    assert info.value.error == "States.Runtime" and "Host" in info.value.cause


def test_a_workflow_retries_and_catches_http_errors_by_their_aws_names():
    """A 503 is retried by its States.Http.StatusCode name, then a 404 goes to the Catch."""
    answers = iter([json_reply(503, {}), json_reply(404, {"error": "no such order"})])
    with LocalServer(lambda r: next(answers)) as server:
        definition = {"StartAt": "Get", "States": {
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                    "Parameters": {"ApiEndpoint.$": "States.Format('{}/orders/{}', $.base, $.id)", "Method": "GET"},
                    "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 1,
                               "MaxAttempts": 1, "BackoffRate": 1}],
                    "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.error",
                               "Next": "Missing"}],
                    "End": True},
            "Missing": {"Type": "Pass", "End": True}}}
        runtime = EmbeddedRuntime()
        try:
            name = uuid.uuid4().hex
            request = ExecutionRequest(
                execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:m:{name}",
                state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m", state_machine_name="m",
                name=name, definition=json.dumps(definition), input=json.dumps({"base": server.url, "id": 9}),
                role_arn="arn:aws:iam::123456789012:role/r", start_time=time.time())
            result = runtime.run_sync(request, MemorySink(), timeout=30)
        finally:
            runtime.close()
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output)["error"] == {"Error": "States.Http.StatusCode.404",
                                                  "Cause": json.dumps({"error": "no such order"})}
    assert [r.path for r in server.requests] == ["/orders/9", "/orders/9"]


def test_a_jsonata_state_passes_its_arguments_and_reads_the_result():
    with LocalServer(lambda r: json_reply(200, {"echo": r.json()})) as server:
        definition = {"QueryLanguage": "JSONata", "StartAt": "Post", "States": {"Post": {
            "Type": "Task", "Resource": "arn:aws:states:::http:invoke",
            "Arguments": {"ApiEndpoint": "{% $states.input.base & '/score' %}", "Method": "POST",
                          "RequestBody": {"n": "{% $states.input.n * 2 %}"}},
            "Output": "{% $states.result.ResponseBody.echo %}", "End": True}}}
        runtime = EmbeddedRuntime()
        try:
            name = uuid.uuid4().hex
            request = ExecutionRequest(
                execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:m:{name}",
                state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m", state_machine_name="m",
                name=name, definition=json.dumps(definition), input=json.dumps({"base": server.url, "n": 4}),
                role_arn="arn:aws:iam::123456789012:role/r", start_time=time.time())
            result = runtime.run_sync(request, MemorySink(), timeout=30)
        finally:
            runtime.close()
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"n": 8}
