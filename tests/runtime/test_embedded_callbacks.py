"""Callback Tasks (.waitForTaskToken) on the embedded runtime: the token goes out with the call, and
SendTaskSuccess / Failure / Heartbeat from another thread of the process answer it."""
from __future__ import annotations

import json
import queue
import time
import uuid

import pytest

from executor.resources.lambdas import bind, unbind
from executor.runtime.activities import StatesApiError
from executor.runtime.base import ExecutionRequest
from executor.runtime.embedded import MemorySink


@pytest.fixture
def tokens():
    """A Lambda that hands the token it is given to the test, as a queue consumer would get it."""
    handed: queue.Queue = queue.Queue()
    name = f"hand-out-{uuid.uuid4().hex[:6]}"
    bind(name, lambda event, ctx: handed.put(event["token"]) or {"queued": True})
    yield name, handed
    unbind(name)


def start(runtime, function: str, **extra):
    definition = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": function, "Payload": {"token.$": "$$.Task.Token"}}, "End": True, **extra}}}
    name = uuid.uuid4().hex
    sink = MemorySink()
    request = ExecutionRequest(
        execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:m:{name}",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m", state_machine_name="m",
        name=name, definition=json.dumps(definition), input="{}",
        role_arn="arn:aws:iam::123456789012:role/r", start_time=time.time())
    return runtime.start_execution(request, sink), sink, request.execution_arn


def test_send_task_success_completes_the_task_after_heartbeats_keep_it_alive(runtime, tokens):
    function, handed = tokens
    future, sink, arn = start(runtime, function, HeartbeatSeconds=1)
    token = handed.get(timeout=10)
    for _ in range(3):
        time.sleep(0.5)
        runtime.callbacks.send_task_heartbeat(task_token=token)
    runtime.callbacks.send_task_success(task_token=token, output='{"approved": true}')
    result = future.result(10)
    assert result.status == "SUCCEEDED" and json.loads(result.output) == {"approved": True}
    runtime.flush()
    types = [e["type"] for e in sink.events[arn]]
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")
    with pytest.raises(StatesApiError) as late:
        runtime.callbacks.send_task_success(task_token=token, output="{}")
    assert late.value.code == "TaskTimedOut"


def test_send_task_failure_fails_the_task_with_its_error_and_cause(runtime, tokens):
    function, handed = tokens
    future, _, _ = start(runtime, function)
    runtime.callbacks.send_task_failure(task_token=handed.get(timeout=10), error="Rejected", cause="no")
    result = future.result(10)
    assert (result.status, result.error, result.cause) == ("FAILED", "Rejected", "no")


def test_a_missed_heartbeat_times_the_task_out(runtime, tokens):
    function, _ = tokens
    future, _, _ = start(runtime, function, HeartbeatSeconds=1)
    assert future.result(10).error == "States.HeartbeatTimeout"


def test_unknown_tokens_and_output_that_is_not_json_are_refused(runtime, tokens):
    function, handed = tokens
    with pytest.raises(StatesApiError) as unknown:
        runtime.callbacks.send_task_success(task_token="not-a-token", output="{}")
    assert unknown.value.code == "InvalidToken"
    future, _, _ = start(runtime, function, TimeoutSeconds=5)
    token = handed.get(timeout=10)
    with pytest.raises(StatesApiError) as bad:
        runtime.callbacks.send_task_success(task_token=token, output="{nope")
    assert bad.value.code == "InvalidOutput"
    runtime.callbacks.send_task_success(task_token=token, output="1")
    assert future.result(10).output == "1"
