"""The embedded runtime resumes an execution from its persisted history after a stop.

A first runtime runs part of an execution and is closed (as a killed server leaves it: only
what reached the sink is kept); a second one resumes from that history. What a user checks:
the execution ends as an uninterrupted one would, its history is whole (ids contiguous, every
state once), finished Tasks are not run again, and Waits end when they would have.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from executor.runtime.embedded import EmbeddedRuntime, MemorySink

from .test_embedded import lambda_arn, request


class Calls:
    def __init__(self):
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, key: str) -> int:
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]


def wait_for(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def interrupted(definition: dict, value, stop_when, timeout: float = 20, start_state: str | None = None):
    """Run (from ``start_state`` when given) until ``stop_when(events)``, close that runtime, resume
    on a fresh one; return (result, whole history, seconds the resumed part took)."""
    first, sink = EmbeddedRuntime(), MemorySink()
    req = dataclasses.replace(request(definition, value), start_state=start_state)
    first.start_execution(req, sink)
    try:
        wait_for(lambda: stop_when(sink.events.get(req.execution_arn, [])))
    finally:
        first.close()
    persisted = [dict(e) for e in sink.events[req.execution_arn]]
    second, resumed_sink = EmbeddedRuntime(), MemorySink()
    try:
        began = time.monotonic()
        result = second.resume_execution(req, persisted, resumed_sink).result(timeout)
        took = time.monotonic() - began
        second.flush()
    finally:
        second.close()
    return result, persisted + resumed_sink.events.get(req.execution_arn, []), took


def assert_whole(events: list[dict]) -> None:
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events].count("ExecutionStarted") == 1
    assert all(e["previousEventId"] < e["id"] for e in events)


def entered(events, name):
    return [e for e in events if e["type"].endswith("StateEntered") and e[next(k for k in e if k.endswith(
        "EventDetails"))]["name"] == name]


def test_a_resumed_execution_does_not_rerun_finished_tasks_and_its_wait_ends_on_time(bound):
    calls = Calls()
    first = bound(lambda event, _ctx: {"n": calls.count("first")})
    item = bound(lambda event, _ctx: {"item": event, "n": calls.count(f"item-{event}")})
    definition = {"StartAt": "First", "States": {
        "First": {"Type": "Task", "Resource": lambda_arn(first), "ResultPath": "$.first", "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 2, "Next": "Each"},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "Next": "Done",
                 "ItemProcessor": {"StartAt": "Work", "States": {
                     "Work": {"Type": "Task", "Resource": lambda_arn(item), "End": True}}}},
        "Done": {"Type": "Pass", "End": True}}}
    began = time.monotonic()
    result, events, _took = interrupted(definition, {"items": [1, 2, 3]},
                                        lambda ev: any(e["type"] == "WaitStateEntered" for e in ev))
    assert result.status == "SUCCEEDED", result
    output = json.loads(result.output)
    assert output["first"] == {"n": 1} and [r["item"] for r in output["each"]] == [1, 2, 3]
    assert calls.counts == {"first": 1, "item-1": 1, "item-2": 1, "item-3": 1}
    assert_whole(events)
    assert len(entered(events, "First")) == 1 and len(entered(events, "Pause")) == 1
    assert len(entered(events, "Work")) == 3
    # The Wait ends two seconds after it began, however long the stop lasted.
    assert time.monotonic() - began == pytest.approx(2, abs=0.8)


def test_a_rerun_from_a_state_resumes_from_that_state(bound):
    calls = Calls()
    skipped = bound(lambda event, _ctx: {"n": calls.count("skipped")})
    counted = bound(lambda event, _ctx: {"seen": event, "n": calls.count("counted")})
    definition = {"StartAt": "Skipped", "States": {
        "Skipped": {"Type": "Task", "Resource": lambda_arn(skipped), "Next": "Count"},
        "Count": {"Type": "Task", "Resource": lambda_arn(counted), "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 1, "End": True}}}
    result, events, _ = interrupted(definition, {"edited": True},
                                    lambda ev: any(e["type"] == "WaitStateEntered" for e in ev), start_state="Count")
    assert result.status == "SUCCEEDED" and json.loads(result.output) == {"seen": {"edited": True}, "n": 1}
    assert calls.counts == {"counted": 1}
    assert_whole(events)
    assert entered(events, "Skipped") == [] and len(entered(events, "Count")) == 1


def test_a_task_running_at_the_stop_runs_again_and_its_history_shows_one_attempt(bound):
    calls = Calls()
    release = threading.Event()

    def slow(event, _ctx):
        n = calls.count("slow")
        if n == 1:
            release.wait(5)  # the first run is cut off by the stop
        return {"run": n}
    name = bound(slow)
    definition = {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": lambda_arn(name), "End": True}}}
    result, events, _ = interrupted(definition, {}, lambda ev: any(e["type"] == "LambdaFunctionStarted" for e in ev))
    release.set()
    assert result.status == "SUCCEEDED" and json.loads(result.output) == {"run": 2}
    assert_whole(events)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
        "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]


def test_a_recorded_failure_is_caught_again_without_running_the_task(bound):
    calls = Calls()

    def boom(event, _ctx):
        calls.count("boom")
        raise ValueError("no")
    name = bound(boom)
    definition = {"StartAt": "Boom", "States": {
        "Boom": {"Type": "Task", "Resource": lambda_arn(name), "Next": "Pause",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Pause"}]},
        "Pause": {"Type": "Wait", "Seconds": 1, "End": True}}}
    result, events, _ = interrupted(definition, {}, lambda ev: any(e["type"] == "WaitStateEntered" for e in ev))
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output)["error"]["Error"] == "ValueError"
    assert calls.counts == {"boom": 1}
    assert_whole(events)


def test_a_retry_back_off_and_a_timestamp_wait_end_when_they_would_have(bound):
    calls = Calls()

    def flaky(event, _ctx):
        if calls.count("flaky") < 2:
            raise RuntimeError("once")
        return "ok"
    name = bound(flaky)
    until = (datetime.now(timezone.utc) + timedelta(seconds=3)).isoformat().replace("+00:00", "Z")
    definition = {"StartAt": "Flaky", "States": {
        "Flaky": {"Type": "Task", "Resource": lambda_arn(name), "Next": "Until",
                  "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 1.0,
                             "MaxAttempts": 2}]},
        "Until": {"Type": "Wait", "Timestamp": until, "End": True}}}
    began = time.monotonic()
    result, events, _ = interrupted(definition, {}, lambda ev: any(e["type"] == "LambdaFunctionFailed" for e in ev))
    assert result.status == "SUCCEEDED" and calls.counts == {"flaky": 2}
    assert_whole(events)
    # back-off 1 s then the Wait until 3 s after the start: about 3 s in all, not 1 + 3.
    assert time.monotonic() - began == pytest.approx(3, abs=0.8)
