"""Execution actions through boto3, over real HTTP: start, describe, list, history, stop, sync."""
from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.api.conftest import WAIT_DEFINITION, pass_definition, wait_for_end

ARN_PREFIX = "arn:aws:states:us-east-1:123456789012"
FAIL_DEFINITION = json.dumps({"StartAt": "Boom", "States": {
    "Boom": {"Type": "Fail", "Error": "Custom.Error", "Cause": "it broke"}}})
CHAIN_DEFINITION = json.dumps({"StartAt": "S0", "States": {
    **{f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(9)},
    "S9": {"Type": "Pass", "End": True},
}})


def test_start_execution_runs_to_success_with_the_output(sfn, make_state_machine):
    arn = make_state_machine("ok", pass_definition({"answer": 42}))
    started = sfn.start_execution(stateMachineArn=arn, name="first", input='{"x": 1}')
    assert started["executionArn"] == f"{ARN_PREFIX}:execution:ok:first"
    described = wait_for_end(sfn, started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"answer": 42}
    assert described["input"] == '{"x": 1}'
    assert described["stopDate"] >= described["startDate"]


def test_start_execution_without_name_or_input_uses_a_uuid_and_an_empty_object(sfn, make_state_machine):
    arn = make_state_machine("defaults")
    started = sfn.start_execution(stateMachineArn=arn)
    name = started["executionArn"].rsplit(":", 1)[-1]
    assert len(name) == 36
    assert wait_for_end(sfn, started["executionArn"])["input"] == "{}"


def test_a_failing_execution_reports_the_error_and_cause(sfn, make_state_machine):
    arn = make_state_machine("fails", FAIL_DEFINITION)
    described = wait_for_end(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert described["status"] == "FAILED"
    assert (described["error"], described["cause"]) == ("Custom.Error", "it broke")


def test_starting_the_same_name_and_input_while_running_returns_the_same_execution(sfn, make_state_machine):
    arn = make_state_machine("idem", WAIT_DEFINITION)
    first = sfn.start_execution(stateMachineArn=arn, name="same", input="{}")
    second = sfn.start_execution(stateMachineArn=arn, name="same", input="{}")
    assert second["executionArn"] == first["executionArn"]
    assert second["startDate"] == first["startDate"]
    sfn.stop_execution(executionArn=first["executionArn"])


def test_starting_the_same_name_with_other_input_raises_already_exists(sfn, make_state_machine):
    arn = make_state_machine("clash", WAIT_DEFINITION)
    first = sfn.start_execution(stateMachineArn=arn, name="same", input="{}")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="same", input='{"other": true}')
    sfn.stop_execution(executionArn=first["executionArn"])


def test_starting_a_finished_executions_name_again_raises_already_exists(sfn, make_state_machine):
    arn = make_state_machine("closed")
    wait_for_end(sfn, sfn.start_execution(stateMachineArn=arn, name="once")["executionArn"])
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="once")


@pytest.mark.parametrize("text", ["{not json", "", "[1, 2", '{"a": }'])
def test_start_with_input_that_is_not_json_raises_invalid_execution_input(sfn, make_state_machine, text):
    arn = make_state_machine("badinput")
    with pytest.raises(sfn.exceptions.InvalidExecutionInput) as caught:
        sfn.start_execution(stateMachineArn=arn, input=text)
    assert caught.value.response["Error"]["Message"].startswith("Invalid State Machine Execution Input")


def test_start_with_input_over_256_kb_raises_validation_exception(sfn, make_state_machine):
    arn = make_state_machine("bigin")
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.start_execution(stateMachineArn=arn, input=json.dumps({"x": "a" * 300_000}))


def test_start_with_an_invalid_execution_name_raises_invalid_name(sfn, make_state_machine):
    arn = make_state_machine("names")
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.start_execution(stateMachineArn=arn, name="bad name")


def test_start_on_a_missing_state_machine_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=f"{ARN_PREFIX}:stateMachine:ghost")


def test_start_with_a_malformed_arn_raises_invalid_arn(sfn):
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.start_execution(stateMachineArn="arn:nope")


def test_describe_of_a_missing_execution_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist) as caught:
        sfn.describe_execution(executionArn=f"{ARN_PREFIX}:execution:ghost:run")
    assert caught.value.response["Error"]["Message"] == f"Execution Does Not Exist: '{ARN_PREFIX}:execution:ghost:run'"


def test_describe_execution_with_a_state_machine_arn_raises_invalid_arn(sfn):
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_execution(executionArn=f"{ARN_PREFIX}:stateMachine:sm")


def test_describe_state_machine_for_execution_returns_the_definition_it_ran(sfn, make_state_machine):
    arn = make_state_machine("versioned", pass_definition("v1"))
    execution_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_for_end(sfn, execution_arn)
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("v2"))
    described = sfn.describe_state_machine_for_execution(executionArn=execution_arn)
    assert described["definition"] == pass_definition("v1")
    assert described["stateMachineArn"] == arn
    assert described["name"] == "versioned"


def test_describe_state_machine_for_a_missing_execution_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_state_machine_for_execution(executionArn=f"{ARN_PREFIX}:execution:ghost:run")


def test_history_lists_aws_event_types_in_order_with_linked_ids(sfn, make_state_machine):
    arn = make_state_machine("hist", pass_definition("x"))
    execution_arn = sfn.start_execution(stateMachineArn=arn, input='{"in": 1}')["executionArn"]
    wait_for_end(sfn, execution_arn)
    events = sfn.get_execution_history(executionArn=execution_arn)["events"]
    assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                          "ExecutionSucceeded"]
    assert [e["id"] for e in events] == [1, 2, 3, 4]
    # As AWS records it: the first state entered links to no event.
    assert [e["previousEventId"] for e in events] == [0, 0, 2, 3]
    assert json.loads(events[0]["executionStartedEventDetails"]["input"]) == {"in": 1}
    assert events[1]["stateEnteredEventDetails"]["name"] == "Only"


def test_history_pages_with_next_token_and_reverses(sfn, make_state_machine):
    arn = make_state_machine("pages", CHAIN_DEFINITION)
    execution_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_for_end(sfn, execution_arn)
    everything = sfn.get_execution_history(executionArn=execution_arn)["events"]
    assert len(everything) == 22
    first = sfn.get_execution_history(executionArn=execution_arn, maxResults=5)
    assert [e["id"] for e in first["events"]] == [1, 2, 3, 4, 5]
    paged = [e["id"] for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution_arn, PaginationConfig={"PageSize": 5}) for e in page["events"]]
    assert paged == list(range(1, 23))
    backwards = [e["id"] for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution_arn, reverseOrder=True, PaginationConfig={"PageSize": 7}) for e in page["events"]]
    assert backwards == list(range(22, 0, -1))


def test_history_without_execution_data_leaves_out_inputs_and_outputs(sfn, make_state_machine):
    arn = make_state_machine("nodata", pass_definition("secret"))
    execution_arn = sfn.start_execution(stateMachineArn=arn, input='{"secret": 1}')["executionArn"]
    wait_for_end(sfn, execution_arn)
    events = sfn.get_execution_history(executionArn=execution_arn, includeExecutionData=False)["events"]
    text = json.dumps(events, default=str)
    assert "secret" not in text
    assert [e["type"] for e in events][-1] == "ExecutionSucceeded"


def test_history_with_a_token_from_another_execution_raises_invalid_token(sfn, make_state_machine):
    arn = make_state_machine("tok", CHAIN_DEFINITION)
    one = sfn.start_execution(stateMachineArn=arn, name="one")["executionArn"]
    two = sfn.start_execution(stateMachineArn=arn, name="two")["executionArn"]
    wait_for_end(sfn, one)
    token = sfn.get_execution_history(executionArn=one, maxResults=2)["nextToken"]
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.get_execution_history(executionArn=two, nextToken=token)


def test_history_of_a_missing_execution_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.get_execution_history(executionArn=f"{ARN_PREFIX}:execution:ghost:run")


def test_list_executions_filters_by_status_and_pages_newest_first(sfn, make_state_machine):
    ok = make_state_machine("mixed")
    for index in range(3):
        wait_for_end(sfn, sfn.start_execution(stateMachineArn=ok, name=f"run-{index}")["executionArn"])
        time.sleep(0.01)
    listed = sfn.list_executions(stateMachineArn=ok)["executions"]
    assert [e["name"] for e in listed] == ["run-2", "run-1", "run-0"]
    assert {e["status"] for e in listed} == {"SUCCEEDED"}
    assert sfn.list_executions(stateMachineArn=ok, statusFilter="FAILED")["executions"] == []
    page = sfn.list_executions(stateMachineArn=ok, maxResults=2)
    assert len(page["executions"]) == 2
    rest = sfn.list_executions(stateMachineArn=ok, maxResults=2, nextToken=page["nextToken"])
    assert [e["name"] for e in rest["executions"]] == ["run-0"] and "nextToken" not in rest


def test_list_executions_of_a_missing_state_machine_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.list_executions(stateMachineArn=f"{ARN_PREFIX}:stateMachine:ghost")


def test_list_executions_with_an_unknown_status_raises_validation_exception(sfn, make_state_machine):
    arn = make_state_machine("status")
    with pytest.raises(sfn.exceptions.ClientError) as caught:
        sfn._make_api_call("ListExecutions", {"stateMachineArn": arn, "statusFilter": "SLEEPING"})
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_stop_aborts_a_running_execution_with_error_and_cause(sfn, make_state_machine):
    arn = make_state_machine("long", WAIT_DEFINITION)
    execution_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    stopped = sfn.stop_execution(executionArn=execution_arn, error="Halt", cause="by the test")
    assert stopped["stopDate"].year >= 2024
    described = sfn.describe_execution(executionArn=execution_arn)
    assert described["status"] == "ABORTED"
    events = sfn.get_execution_history(executionArn=execution_arn)["events"]
    assert events[-1]["type"] == "ExecutionAborted"
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Halt", "cause": "by the test"}


def test_stop_of_a_missing_execution_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.stop_execution(executionArn=f"{ARN_PREFIX}:execution:ghost:run")


def test_deleting_a_state_machine_aborts_its_running_executions(sfn, make_state_machine):
    arn = make_state_machine("stopper", WAIT_DEFINITION)
    execution_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_execution(executionArn=execution_arn)


def test_start_sync_execution_returns_the_result_of_an_express_machine(sfn, make_state_machine):
    arn = make_state_machine("fast", pass_definition({"done": True}), type="EXPRESS")
    result = sfn.start_sync_execution(stateMachineArn=arn, name="now", input='{"a": 1}')
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"done": True}
    assert result["executionArn"].startswith(f"{ARN_PREFIX}:express:fast:now:")
    assert result["stateMachineArn"] == arn
    assert result["billingDetails"]["billedDurationInMilliseconds"] >= 100


def test_start_sync_execution_reports_a_failure(sfn, make_state_machine):
    arn = make_state_machine("fastfail", FAIL_DEFINITION, type="EXPRESS")
    result = sfn.start_sync_execution(stateMachineArn=arn)
    assert (result["status"], result["error"], result["cause"]) == ("FAILED", "Custom.Error", "it broke")


def test_start_sync_execution_on_a_standard_machine_raises_type_not_supported(sfn, make_state_machine):
    arn = make_state_machine("slow")
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
        sfn.start_sync_execution(stateMachineArn=arn)


def test_start_sync_execution_with_bad_input_raises_invalid_execution_input(sfn, make_state_machine):
    arn = make_state_machine("fastbad", type="EXPRESS")
    with pytest.raises(sfn.exceptions.InvalidExecutionInput):
        sfn.start_sync_execution(stateMachineArn=arn, input="nope")


def test_a_running_execution_is_described_alike_from_memory_and_from_the_database(sfn, make_state_machine):
    """While it runs in the web process, DescribeExecution answers from the execution as it was
    saved; the answer is the one the database gives, and a stop shows at once."""
    from designer.awsapi.executions import describe_execution, describe_from_memory
    from designer.sink import get_sink

    def describe_running_here(params):
        return asyncio.run(describe_from_memory(params))

    arn = make_state_machine("polled", definition=WAIT_DEFINITION)
    started = sfn.start_execution(stateMachineArn=arn, name="polled-1", input=json.dumps({"text": "é 😀"}),
                                  traceHeader="Root=1-5759e988-bd862e3fe1be46a994272793")
    execution_arn = started["executionArn"]
    deadline = time.monotonic() + 10
    while (from_memory := describe_running_here({"executionArn": execution_arn})) is None:
        assert time.monotonic() < deadline, "the running execution was never described from memory"
        time.sleep(0.01)
    assert from_memory == describe_execution({"executionArn": execution_arn})
    assert from_memory["status"] == "RUNNING" and json.loads(from_memory["input"]) == {"text": "é 😀"}
    described = sfn.describe_execution(executionArn=execution_arn)
    assert (described["status"], described["name"], described["traceHeader"]) == (
        "RUNNING", "polled-1", "Root=1-5759e988-bd862e3fe1be46a994272793")
    without_data = describe_running_here({"executionArn": execution_arn, "includedData": "METADATA_ONLY"})
    assert "input" not in without_data
    sfn.stop_execution(executionArn=execution_arn, error="Halt", cause="enough")
    described = sfn.describe_execution(executionArn=execution_arn)  # at once: no poll shows it running
    assert (described["status"], described["error"], described["cause"]) == ("ABORTED", "Halt", "enough")
    get_sink().flush(10)  # the end written: the database answers from now on
    assert describe_running_here({"executionArn": execution_arn}) is None
