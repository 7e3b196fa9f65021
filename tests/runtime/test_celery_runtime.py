"""The Celery runtime on real workers and a real Redis: outputs, crashes, stops, callbacks, activities."""
from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest
import redis

from executor.runtime import activities
from executor.runtime.embedded import MemorySink
from executor.runtime.metrics import runtime_metrics
from executor.runtime.store import keys

from .celery_support import LAMBDA, TEST_REDIS_URL, make_app, request, wait_for

pytestmark = pytest.mark.celery


@pytest.fixture
def client(celery_redis) -> redis.Redis:
    return celery_redis


def task(function: str, **extra) -> dict:
    return {"Type": "Task", "Resource": LAMBDA + function, **extra}


def run(runtime, definition, input_value=None, timeout=30):
    sink = MemorySink()
    req = request(definition, input_value)
    result = runtime.run_sync(req, sink, timeout=timeout)
    return result, sink.events.get(req.execution_arn, []), req.execution_arn


def types(events):
    return [e["type"] for e in events]


def assert_history_well_formed(events):
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids)), "event ids are unique and increasing"
    assert all(0 <= e["previousEventId"] < e["id"] for e in events)
    assert types(events).count("ExecutionStarted") == 1
    assert types(events)[-1].startswith("Execution")


def test_task_chain_and_map_complete_with_the_right_output(celery_runtime):
    """Tasks and a Map of Tasks run on workers; the output and the history are those of the embedded run."""
    definition = {"StartAt": "Add", "States": {
        "Add": task("add", ResultPath="$.r", Next="Each"),
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "End": True,
                 "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": task("echo", End=True)}}}}}
    result, events, _ = run(celery_runtime, definition, {"a": 2, "b": 3, "items": [1, 2, 3, 4, 5]})
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"a": 2, "b": 3, "items": [1, 2, 3, 4, 5], "r": {"sum": 5},
                                         "each": [1, 2, 3, 4, 5]}
    assert_history_well_formed(events)
    assert types(events).count("LambdaFunctionSucceeded") == 6
    assert types(events).count("MapIterationSucceeded") == 5


def test_asl_retry_and_catch_handle_a_failing_handler_once_each(celery_runtime):
    """A handler's exception is the Task's error; Retry runs it again; Celery adds no retry of its own."""
    definition = {"StartAt": "Boom", "States": {
        "Boom": task("boom", Retry=[{"ErrorEquals": ["ValueError"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                     Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught", "ResultPath": "$.err"}], End=True),
        "Caught": {"Type": "Pass", "End": True}}}
    result, events, _ = run(celery_runtime, definition, {})
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output)["err"]["Error"] == "ValueError"
    assert types(events).count("LambdaFunctionFailed") == 2


def test_parallel_branches_run_their_tasks_at_once_across_workers(celery_runtime):
    """Three 1 s tasks in Parallel take about 1 s, not 3 (three pool processes are free)."""
    branch = {"StartAt": "S", "States": {"S": task("sleep-ms", End=True)}}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [branch] * 3, "End": True}}}
    started = time.monotonic()
    result, _, _ = run(celery_runtime, definition, {"ms": 1000})
    assert result.status == "SUCCEEDED"
    assert time.monotonic() - started < 2.5


def test_sigkill_of_the_worker_running_a_task_handler_retries_the_task(celery_runtime, client):
    """kill -9 of the pool process running a handler: the task runs again, the history shows a second
    start, and the execution ends with the right output."""
    tag = uuid.uuid4().hex
    definition = {"StartAt": "Slow", "States": {"Slow": task("slow-marked", End=True)}}
    sink = MemorySink()
    req = request(definition, {"tag": tag, "value": 21, "seconds": 1.5})
    future = celery_runtime.start_execution(req, sink)
    pid = int(wait_for(lambda: client.lindex(f"test:running:{tag}", 0), 15, what="handler started"))
    os.kill(pid, signal.SIGKILL)
    result = future.result(40)
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"tag": tag, "value": 42}
    events = sink.events[req.execution_arn]
    assert_history_well_formed(events)
    assert types(events).count("LambdaFunctionStarted") == 2
    assert client.llen(f"test:running:{tag}") == 2 and int(client.get(f"test:done:{tag}")) == 1


def test_sigkill_of_the_driver_resumes_by_replay_without_rerunning_finished_work(celery_runtime, client):
    """kill -9 of the process holding the execution: another resumes it by replay; finished Tasks are
    answered from the record, the history has no duplicate, and the output is right."""
    tag = uuid.uuid4().hex
    item = {"StartAt": "Slow", "States": {"Slow": task("slow-marked", End=True)}}
    definition = {"StartAt": "Map", "States": {
        "Map": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ItemProcessor": item, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True}}}
    items = [{"tag": tag, "value": i, "seconds": 0.6} for i in range(5)]
    sink = MemorySink()
    req = request(definition, {"items": items})
    future = celery_runtime.start_execution(req, sink)
    wait_for(lambda: int(client.get(f"test:done:{tag}") or 0) >= 2, 20, what="two tasks done")
    holder = client.get(keys.x(req.execution_arn, "lock")).decode()
    os.kill(int(holder.split(":")[1]), signal.SIGKILL)
    result = future.result(60)
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == [{"tag": tag, "value": 2 * i} for i in range(5)]
    events = sink.events[req.execution_arn]
    assert_history_well_formed(events)
    assert types(events).count("MapIterationStarted") == 5
    assert types(events).count("MapIterationSucceeded") == 5
    assert types(events).count("MapStateEntered") == 1
    assert int(client.get(f"test:done:{tag}")) == 5, "no finished task ran twice"
    new_holder = client.get(keys.x(req.execution_arn, "lock"))
    assert new_holder is None or new_holder.decode() != holder


def test_stop_execution_aborts_the_map_and_stops_its_running_tasks(celery_runtime, client):
    """StopExecution ends the execution with ExecutionAborted, quickly; running Tasks are stopped too."""
    tag = uuid.uuid4().hex
    item = {"StartAt": "Slow", "States": {"Slow": task("slow-marked", End=True)}}
    definition = {"StartAt": "Map", "States": {"Map": {"Type": "Map", "ItemProcessor": item, "End": True}}}
    sink = MemorySink()
    req = request(definition, [{"tag": tag, "value": i, "seconds": 4} for i in range(3)])
    future = celery_runtime.start_execution(req, sink)
    wait_for(lambda: client.llen(f"test:running:{tag}") >= 2, 15, what="tasks running")
    started = time.monotonic()
    assert celery_runtime.stop_execution(req.execution_arn, "Stopped", "by the test")
    result = future.result(15)
    assert result.status == "ABORTED" and result.error == "Stopped"
    assert time.monotonic() - started < 3
    events = sink.events[req.execution_arn]
    assert events[-1]["type"] == "ExecutionAborted"
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Stopped", "cause": "by the test"}
    time.sleep(4.5)
    assert client.get(f"test:done:{tag}") is None, "the running tasks were terminated"
    assert not celery_runtime.stop_execution(req.execution_arn, None, None)


def _callback_definition(tag: str, **extra) -> dict:
    return {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "hand-out-token", "Payload": {"token.$": "$$.Task.Token", "tag": tag}},
        "End": True, **extra}}}


def test_wait_for_task_token_ends_with_send_task_success(celery_runtime, client):
    """The token reaches the handler through $$.Task.Token; SendTaskSuccess from another process
    completes the Task with its output, while heartbeats keep a 1 s HeartbeatSeconds alive."""
    tag = uuid.uuid4().hex
    sink = MemorySink()
    req = request(_callback_definition(tag, HeartbeatSeconds=1), {})
    future = celery_runtime.start_execution(req, sink)
    token = wait_for(lambda: client.lindex(f"test:token:{tag}", 0), 15, what="token").decode()
    for _ in range(4):
        time.sleep(0.5)
        activities.send_task_heartbeat(task_token=token, client=client)
    activities.send_task_success(task_token=token, output='{"answer": 42}', client=client)
    result = future.result(15)
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"answer": 42}
    with pytest.raises(activities.StatesApiError) as err:
        activities.send_task_success(task_token=token, output="{}", client=client)
    assert err.value.code == "TaskTimedOut"


def test_wait_for_task_token_fails_with_send_task_failure(celery_runtime, client):
    """SendTaskFailure's error and cause become the Task's failure."""
    tag = uuid.uuid4().hex
    sink = MemorySink()
    future = celery_runtime.start_execution(request(_callback_definition(tag), {}), sink)
    token = wait_for(lambda: client.lindex(f"test:token:{tag}", 0), 15, what="token").decode()
    activities.send_task_failure(task_token=token, error="Denied", cause="no", client=client)
    result = future.result(15)
    assert (result.status, result.error, result.cause) == ("FAILED", "Denied", "no")


def test_a_missed_heartbeat_fails_the_task_with_states_heartbeat_timeout(celery_runtime, client):
    """HeartbeatSeconds is enforced by the driver, whichever process should have sent the heartbeat."""
    tag = uuid.uuid4().hex
    result, _, _ = run(celery_runtime, _callback_definition(tag, HeartbeatSeconds=1), {})
    assert (result.status, result.error) == ("FAILED", "States.HeartbeatTimeout")


def test_callback_timeout_seconds_times_the_task_out(celery_runtime, client):
    """TimeoutSeconds ends a Task that nobody answers with States.Timeout; its token is then refused."""
    tag = uuid.uuid4().hex
    result, events, _ = run(celery_runtime, _callback_definition(tag, TimeoutSeconds=1), {})
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    token = client.lindex(f"test:token:{tag}", 0).decode()
    with pytest.raises(activities.StatesApiError) as err:
        activities.send_task_success(task_token=token, output="{}", client=client)
    assert err.value.code == "TaskTimedOut"


def test_activities_are_created_listed_polled_answered_and_deleted(celery_runtime, client):
    """An external worker polls GetActivityTask, heartbeats, and answers with SendTaskSuccess."""
    name = f"act-{uuid.uuid4().hex[:8]}"
    created = activities.create_activity(name=name, client=client)
    arn = created["activityArn"]
    assert activities.create_activity(name=name, client=client) == created
    assert activities.describe_activity(activity_arn=arn, client=client)["name"] == name
    assert arn in [a["activityArn"] for a in activities.list_activities(client=client)["activities"]]
    assert activities.get_activity_task(activity_arn=arn, timeout=0.2, client=client) == {}

    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": arn, "HeartbeatSeconds": 2,
                                                         "TimeoutSeconds": 30, "End": True}}}
    sink = MemorySink()
    future = celery_runtime.start_execution(request(definition, {"job": 7}), sink)
    polled = activities.get_activity_task(activity_arn=arn, worker_name="ext", timeout=10, client=client)
    assert json.loads(polled["input"]) == {"job": 7}
    activities.send_task_heartbeat(task_token=polled["taskToken"], client=client)
    activities.send_task_success(task_token=polled["taskToken"], output='{"done": 7}', client=client)
    result = future.result(15)
    assert result.status == "SUCCEEDED" and json.loads(result.output) == {"done": 7}

    activities.delete_activity(activity_arn=arn, client=client)
    with pytest.raises(activities.StatesApiError) as err:
        activities.describe_activity(activity_arn=arn, client=client)
    assert err.value.code == "ActivityDoesNotExist"
    with pytest.raises(activities.StatesApiError) as err:
        activities.send_task_success(task_token="nonsense", output="{}", client=client)
    assert err.value.code == "InvalidToken"


def test_runtime_metrics_report_queue_depth_and_tasks_running_per_worker(celery_runtime, celery_workers, client):
    """runtime_metrics() lists every live worker with what its pool runs, and each queue's depth."""
    tag = uuid.uuid4().hex
    definition = {"StartAt": "Slow", "States": {"Slow": task("slow-marked", End=True)}}
    future = celery_runtime.start_execution(request(definition, {"tag": tag, "value": 1, "seconds": 1}),
                                            MemorySink())
    wait_for(lambda: client.llen(f"test:running:{tag}"), 15, what="task running")
    metrics = runtime_metrics(client)
    assert set(metrics["queues"]) == {"states", "inference"}
    assert len(metrics["workers"]) == 2
    running = {}
    for worker in metrics["workers"].values():
        for name, count in worker["tasks"].items():
            running[name] = running.get(name, 0) + count
    # The driver holds no pool process while its Task runs: only the Task's work is running.
    assert running == {"executor.run_task": 1}
    assert metrics["executions_running"] >= 1
    assert sum(metrics["hosts"].values()) >= 1, "a driver host reports the execution it holds"
    assert celery_runtime.metrics()["queues"].keys() == metrics["queues"].keys()
    assert future.result(15).status == "SUCCEEDED"
    started = time.perf_counter()
    runtime_metrics(client)
    assert time.perf_counter() - started < 0.05


def test_the_celery_settings_reach_the_running_workers(celery_workers):
    """A misspelt setting would be ignored silently: ask the live workers for theirs."""
    app = make_app(TEST_REDIS_URL)
    confs = app.control.inspect(timeout=3).conf() or {}
    assert len(confs) == 2
    for conf in confs.values():
        assert conf["task_acks_late"] is True and conf["task_reject_on_worker_lost"] is True
        assert conf["worker_prefetch_multiplier"] == 1
        assert conf["task_serializer"] == "json" and conf["accept_content"] == ["json"]
        assert conf["task_default_queue"] == "states"
        assert conf["task_routes"]["executor.inference.*"] == {"queue": "inference"}
