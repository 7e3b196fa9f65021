"""Text no database can store is refused up front with AWS's error, never accepted and lost.

Lone surrogates (no UTF-8 form) and NUL (PostgreSQL refuses it) are refused on every
database alike; other text, non-BMP characters included, is stored faithfully.
"""
from __future__ import annotations

import json

import pytest

from designer import services
from designer.models import Execution, StateMachine
from designer.sink import get_sink
from designer.storable import escape_unstorable, first_unstorable
from tests.api.aws_inprocess import assert_history_whole, call, error_code, wait_for_end
from tests.api.conftest import ROLE_ARN, pass_definition

pytestmark = pytest.mark.django_db(transaction=True)

LONE = "\ud83d"
ODD = [pytest.param(LONE, id="lone-high-surrogate"), pytest.param("\udc00", id="lone-low-surrogate"),
       pytest.param("\x00", id="nul")]


def _machine(client, name: str = "m", definition: str | None = None) -> str:
    status, body = call(client, "CreateStateMachine", name=name, definition=definition or pass_definition(),
                        roleArn=ROLE_ARN)
    assert status == 200, body
    return body["stateMachineArn"]


@pytest.mark.parametrize("char", ODD)
def test_an_input_holding_unstorable_text_is_refused_with_invalid_execution_input(client, char):
    arn = _machine(client)
    for value in ({"a": f"x{char}"}, {f"k{char}": 1}, [1, [f"{char}"]]):
        status, body = call(client, "StartExecution", stateMachineArn=arn, input=json.dumps(value))
        assert (status, error_code(body)) == (400, "InvalidExecutionInput"), body
    assert not Execution.objects.exists()


@pytest.mark.parametrize("char", ODD)
def test_a_name_holding_unstorable_text_is_refused_with_invalid_name_not_a_500(client, char):
    status, body = call(client, "CreateStateMachine", name=f"m{char}", definition=pass_definition(),
                        roleArn=ROLE_ARN)
    assert (status, error_code(body)) == (400, "InvalidName"), body
    arn = _machine(client)
    status, body = call(client, "StartExecution", stateMachineArn=arn, name=f"run{char}")
    assert (status, error_code(body)) == (400, "InvalidName"), body


@pytest.mark.parametrize("char", ODD)
def test_a_definition_holding_unstorable_text_is_refused_with_invalid_definition(client, char):
    named = json.dumps({"StartAt": f"A{char}", "States": {f"A{char}": {"Type": "Pass", "End": True}}})
    result = pass_definition({"v": f"{char}"})
    for definition in (named, result):
        status, body = call(client, "CreateStateMachine", name="m", definition=definition, roleArn=ROLE_ARN)
        assert (status, error_code(body)) == (400, "InvalidDefinition"), body
        status, body = call(client, "ValidateStateMachineDefinition", definition=definition)
        assert body["result"] == "FAIL"
    assert not StateMachine.objects.exists()


@pytest.mark.parametrize("char", ODD)
def test_an_arn_or_other_member_holding_unstorable_text_gets_a_clear_error(client, char):
    arn = _machine(client)
    status, body = call(client, "DescribeStateMachine", stateMachineArn=arn + char)
    assert (status, error_code(body)) == (400, "InvalidArn"), body
    status, body = call(client, "TagResource", resourceArn=arn, tags=[{"key": f"k{char}", "value": "v"}])
    assert (status, error_code(body)) == (400, "ValidationException"), body
    status, body = call(client, "StartExecution", stateMachineArn=arn, traceHeader=f"t{char}")
    assert (status, error_code(body)) == (400, "ValidationException"), body


def test_the_rest_api_refuses_a_name_with_a_lone_surrogate_in_json(client):
    body = json.dumps({"name": f"m{LONE}", "definition": pass_definition()})
    response = client.post("/api/state-machines/", body, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json() or response.json()["code"] == "InvalidName"
    assert not StateMachine.objects.exists()


def test_the_rest_api_refuses_a_layout_with_nul(client):
    body = json.dumps({"name": "m", "definition": pass_definition(), "layout": {"A\x00": {"x": 1}}})
    response = client.post("/api/state-machines/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "ValidationException"


def test_non_bmp_text_is_stored_and_returned_faithfully(client):
    text = "😀 𝄞 \u2028 \U0010fffd é"
    definition = json.dumps({"StartAt": f"Émoji {text}", "States": {
        f"Émoji {text}": {"Type": "Pass", "Result": {"r": text}, "ResultPath": "$.r", "End": True}}})
    arn = _machine(client, "faithful", definition)
    status, body = call(client, "StartExecution", stateMachineArn=arn, name="run-😀", input=json.dumps({"i": text}))
    assert status == 200, body
    description = wait_for_end(client, body["executionArn"])
    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"]) == {"i": text, "r": {"r": text}}
    events = assert_history_whole(client, body["executionArn"], "SUCCEEDED")
    assert any(e.get("stateEnteredEventDetails", {}).get("name") == f"Émoji {text}" for e in events)


def test_nul_made_by_the_execution_itself_is_kept_as_an_escape_in_its_output(client):
    definition = json.dumps({"StartAt": "Decode", "States": {"Decode": {
        "Type": "Pass", "Parameters": {"v.$": "States.Base64Decode('AA==')"}, "End": True}}})
    arn = _machine(client, "made", definition)
    status, body = call(client, "StartExecution", stateMachineArn=arn)
    description = wait_for_end(client, body["executionArn"])
    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"]) == {"v": "\x00"}
    assert_history_whole(client, body["executionArn"], "SUCCEEDED")


def test_an_execution_whose_history_cannot_be_written_is_failed_after_its_last_event(client):
    arn = _machine(client)
    status, body = call(client, "StartExecution", stateMachineArn=arn, name="lost")
    wait_for_end(client, body["executionArn"])
    assert get_sink().flush()  # DescribeExecution shows the end before the history writer has written it
    execution = Execution.objects.get(arn=body["executionArn"])
    # As if the runtime were still going and its next write had failed.
    Execution.objects.filter(id=execution.id).update(status="RUNNING", output=None, stop_date=None)
    kept = [e for e in json.loads(execution.event_batches.get().events) if e["id"] <= 2]
    execution.event_batches.update(events=json.dumps(kept), last_event_id=2)
    services.execution_fail_unrecorded(arn=execution.arn, problem="a NUL character (U+0000) at $.cause")
    description = wait_for_end(client, execution.arn)
    assert (description["status"], description["error"]) == ("FAILED", "States.Runtime")
    assert "could not store" in description["cause"]
    assert [e["type"] for e in assert_history_whole(client, execution.arn, "FAILED")][-1] == "ExecutionFailed"


def test_escaping_keeps_the_json_value_and_makes_it_storable():
    text = json.dumps({"a": f"{LONE}\x00x", f"k{LONE}": ["\udc00"]}, ensure_ascii=False)
    escaped = escape_unstorable(text)
    assert first_unstorable(escaped) is None
    assert json.loads(escaped) == json.loads(text)


def _string_to_json(text: str) -> str:
    return "States.StringToJson('\"" + text + "\"')"


# Needs designer/sink.py to escape such JSON text and fail the execution on a write it cannot
# make (through services.execution_fail_unrecorded) instead of dropping the item.
@pytest.mark.parametrize("escape", ["\\\\ud83d", "\\\\u0000"], ids=["lone-surrogate", "nul"])
def test_unstorable_text_made_by_the_execution_ends_it_with_its_history_whole(client, escape):
    """A value the execution makes itself (here by States.StringToJson) reaches its output, its
    error or its cause: it ends either way, with the status of its last event."""
    definition = json.dumps({"StartAt": "Make", "States": {
        "Make": {"Type": "Pass", "Parameters": {"v.$": _string_to_json(escape)}, "Next": "Fail"},
        "Fail": {"Type": "Fail", "ErrorPath": "$.v", "CausePath": "$.v"}}})
    passing = json.dumps({"StartAt": "Make", "States": {
        "Make": {"Type": "Pass", "Parameters": {"v.$": _string_to_json(escape)}, "End": True}}})
    for name, text in (("fails", definition), ("passes", passing)):
        arn = _machine(client, name, text)
        status, body = call(client, "StartExecution", stateMachineArn=arn)
        assert status == 200, body
        description = wait_for_end(client, body["executionArn"], timeout=5)
        assert_history_whole(client, body["executionArn"], description["status"])
        if name == "passes" and description["status"] == "SUCCEEDED":
            assert json.loads(description["output"]) == {"v": json.loads('"' + escape.replace("\\\\", "\\") + '"')}
