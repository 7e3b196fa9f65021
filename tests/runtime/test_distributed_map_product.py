"""A Distributed Map's child executions through the product as `make run` starts it (the Celery
runtime, 2 state workers writing history to SQLite) and boto3: each child is an execution of
its own, listed by its Map Run, with its own history."""
from __future__ import annotations

import json
import os
import time
import uuid

import pytest

from tests.product import ROLE_ARN, TERMINAL, Product

from .celery_support import redis_answers

URL = os.environ.get("SWITCHYARD_TEST_PRODUCT_REDIS_URL", "redis://127.0.0.1:6379/1")

pytestmark = [pytest.mark.celery, pytest.mark.skipif(not redis_answers(URL), reason=f"no Redis answers at {URL}")]

GREET = "arn:aws:lambda:us-east-1:123456789012:function:greet"
# 40 rows in batches of 5: 8 children, of which the third (rows 10-14) starts with a bad row.
ROWS = "id,bad\n" + "".join(f"{i},{'yes' if 10 <= i < 15 else 'no'}\n" for i in range(40))
DEFINITION = {"StartAt": "Rows", "States": {"Rows": {
    "Type": "Map", "Label": "Rows", "End": True, "MaxConcurrency": 4, "ToleratedFailureCount": 5,
    "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                   "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                   "Parameters": {"Bucket": "rows", "Key": "rows.csv"}},
    "ItemBatcher": {"MaxItemsPerBatch": 5, "BatchInput": {"name": "batch"}},
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Greet",
        "States": {
            "Greet": {"Type": "Task", "Resource": GREET, "Parameters": {"name.$": "$.BatchInput.name"},
                      "ResultPath": "$.greeted", "Next": "Check"},
            "Check": {"Type": "Choice", "Default": "Done",
                      "Choices": [{"Variable": "$.Items[0].bad", "StringEquals": "yes", "Next": "Boom"}]},
            "Boom": {"Type": "Fail", "Error": "Row.Bad", "Cause": "a bad row"},
            "Done": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"}, "End": True}}}}}}


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    buckets = tmp_path_factory.mktemp("buckets")
    (buckets / "rows").mkdir()
    (buckets / "rows" / "rows.csv").write_text(ROWS)
    with Product(tmp_path_factory.mktemp("product"), redis_url=URL, state_workers=2,
                 SWITCHYARD_BUCKETS_DIR=str(buckets)) as running:
        yield running


def _wait(sfn, arn: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] in TERMINAL:
            return described
        time.sleep(0.1)
    raise AssertionError(f"{arn} did not end in {timeout}s")


def test_children_run_on_the_workers_are_listed_by_their_map_run_with_their_own_histories(product):
    sfn = product.sfn()
    machine = sfn.create_state_machine(name=f"rows-{uuid.uuid4().hex[:6]}", definition=json.dumps(DEFINITION),
                                       roleArn=ROLE_ARN)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    assert _wait(sfn, arn)["status"] == "SUCCEEDED"
    (run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    children = sfn.list_executions(mapRunArn=run["mapRunArn"])["executions"]
    assert len(children) == 8
    assert sorted(c["status"] for c in children) == ["FAILED"] + ["SUCCEEDED"] * 7
    assert all(c["itemCount"] == 5 and c["stateMachineArn"] == f"{machine}/Rows" for c in children)
    (failed,) = sfn.list_executions(mapRunArn=run["mapRunArn"], statusFilter="FAILED")["executions"]
    described = sfn.describe_execution(executionArn=failed["executionArn"])
    assert (described["mapRunArn"], described["error"]) == (run["mapRunArn"], "Row.Bad")
    assert [row["id"] for row in json.loads(described["input"])["Items"]] == ["10", "11", "12", "13", "14"]
    events = sfn.get_execution_history(executionArn=failed["executionArn"])["events"]
    types = [e["type"] for e in events]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionFailed"
    assert "LambdaFunctionSucceeded" in types and "FailStateEntered" in types
    assert events[-1]["executionFailedEventDetails"] == {"error": "Row.Bad", "cause": "a bad row"}
    # the parent's history has the Map Run, not the children's Tasks
    parent = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
    assert "MapRunStarted" in parent and "MapRunSucceeded" in parent
    assert not any(t.startswith(("LambdaFunction", "ChoiceState", "FailState")) for t in parent)


def test_stop_execution_of_a_child_reaches_the_driver_that_runs_its_map(product):
    """The child runs on a state worker's driver, not in the server: StopExecution goes to that
    driver, the child ends ABORTED with its own history, and its Map goes on (one failure tolerated)."""
    sfn = product.sfn()
    naps = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "Label": "Fan", "End": True, "ItemsPath": "$.xs", "ToleratedFailureCount": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Nap",
                          "States": {"Nap": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}}}}
    machine = sfn.create_state_machine(name=f"naps-{uuid.uuid4().hex[:6]}", definition=json.dumps(naps),
                                       roleArn=ROLE_ARN)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"xs": [{"s": 0}, {"s": 120}]}))["executionArn"]
    deadline = time.monotonic() + 30
    running: list = []
    while not running and time.monotonic() < deadline:
        runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
        if runs:
            running = sfn.list_executions(mapRunArn=runs[0]["mapRunArn"], statusFilter="RUNNING")["executions"]
        time.sleep(0.1)
    assert running, "no child was listed RUNNING"
    sfn.stop_execution(executionArn=running[0]["executionArn"], error="Operator.Stop")
    described = sfn.describe_execution(executionArn=running[0]["executionArn"])
    assert (described["status"], described["error"]) == ("ABORTED", "Operator.Stop")
    assert _wait(sfn, arn, timeout=30)["status"] == "SUCCEEDED"
    events = sfn.get_execution_history(executionArn=running[0]["executionArn"])["events"]
    assert [e["type"] for e in events][-1] == "ExecutionAborted"
