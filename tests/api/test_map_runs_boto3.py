"""Map Runs through boto3: ListMapRuns, DescribeMapRun, and an UpdateMapRun that takes effect while
the Map runs."""
from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.api.conftest import wait_for_end

DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}


def _definition(child_states: dict, start: str, **map_fields) -> str:
    return json.dumps({"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "End": True, "ItemsPath": "$.xs", "Label": "Fan", **map_fields,
        "ItemProcessor": {"ProcessorConfig": DISTRIBUTED, "StartAt": start, "States": child_states}}}})


WAIT_CHILD = {"Nap": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}
FAIL_CHILD = {"Check": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "BooleanEquals": True, "Next": "Boom"}],
                        "Default": "Fine"},
              "Boom": {"Type": "Fail", "Error": "Item.Bad"}, "Fine": {"Type": "Pass", "End": True}}


def _first_map_run(sfn, execution_arn: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
        if runs:
            return runs[0]["mapRunArn"]
        time.sleep(0.05)
    raise AssertionError("no Map Run was listed")


def test_describe_map_run_reports_settings_and_counts_of_a_finished_run(sfn, make_state_machine):
    arn = make_state_machine("counts", _definition(FAIL_CHILD, "Check", ToleratedFailureCount=2, MaxConcurrency=3))
    items = [{"bad": i in (1, 4)} for i in range(6)]
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": items}))
    out = wait_for_end(sfn, started["executionArn"])
    assert out["status"] == "SUCCEEDED"
    listed = sfn.list_map_runs(executionArn=started["executionArn"])["mapRuns"]
    assert len(listed) == 1
    assert listed[0]["executionArn"] == started["executionArn"]
    assert listed[0]["stateMachineArn"] == arn
    run_arn = listed[0]["mapRunArn"]
    history = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
    assert [e["mapRunStartedEventDetails"]["mapRunArn"] for e in history if e["type"] == "MapRunStarted"] == [run_arn]
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["status"] == "SUCCEEDED"
    assert (described["maxConcurrency"], described["toleratedFailureCount"]) == (3, 2)
    assert described["toleratedFailurePercentage"] == 0.0
    counts = described["itemCounts"]
    assert (counts["total"], counts["succeeded"], counts["failed"], counts["running"], counts["pending"]) == \
        (6, 4, 2, 0, 0)
    assert described["executionCounts"]["total"] == 6
    assert described["stopDate"] >= described["startDate"]


def test_a_failed_map_run_is_described_as_failed(sfn, make_state_machine):
    arn = make_state_machine("failing", _definition(FAIL_CHILD, "Check", MaxConcurrency=1))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"bad": True}, {"bad": False}]}))
    assert wait_for_end(sfn, started["executionArn"])["status"] == "FAILED"
    described = sfn.describe_map_run(mapRunArn=_first_map_run(sfn, started["executionArn"]))
    assert described["status"] == "FAILED"
    assert described["itemCounts"]["failed"] == 1


def test_update_map_run_raises_the_concurrency_of_a_running_map(sfn, make_state_machine):
    """Eight children of 2 s each, one at a time, would take 16 s; raised to 8 they end together."""
    arn = make_state_machine("raise", _definition(WAIT_CHILD, "Nap", MaxConcurrency=1))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"s": 2}] * 8}))
    run_arn = _first_map_run(sfn, started["executionArn"])
    before = sfn.describe_map_run(mapRunArn=run_arn)
    assert before["status"] == "RUNNING" and before["maxConcurrency"] == 1
    assert before["executionCounts"]["running"] <= 1
    # all eight items are known from the start: those not started yet are pending
    assert before["itemCounts"]["total"] == 8 and before["itemCounts"]["pending"] >= 6
    sfn.update_map_run(mapRunArn=run_arn, maxConcurrency=8)
    updated_at = time.monotonic()
    out = wait_for_end(sfn, started["executionArn"], timeout=30)
    assert out["status"] == "SUCCEEDED"
    assert time.monotonic() - updated_at < 6  # not the 14 s still to go at one at a time
    after = sfn.describe_map_run(mapRunArn=run_arn)
    assert after["maxConcurrency"] == 8 and after["itemCounts"]["succeeded"] == 8


def test_update_map_run_lowering_the_tolerated_failures_fails_the_running_map(sfn, make_state_machine):
    child = {**FAIL_CHILD, "Fine": {"Type": "Wait", "Seconds": 1, "End": True}}
    arn = make_state_machine("lower", _definition(child, "Check", ToleratedFailureCount=5, MaxConcurrency=1))
    items = [{"bad": True}] + [{"bad": False}] * 10
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": items}))
    run_arn = _first_map_run(sfn, started["executionArn"])
    sfn.update_map_run(mapRunArn=run_arn, toleratedFailureCount=0)
    out = wait_for_end(sfn, started["executionArn"], timeout=15)
    assert (out["status"], out["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert sfn.describe_map_run(mapRunArn=run_arn)["toleratedFailureCount"] == 0


def test_unknown_map_runs_are_resource_not_found(sfn, make_state_machine):
    missing = "arn:aws:states:us-east-1:123456789012:mapRun:nope/exec/Fan:0000"
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=missing)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.update_map_run(mapRunArn=missing, maxConcurrency=2)


def _children(sfn, run_arn: str, **filters) -> list[dict]:
    pages = sfn.get_paginator("list_executions").paginate(mapRunArn=run_arn, **filters,
                                                          PaginationConfig={"PageSize": 2})
    return [item for page in pages for item in page["executions"]]


def test_list_executions_of_a_map_run_lists_each_child_with_its_status(sfn, make_state_machine):
    arn = make_state_machine("children", _definition(FAIL_CHILD, "Check", ToleratedFailureCount=2))
    items = [{"bad": i in (1, 3)} for i in range(5)]
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": items}))
    assert wait_for_end(sfn, started["executionArn"])["status"] == "SUCCEEDED"
    run_arn = _first_map_run(sfn, started["executionArn"])
    children = _children(sfn, run_arn)  # two a page: the paging holds too
    assert len(children) == 5
    assert sorted(c["status"] for c in children) == ["FAILED"] * 2 + ["SUCCEEDED"] * 3
    assert all(c["mapRunArn"] == run_arn and c["itemCount"] == 1 for c in children)
    assert all(c["stateMachineArn"] == f"{arn}/Fan" for c in children)
    assert all(c["executionArn"].startswith(f"{arn.replace(':stateMachine:', ':execution:')}/Fan:") for c in children)
    failed = _children(sfn, run_arn, statusFilter="FAILED")
    assert {c["executionArn"] for c in failed} == {c["executionArn"] for c in children if c["status"] == "FAILED"}
    # the state machine's own list holds the execution that was started, not its children
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [e["executionArn"] for e in listed] == [started["executionArn"]]


def test_a_failed_child_has_its_own_history_ending_in_its_error(sfn, make_state_machine):
    arn = make_state_machine("child-history", _definition(FAIL_CHILD, "Check", ToleratedFailureCount=1))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"bad": True}, {"bad": False}]}))
    assert wait_for_end(sfn, started["executionArn"])["status"] == "SUCCEEDED"
    run_arn = _first_map_run(sfn, started["executionArn"])
    (failed,) = _children(sfn, run_arn, statusFilter="FAILED")
    events = sfn.get_execution_history(executionArn=failed["executionArn"])["events"]
    assert [e["type"] for e in events] == ["ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited",
                                           "FailStateEntered", "ExecutionFailed"]
    assert json.loads(events[0]["executionStartedEventDetails"]["input"]) == {"bad": True}
    assert events[-1]["executionFailedEventDetails"]["error"] == "Item.Bad"
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5]
    described = sfn.describe_execution(executionArn=failed["executionArn"])
    assert (described["status"], described["error"], described["mapRunArn"]) == ("FAILED", "Item.Bad", run_arn)
    assert json.loads(described["input"]) == {"bad": True}
    (ok,) = _children(sfn, run_arn, statusFilter="SUCCEEDED")
    ok_events = sfn.get_execution_history(executionArn=ok["executionArn"])["events"]
    assert ok_events[-1]["type"] == "ExecutionSucceeded"
    assert json.loads(sfn.describe_execution(executionArn=ok["executionArn"])["output"]) == {"bad": False}


def test_the_parent_history_has_the_map_run_and_none_of_the_childrens_states(sfn, make_state_machine):
    arn = make_state_machine("parent-history", _definition(FAIL_CHILD, "Check"))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"bad": False}] * 3}))
    assert wait_for_end(sfn, started["executionArn"])["status"] == "SUCCEEDED"
    types = [e["type"] for e in sfn.get_execution_history(executionArn=started["executionArn"])["events"]]
    assert types == ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded",
                     "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]


def test_batched_children_count_their_items(sfn, make_state_machine):
    child = {"Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"}, "End": True}}
    arn = make_state_machine("batched", _definition(child, "Count", ItemBatcher={"MaxItemsPerBatch": 4}))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": list(range(10))}))
    assert wait_for_end(sfn, started["executionArn"])["status"] == "SUCCEEDED"
    children = _children(sfn, _first_map_run(sfn, started["executionArn"]))
    assert sorted(c["itemCount"] for c in children) == [2, 4, 4]
    outputs = [json.loads(sfn.describe_execution(executionArn=c["executionArn"])["output"]) for c in children]
    assert sorted(o["n"] for o in outputs) == [2, 4, 4]


def test_the_context_object_in_a_child_names_the_child_execution(sfn, make_state_machine):
    child = {"Who": {"Type": "Pass", "End": True, "Parameters": {
        "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
        "machine.$": "$$.StateMachine.Id"}}}
    arn = make_state_machine("context", _definition(child, "Who"))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"n": 1}, {"n": 2}]}))
    assert wait_for_end(sfn, started["executionArn"])["status"] == "SUCCEEDED"
    children = _children(sfn, _first_map_run(sfn, started["executionArn"]))
    assert len(children) == 2
    for c in children:
        said = json.loads(sfn.describe_execution(executionArn=c["executionArn"])["output"])
        assert (said["id"], said["name"], said["machine"]) == (c["executionArn"], c["name"], f"{arn}/Fan")
        assert said["input"] == json.loads(sfn.describe_execution(executionArn=c["executionArn"])["input"])


def _running_child(sfn, execution_arn: str, timeout: float = 10.0) -> dict:
    run_arn = _first_map_run(sfn, execution_arn)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = _children(sfn, run_arn, statusFilter="RUNNING")
        if running:
            return running[0]
        time.sleep(0.05)
    raise AssertionError("no child was listed RUNNING")


def test_stop_execution_of_a_child_aborts_it_and_its_map_goes_on_within_the_tolerated_failures(
        sfn, make_state_machine):
    arn = make_state_machine("stop-child", _definition(WAIT_CHILD, "Nap", ToleratedFailureCount=1))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"s": 0}, {"s": 60}, {"s": 0}]}))
    child = _running_child(sfn, started["executionArn"])
    stopped = sfn.stop_execution(executionArn=child["executionArn"], error="Operator.Stop", cause="not needed")
    assert "stopDate" in stopped
    described = sfn.describe_execution(executionArn=child["executionArn"])
    assert (described["status"], described["error"], described["cause"]) == ("ABORTED", "Operator.Stop", "not needed")
    events = sfn.get_execution_history(executionArn=child["executionArn"])["events"]
    assert events[-1]["type"] == "ExecutionAborted"
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Operator.Stop", "cause": "not needed"}
    out = wait_for_end(sfn, started["executionArn"], timeout=20)
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == [{"s": 0}, None, {"s": 0}]
    run = sfn.describe_map_run(mapRunArn=_first_map_run(sfn, started["executionArn"]))
    counts = run["executionCounts"]
    assert (counts["succeeded"], counts["aborted"], counts["running"]) == (2, 1, 0)


def test_stopping_a_child_of_a_map_that_tolerates_no_failure_fails_the_map(sfn, make_state_machine):
    arn = make_state_machine("stop-child-fails", _definition(WAIT_CHILD, "Nap"))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"s": 60}]}))
    child = _running_child(sfn, started["executionArn"])
    sfn.stop_execution(executionArn=child["executionArn"])
    out = wait_for_end(sfn, started["executionArn"], timeout=20)
    assert (out["status"], out["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert sfn.describe_execution(executionArn=child["executionArn"])["status"] == "ABORTED"


def test_list_executions_takes_a_map_run_or_a_state_machine_not_both(sfn, make_state_machine):
    arn = make_state_machine("both", _definition(FAIL_CHILD, "Check"))
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"bad": False}]}))
    wait_for_end(sfn, started["executionArn"])
    run_arn = _first_map_run(sfn, started["executionArn"])
    with pytest.raises(sfn.exceptions.ClientError) as raised:
        sfn.list_executions(mapRunArn=run_arn, stateMachineArn=arn)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_a_redrive_runs_again_only_the_children_that_did_not_succeed(sfn, make_state_machine):
    """Item 3 fails once; the Map fails with it. Redriven, the Map runs item 3 again (its child
    history gains ExecutionRedriven) and the items not run yet, never the three that succeeded;
    DescribeMapRun counts the redrive."""
    from executor.resources.lambdas import handler, unbind

    calls: list[int] = []

    def flaky(event, context):
        calls.append(event["n"])
        if event["n"] == 3 and calls.count(3) == 1:
            raise RuntimeError("not yet")
        return {"n": event["n"]}

    name = f"flaky-{uuid.uuid4().hex[:6]}"
    handler(name)(flaky)
    try:
        child = {"Call": {"Type": "Task", "Resource": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                          "End": True}}
        arn = make_state_machine("redrive", _definition(child, "Call", MaxConcurrency=1))
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"xs": [{"n": i} for i in range(6)]}))
        assert wait_for_end(sfn, started["executionArn"])["status"] == "FAILED"
        assert calls == [0, 1, 2, 3]
        failed = sfn.describe_map_run(mapRunArn=_first_map_run(sfn, started["executionArn"]))
        assert (failed["status"], failed["redriveCount"], "redriveDate" in failed) == ("FAILED", 0, False)
        sfn.redrive_execution(executionArn=started["executionArn"])
        out = wait_for_end(sfn, started["executionArn"])
    finally:
        unbind(name)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == [{"n": i} for i in range(6)]
    assert calls == [0, 1, 2, 3, 3, 4, 5]
    children = _children(sfn, _first_map_run(sfn, started["executionArn"]))
    assert sorted(c["status"] for c in children) == ["SUCCEEDED"] * 6
    (again,) = [c for c in children if c["redriveCount"] == 1]
    described = sfn.describe_map_run(mapRunArn=_first_map_run(sfn, started["executionArn"]))
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)
    assert described["startDate"] < described["redriveDate"] <= described["stopDate"]
    assert described["itemCounts"]["succeeded"] == 6
    types = [e["type"] for e in sfn.get_execution_history(executionArn=again["executionArn"])["events"]]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert "ExecutionFailed" in types and "ExecutionRedriven" in types
