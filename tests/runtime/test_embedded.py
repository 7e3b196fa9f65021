"""The embedded runtime: real concurrency on one event loop, StopExecution, and Lambda handlers."""
from __future__ import annotations

import json
import threading
import time
import uuid

import pytest

from executor.runtime.base import ExecutionRequest
from executor.runtime.embedded import MemorySink

ACCOUNT_REGION = "us-east-1:123456789012"


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:{ACCOUNT_REGION}:function:{name}"


@pytest.fixture
def sink():
    return MemorySink()


def request(definition: dict, value=None, name: str | None = None) -> ExecutionRequest:
    name = name or uuid.uuid4().hex
    return ExecutionRequest(
        execution_arn=f"arn:aws:states:{ACCOUNT_REGION}:execution:m:{name}",
        state_machine_arn=f"arn:aws:states:{ACCOUNT_REGION}:stateMachine:m", state_machine_name="m", name=name,
        definition=json.dumps(definition), input=json.dumps({} if value is None else value),
        role_arn="arn:aws:iam::123456789012:role/r", start_time=time.time())


def execute(runtime, sink, definition, value=None, timeout=20):
    """Run to the end; returns (result, events)."""
    req = request(definition, value)
    result = runtime.start_execution(req, sink).result(timeout)
    runtime.flush()
    return result, sink.events.get(req.execution_arn, [])



# -- concurrency ---------------------------------------------------------------------------------


def test_a_map_of_100_one_second_waits_takes_about_one_second_and_no_thread_per_wait(runtime, sink):
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}}}}
    threads_before = threading.active_count()
    peak = {"threads": threads_before}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak["threads"] = max(peak["threads"], threading.active_count())
            time.sleep(0.01)
    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        result, _ = execute(runtime, sink, definition, list(range(100)))
    finally:
        stop.set()
        watcher.join()
    elapsed = time.monotonic() - started
    assert result.status == "SUCCEEDED" and json.loads(result.output) == list(range(100))
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert peak["threads"] - threads_before < 10, "a waiting iteration must not hold a thread"


def test_parallel_branches_wait_at_the_same_time(runtime, sink):
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [wait, wait]}}}
    started = time.monotonic()
    result, _ = execute(runtime, sink, definition)
    elapsed = time.monotonic() - started
    assert result.status == "SUCCEEDED"
    assert 0.9 < elapsed < 1.9, f"two 1 s branches took {elapsed:.2f} s"


def test_stop_execution_aborts_a_waiting_execution(runtime, sink):
    req = request({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}})
    future = runtime.start_execution(req, sink)
    deadline = time.monotonic() + 5
    while not runtime.is_running(req.execution_arn) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert runtime.stop_execution(req.execution_arn, "Stopped.ByUser", "enough")
    result = future.result(2)
    runtime.flush()
    assert (result.status, result.error, result.cause) == ("ABORTED", "Stopped.ByUser", "enough")
    events = sink.events[req.execution_arn]
    assert events[-1]["type"] == "ExecutionAborted"
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Stopped.ByUser", "cause": "enough"}
    assert sink.wait(req.execution_arn, 1).status == "ABORTED"
    assert not runtime.is_running(req.execution_arn)
    assert not runtime.stop_execution(req.execution_arn, None, None)


def test_executions_run_side_by_side(runtime):
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    sink = MemorySink()
    started = time.monotonic()
    futures = [runtime.start_execution(request(definition), sink) for _ in range(20)]
    assert all(f.result(10).status == "SUCCEEDED" for f in futures)
    assert time.monotonic() - started < 3


# -- Lambda handlers --------------------------------------------------------------------------------


def test_a_bound_handler_is_called_with_the_event_and_a_lambda_context(runtime, sink, bound):
    seen = {}

    def greet(event, context):
        seen.update(event=event, name=context.function_name, arn=context.invoked_function_arn,
                    request_id=context.aws_request_id, remaining=context.get_remaining_time_in_millis())
        return {"greeting": f"hello {event['who']}"}
    name = bound(greet)
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda_arn(name),
                                                   "TimeoutSeconds": 30, "ResultPath": "$.out", "End": True}}}
    result, events = execute(runtime, sink, definition, {"who": "world"})
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output) == {"who": "world", "out": {"greeting": "hello world"}}
    assert seen["event"] == {"who": "world"} and seen["name"] == name
    assert seen["arn"] == lambda_arn(name)
    assert seen["request_id"] and 0 < seen["remaining"] <= 30_000
    assert [e["type"] for e in events if e["type"].startswith("LambdaFunction")] == [
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]


class InvoiceRejected(Exception):
    pass


def test_an_exception_in_a_handler_becomes_the_lambda_error_and_cause(runtime, sink, bound):
    def reject(event, context):
        raise InvoiceRejected(f"invoice {event['id']} is not payable")
    name = bound(reject)
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda_arn(name), "End": True}}}
    result, events = execute(runtime, sink, definition, {"id": 7})
    assert (result.status, result.error) == ("FAILED", "InvoiceRejected")
    cause = json.loads(result.cause)
    assert cause["errorMessage"] == "invoice 7 is not payable"
    assert cause["errorType"] == "InvoiceRejected"
    assert isinstance(cause["stackTrace"], list) and any("reject" in line for line in cause["stackTrace"])
    failed = [e for e in events if e["type"] == "LambdaFunctionFailed"][0]["lambdaFunctionFailedEventDetails"]
    assert failed["error"] == "InvoiceRejected" and json.loads(failed["cause"]) == cause


def test_a_handler_exception_is_caught_by_catch_like_any_task_error(runtime, sink, bound):
    def reject(event, context):
        raise InvoiceRejected("no")
    name = bound(reject)
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": lambda_arn(name), "Next": "Paid",
              "Catch": [{"ErrorEquals": ["InvoiceRejected"], "ResultPath": "$.error", "Next": "Rejected"}]},
        "Paid": {"Type": "Succeed"},
        "Rejected": {"Type": "Pass", "End": True}}}
    result, _ = execute(runtime, sink, definition, {"id": 1})
    output = json.loads(result.output)
    assert result.status == "SUCCEEDED" and output["id"] == 1
    assert output["error"]["Error"] == "InvoiceRejected"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "no"


def test_a_handler_exception_is_retried_by_states_task_failed(runtime, sink, bound):
    calls = []

    def flaky(event, context):
        calls.append(1)
        if len(calls) < 2:
            raise ConnectionError("try again")
        return "ok"
    name = bound(flaky)
    definition = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": lambda_arn(name), "End": True,
        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 1}]}}}
    result, _ = execute(runtime, sink, definition)
    assert result.status == "SUCCEEDED" and json.loads(result.output) == "ok" and len(calls) == 2


def test_an_unbound_function_fails_the_state_and_leaves_the_runtime_working(runtime, sink, bound):
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda_arn("nobody-bound-this"),
                                                   "End": True}}}
    result, _ = execute(runtime, sink, definition)
    assert (result.status, result.error) == ("FAILED", "Lambda.ResourceNotFoundException")
    assert "nobody-bound-this" in result.cause

    name = bound(lambda event, context: "still here")
    after, _ = execute(runtime, sink, {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda_arn(name),
                                                                         "End": True}}})
    assert json.loads(after.output) == "still here"


def test_an_unbound_function_can_be_caught(runtime, sink):
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": lambda_arn("nobody-bound-this"), "End": True,
              "Catch": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"], "Next": "Fallback"}]},
        "Fallback": {"Type": "Pass", "Result": "fell back", "End": True}}}
    result, _ = execute(runtime, sink, definition)
    assert json.loads(result.output) == "fell back"


def test_lambda_invoke_integration_returns_the_lambda_response_shape(runtime, sink, bound):
    name = bound(lambda event, context: {"doubled": event["n"] * 2})
    definition = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
        "Parameters": {"FunctionName": lambda_arn(name), "Payload": {"n.$": "$.n"}}}}}
    result, events = execute(runtime, sink, definition, {"n": 21})
    output = json.loads(result.output)
    assert output["Payload"] == {"doubled": 42} and output["StatusCode"] == 200
    assert output["ExecutedVersion"] == "$LATEST"
    scheduled = [e for e in events if e["type"] == "TaskScheduled"][0]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("lambda", "invoke")


def test_lambda_invoke_accepts_a_plain_function_name_and_selects_the_payload(runtime, sink, bound):
    name = bound(lambda event, context: event)
    definition = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
        "Parameters": {"FunctionName": name, "Payload.$": "$"}, "ResultSelector": {"body.$": "$.Payload"}}}}
    result, _ = execute(runtime, sink, definition, {"k": [1, 2]})
    assert json.loads(result.output) == {"body": {"k": [1, 2]}}


def test_a_handler_runs_off_the_event_loop_so_a_slow_one_does_not_stall_others(runtime, bound):
    name = bound(lambda event, context: time.sleep(1) or "slept")
    slow = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda_arn(name), "End": True}}}
    quick = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    sink = MemorySink()
    slow_future = runtime.start_execution(request(slow), sink)
    time.sleep(0.05)
    started = time.monotonic()
    assert runtime.start_execution(request(quick), sink).result(5).status == "SUCCEEDED"
    assert time.monotonic() - started < 0.5
    assert slow_future.result(5).status == "SUCCEEDED"


def test_activities_are_refused_with_a_reason_that_says_what_to_do(runtime, sink):
    """The embedded runtime runs no activities; it says so and names the Celery runtime."""
    definition = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:approve", "End": True}}}
    result = runtime.start_execution(request(definition), sink).result(10)
    assert result.status == "FAILED" and result.error == "States.Runtime"
    assert "does not run activities" in result.cause
    assert "SWITCHYARD_RUNTIME=celery" in result.cause


class _ThreadNotingSink(MemorySink):
    """A MemorySink that notes the thread each call came from."""

    def __init__(self, queues_only: bool):
        super().__init__()
        self.queues_only = queues_only
        self.threads: set[int] = set()

    def append_events(self, execution_arn, events):
        self.threads.add(threading.get_ident())
        super().append_events(execution_arn, events)

    def execution_finished(self, execution_arn, result):
        self.threads.add(threading.get_ident())
        super().execution_finished(execution_arn, result)


@pytest.mark.parametrize("queues_only", [True, False])
def test_a_sink_that_only_queues_is_called_from_the_loop_and_gets_the_same_history(runtime, queues_only):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}
    sink = _ThreadNotingSink(queues_only)
    result, events = execute(runtime, sink, definition, {"n": 1})
    assert result.status == "SUCCEEDED" and [r.status for r in sink.results.values()] == ["SUCCEEDED"]
    assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                           "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    loop_thread = runtime._thread.ident
    if queues_only:
        assert sink.threads == {loop_thread}
    else:
        assert sink.threads and loop_thread not in sink.threads
