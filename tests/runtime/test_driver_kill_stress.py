"""Kill the process holding an execution at each kind of history event in turn: every execution
still ends with the history an uninterrupted run writes, but for the documented restart events.

The workflow has a Map, a Parallel, a Wait, a Retry, a callback and random intrinsics. A kill
lands while the driver host decides, while a Task's work runs in that same pool process, or
while the execution waits; another host takes it over when its lease lapses and replays it.
``SWITCHYARD_STRESS_ROUNDS`` (default 1) repeats the whole round: 200 for a long soak;
``SWITCHYARD_STRESS_KINDS`` keeps only some kinds of event.
"""
from __future__ import annotations

import collections
import json
import os
import re
import signal
import time
import uuid

import pytest

from executor.runtime.embedded import MemorySink
from executor.runtime.store import keys, loads_events

from .celery_support import LAMBDA, request

ROUNDS = int(os.environ.get("SWITCHYARD_STRESS_ROUNDS", "1"))
#: only these kinds of event (comma-separated), to look at one closely
ONLY = {k for k in os.environ.get("SWITCHYARD_STRESS_KINDS", "").split(",") if k}

pytestmark = [pytest.mark.celery, pytest.mark.timeout(600 + 200 * ROUNDS)]
#: a killed pool process may have been running a Task's work: its rerun adds a second start
RESTART_EVENTS = {"TaskStarted", "LambdaFunctionStarted"}
_TOKEN = re.compile(r"SY1[A-Za-z0-9_-]{43}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def definition(tag: str) -> dict:
    task = {"Type": "Task", "Resource": LAMBDA + "echo"}
    return {"StartAt": "Draw", "States": {
        "Draw": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()", "n.$": "States.MathRandom(1, 1000000)",
                                                "items": [1, 2, 3]}, "Next": "Both"},
        "Both": {"Type": "Parallel", "ResultPath": "$.both", "Next": "Each", "Branches": [
            {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 1, "End": True}}},
            {"StartAt": "Flaky", "States": {"Flaky": {
                "Type": "Task", "Resource": LAMBDA + "fail-once", "Parameters": {"tag": tag},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "End": True}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "Next": "Approve",
                 "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {**task, "End": True}}}},
        "Approve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": "hand-out-token",
                                   "Payload": {"token.$": "$$.Task.Token", "tag": tag}},
                    "ResultPath": "$.approval", "Next": "Done"},
        "Done": {"Type": "Pass", "End": True}}}


def _normal(events: list[dict], arn: str, tag: str) -> collections.Counter:
    """The history as a multiset of (type, details), without what differs by execution: its ARN
    and tag, task tokens, drawn values; restart events are left out."""

    def clean(value):
        if isinstance(value, dict):
            return {k: "<n>" if k == "n" else clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            if value[:1] in "{[":
                try:
                    return clean(json.loads(value))
                except ValueError:
                    pass
            value = _UUID.sub("<uuid>", value.replace(arn, "<arn>").replace(tag, "<tag>"))
            return _TOKEN.sub("<token>", value)
        return value

    out: collections.Counter = collections.Counter()
    for event in events:
        if event["type"] not in RESTART_EVENTS:
            details = {k: v for k, v in event.items() if k.endswith("EventDetails")}
            out[(event["type"], json.dumps(clean(details), sort_keys=True))] += 1
    return out


def _run(runtime, client, kill_at: str | None) -> tuple[object, list[dict], str, str, bool]:
    tag = uuid.uuid4().hex
    sink = MemorySink()
    req = request(definition(tag), {})
    arn = req.execution_arn
    future = runtime.start_execution(req, sink)
    killed = False
    deadline = time.monotonic() + 60
    answered = False
    while not future.done() and time.monotonic() < deadline:
        if kill_at is not None and not killed:
            seen = [e["type"] for e in loads_events(client.lrange(keys.x(arn, "ev"), 0, -1))]
            if kill_at in seen:
                holder = client.get(keys.x(arn, "lock"))
                if holder is not None:
                    os.kill(int(holder.decode().split(":")[1]), signal.SIGKILL)
                    killed = True
        token = client.lindex(f"test:token:{tag}", 0)
        if token is not None and not answered:
            from executor.runtime import activities

            try:
                activities.send_task_success(task_token=token.decode(), output='{"approved": true}', client=client)
                answered = True
            except activities.StatesApiError:
                pass  # not registered yet, or being taken over: try again
        time.sleep(0.002)
    result = future.result(max(1.0, deadline - time.monotonic()))
    return result, sink.events[arn], arn, tag, killed


def test_killing_the_driver_at_each_kind_of_event_leaves_the_history_of_an_uninterrupted_run(
        celery_runtime, celery_redis):
    """One uninterrupted run, then one run killed at each kind of event it recorded (and again,
    ROUNDS times): each ends SUCCEEDED, ids 1..n, and the same events as the uninterrupted one."""
    client = celery_redis
    result, events, arn, tag, _ = _run(celery_runtime, client, None)
    assert result.status == "SUCCEEDED", result
    reference = _normal(events, arn, tag)
    kinds = list(dict.fromkeys(e["type"] for e in events))
    assert {"MapIterationStarted", "ParallelStateStarted", "WaitStateEntered", "LambdaFunctionFailed",
            "TaskSubmitted", "ExecutionSucceeded"} <= set(kinds)
    failures = []
    for round_ in range(ROUNDS):
        for kind in [k for k in kinds[:-1] if not ONLY or k in ONLY]:  # after the end nobody holds it
            try:
                result, events, arn, tag, killed = _run(celery_runtime, client, kind)
            except TimeoutError:
                failures.append((round_, kind, None, ["did not end within 60 s"]))
                continue
            ids = [e["id"] for e in events]
            problems = []
            if result.status != "SUCCEEDED":
                problems.append(f"ended {result.status}: {result.error} {result.cause}")
            if ids != list(range(1, len(ids) + 1)):
                problems.append("ids are not 1..n")
            if _normal(events, arn, tag) != reference:
                diff = (_normal(events, arn, tag) - reference) + (reference - _normal(events, arn, tag))
                problems.append(f"history differs: {sorted(diff)}")
            if problems:
                failures.append((round_, kind, killed, problems))
            print(f"round {round_} kill at {kind}: {'FAILED' if problems else 'ok'}", flush=True)
    for failure in failures:
        print("FAILED", failure)
    assert not failures, failures
