"""RedriveExecution through boto3: a failed execution runs again from where it failed."""
from __future__ import annotations

import collections
import json
import time

import pytest

from executor.resources.lambdas import bind
from tests.api.conftest import wait_for_end

PIPELINE = json.dumps({
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Assign": {"batch.$": "$.batch"}, "Next": "Each"},
        "Each": {
            "Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.done", "Next": "Finish",
            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
                "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:redrive-work",
                "End": True}}},
        },
        "Finish": {"Type": "Pass", "Parameters": {"batch.$": "$batch", "done.$": "$.done"}, "End": True},
    },
})


@pytest.fixture
def worker():
    """The redrive-work handler: item 2 fails (after the others finish) until ``broken`` is cleared."""
    calls: collections.Counter = collections.Counter()
    broken = [True]

    def work(event, ctx):
        calls[event] += 1
        if event == 2 and broken:
            time.sleep(0.3)
            raise RuntimeError("disk full")
        return event * 10

    bind("redrive-work", work)
    return calls, broken


def test_a_redrive_reruns_only_the_failed_map_iterations_and_completes(sfn, make_state_machine, worker):
    calls, broken = worker
    arn = make_state_machine("redrive", PIPELINE)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"batch": "b7", "items": [1, 2, 3]}))
    failed = wait_for_end(sfn, execution["executionArn"])
    assert (failed["status"], failed["error"]) == ("FAILED", "RuntimeError")
    assert (failed["redriveCount"], failed["redriveStatus"]) == (0, "REDRIVABLE")
    first_history = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]

    broken.clear()
    redriven = sfn.redrive_execution(executionArn=execution["executionArn"])
    done = wait_for_end(sfn, execution["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"batch": "b7", "done": [10, 20, 30]}
    assert done["redriveCount"] == 1
    assert done["redriveDate"] == redriven["redriveDate"]
    assert (done["redriveStatus"], done["redriveStatusReason"]) == ("NOT_REDRIVABLE",
                                                                    "Execution is SUCCEEDED and cannot be redriven")
    assert calls == {1: 1, 2: 2, 3: 1}  # the items that succeeded were not run again

    events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    assert events[:len(first_history)] == first_history
    redrive = events[len(first_history)]
    assert redrive["type"] == "ExecutionRedriven"
    assert redrive["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert redrive["previousEventId"] == first_history[-1]["id"]
    after = [e["type"] for e in events[len(first_history) + 1:]]
    assert after[0] == "MapStateEntered"  # Prepare is not run again
    assert after.count("MapIterationStarted") == 1
    assert after[-1] == "ExecutionSucceeded"
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))


def test_only_executions_that_did_not_succeed_can_be_redriven(sfn, make_state_machine, worker):
    calls, broken = worker
    broken.clear()
    arn = make_state_machine("redrive-ok", PIPELINE)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"batch": "b", "items": [1]}))
    assert wait_for_end(sfn, execution["executionArn"])["status"] == "SUCCEEDED"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
        sfn.redrive_execution(executionArn=execution["executionArn"])


def test_list_executions_filters_and_reports_redriven_executions(sfn, make_state_machine, worker):
    calls, broken = worker
    arn = make_state_machine("redrive-list", PIPELINE)
    failing = sfn.start_execution(stateMachineArn=arn, name="failing",
                                  input=json.dumps({"batch": "b", "items": [2]}))["executionArn"]
    wait_for_end(sfn, failing)
    broken.clear()
    sfn.redrive_execution(executionArn=failing)
    wait_for_end(sfn, failing)
    plain = sfn.start_execution(stateMachineArn=arn, name="plain", input=json.dumps({"batch": "b", "items": [1]}))
    wait_for_end(sfn, plain["executionArn"])
    redriven = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    assert [(e["name"], e["redriveCount"]) for e in redriven] == [("failing", 1)]
    assert "redriveDate" in redriven[0]
    others = sfn.list_executions(stateMachineArn=arn, redriveFilter="NOT_REDRIVEN")["executions"]
    assert [e["name"] for e in others] == ["plain"]
