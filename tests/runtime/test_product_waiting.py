"""Waiting executions hold no worker: measured through the product as `make run` starts it
(daphne, 2 state-worker processes, history written to SQLite) and boto3, as a user meets it."""
from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.product import ROLE_ARN, Product, wait_all

from .celery_support import redis_answers

URL = os.environ.get("SWITCHYARD_TEST_PRODUCT_REDIS_URL", "redis://127.0.0.1:6379/1")

pytestmark = [pytest.mark.celery, pytest.mark.skipif(not redis_answers(URL), reason=f"no Redis answers at {URL}")]

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
WAIT_5 = {"StartAt": "Before", "States": {
    "Before": {"Type": "Pass", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 5, "Next": "After"},
    "After": {"Type": "Pass", "End": True}}}
CHAIN = {"StartAt": "One", "States": {
    "One": {"Type": "Task", "Resource": LAMBDA + "greet", "Next": "Two"},
    "Two": {"Type": "Task", "Resource": LAMBDA + "greet", "Next": "Three"},
    "Three": {"Type": "Task", "Resource": LAMBDA + "greet", "End": True}}}
CALLBACK = {"StartAt": "Approve", "States": {"Approve": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": LAMBDA + "greet", "Payload": {"name.$": "$$.Task.Token"}}, "End": True}}}


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    with Product(tmp_path_factory.mktemp("product"), redis_url=URL, state_workers=2) as running:
        yield running


def _machine(sfn, definition: dict) -> str:
    return sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                    roleArn=ROLE_ARN)["stateMachineArn"]


def _chain_seconds(sfn, machine: str) -> float:
    started = time.perf_counter()
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        time.sleep(0.005)
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    return time.perf_counter() - started


def test_a_thousand_executions_waiting_five_seconds_finish_within_fifteen_on_two_state_workers(product):
    """1,000 executions of Pass, Wait 5 s, Pass, started from 10 client threads, all succeed within
    15 s of the first start: a waiting execution holds no state-worker process."""
    sfn = product.sfn()
    machine = _machine(sfn, WAIT_5)

    def start(i: int) -> str:
        return sfn.start_execution(stateMachineArn=machine, name=f"w{i}", input="{}")["executionArn"]

    first = time.time()
    with ThreadPoolExecutor(10) as pool:
        arns = list(pool.map(start, range(1000)))
    status = wait_all(sfn, arns, timeout=60)
    assert sorted(set(status.values())) == ["SUCCEEDED"] and len(status) == 1000
    stops = [e["stopDate"].timestamp() for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=machine) for e in page["executions"]]
    assert max(stops) - first <= 15, f"the last one ended {max(stops) - first:.1f}s after the first start"
    history = sfn.get_execution_history(executionArn=arns[-1])["events"]
    assert [e["type"] for e in history][-1] == "ExecutionSucceeded"


def test_fifty_executions_waiting_on_task_tokens_do_not_slow_a_new_execution(product):
    """With 50 executions waiting on task tokens, a 3-Task chain still runs at its usual speed;
    then every token is answered and all 50 succeed."""
    sfn = product.sfn()
    chain = _machine(sfn, CHAIN)
    before = statistics.median(_chain_seconds(sfn, chain) for _ in range(7))
    callback = _machine(sfn, CALLBACK)
    waiting = [sfn.start_execution(stateMachineArn=callback, input="{}")["executionArn"] for _ in range(50)]
    tokens = {}
    deadline = time.monotonic() + 30
    while len(tokens) < 50 and time.monotonic() < deadline:
        for arn in waiting:
            events = [] if arn in tokens else sfn.get_execution_history(executionArn=arn)["events"]
            if any(e["type"] == "TaskSubmitted" for e in events):  # the handler ran; the token waits
                scheduled = next(e for e in events if e["type"] == "TaskScheduled")
                tokens[arn] = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["Payload"]["name"]
        time.sleep(0.1)
    assert len(tokens) == 50, "every callback Task handed out its token"
    assert all(sfn.describe_execution(executionArn=a)["status"] == "RUNNING" for a in waiting)
    during = statistics.median(_chain_seconds(sfn, chain) for _ in range(7))
    assert during <= max(2 * before, before + 0.05), f"chain took {during:.3f}s with 50 waiting, {before:.3f}s before"
    for token in tokens.values():
        sfn.send_task_success(taskToken=token, output='{"approved": true}')
    status = wait_all(sfn, waiting, timeout=30)
    assert set(status[a] for a in waiting) == {"SUCCEEDED"}
