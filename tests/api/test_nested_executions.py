"""states:startExecution(.sync) forwarded to Switchyard's own AWS-compatible endpoint: the child
runs here, and the parent waits for it."""
from __future__ import annotations

import json

import pytest

from tests.api.conftest import wait_for_end

pytestmark = pytest.mark.django_db(transaction=True)

CHILD = {"StartAt": "Double", "States": {
    "Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, $.n)"}, "Next": "Check"},
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 100, "Next": "TooBig"}],
              "Default": "Done"},
    "TooBig": {"Type": "Fail", "Error": "TooBig", "Cause": "n is over 100"},
    "Done": {"Type": "Succeed"}}}


def parent(child_arn: str, resource: str) -> str:
    return json.dumps({"StartAt": "Child", "States": {"Child": {
        "Type": "Task", "Resource": resource,
        "Parameters": {"StateMachineArn": child_arn, "Input": {"n.$": "$.n"}},
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failed", "Next": "Failed"}],
        "End": True},
        "Failed": {"Type": "Pass", "End": True}}})


@pytest.fixture
def child_arn(make_state_machine, endpoint, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL_STEPFUNCTIONS", endpoint)
    return make_state_machine("child", definition=json.dumps(CHILD))


def test_sync_2_waits_for_the_child_and_returns_its_output_as_json(sfn, make_state_machine, child_arn):
    arn = make_state_machine("parent", definition=parent(child_arn, "arn:aws:states:::states:startExecution.sync:2"))
    run = sfn.start_execution(stateMachineArn=arn, input='{"n": 21}')
    done = wait_for_end(sfn, run["executionArn"], timeout=30)
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["Status"] == "SUCCEEDED" and output["Output"] == {"n": 42}
    assert output["ExecutionArn"].startswith(child_arn.replace(":stateMachine:", ":execution:"))


def test_a_failed_child_fails_the_task_with_states_task_failed(sfn, make_state_machine, child_arn):
    arn = make_state_machine("parent", definition=parent(child_arn, "arn:aws:states:::states:startExecution.sync"))
    run = sfn.start_execution(stateMachineArn=arn, input='{"n": 60}')
    done = wait_for_end(sfn, run["executionArn"], timeout=30)
    failed = json.loads(done["output"])["failed"]
    assert failed["Error"] == "States.TaskFailed"
    cause = json.loads(failed["Cause"])
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "TooBig", "n is over 100")


def test_without_sync_the_task_returns_at_once_with_the_child_execution_arn(sfn, make_state_machine, child_arn):
    arn = make_state_machine("parent", definition=parent(child_arn, "arn:aws:states:::states:startExecution"))
    done = wait_for_end(sfn, sfn.start_execution(stateMachineArn=arn, input='{"n": 1}')["executionArn"])
    output = json.loads(done["output"])
    assert set(output) == {"ExecutionArn", "StartDate"}
    assert wait_for_end(sfn, output["ExecutionArn"])["status"] == "SUCCEEDED"



def test_a_parent_task_that_times_out_stops_its_child(sfn, make_state_machine, endpoint, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL_STEPFUNCTIONS", endpoint)
    slow = make_state_machine("slow", definition=json.dumps(
        {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 60, "End": True}}}))
    arn = make_state_machine("impatient", definition=json.dumps({"StartAt": "Child", "States": {"Child": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
        "Parameters": {"StateMachineArn": slow}, "TimeoutSeconds": 1, "End": True}}}))
    done = wait_for_end(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert (done["status"], done["error"]) == ("FAILED", "States.Timeout")
    child = sfn.list_executions(stateMachineArn=slow)["executions"][0]
    assert wait_for_end(sfn, child["executionArn"], timeout=10)["status"] == "ABORTED"
