"""Local testing on the Celery runtime: a mocked Task never reaches a worker, a virtual clock skips a
day's Wait, a redrive runs again only what failed, and a re-run from a state (and its redrive) begins
at that state with the variables it was given."""
from __future__ import annotations

import dataclasses
import json
import time
import uuid

import pytest

from executor.runtime.embedded import MemorySink

from .celery_support import LAMBDA, request

pytestmark = pytest.mark.celery


def run(runtime, req, timeout=30):
    sink = MemorySink()
    result = runtime.run_sync(req, sink, timeout=timeout)
    return result, sink.events.get(req.execution_arn, [])


def fail_then_redrive(runtime, client, tag: str, req):
    """Run ``req`` while item 2 of the tag's items is broken (it fails), fix it and redrive; the
    redrive must succeed with [10, 20, 30]. Returns the two runs' events."""
    failed, events = run(runtime, req)
    assert failed.status == "FAILED" and failed.checkpoints, failed
    client.delete(f"test:broken:{tag}")
    last = events[-1]["id"]
    redrive = dataclasses.replace(req, redrive={"count": 1, "after": last + 1, "checkpoints": failed.checkpoints})
    done, more = run(runtime, redrive)
    assert done.status == "SUCCEEDED", done
    assert json.loads(done.output) == [10, 20, 30]
    return events, more


def test_a_mocked_task_is_answered_without_a_worker_and_a_day_long_wait_is_skipped(celery_runtime):
    definition = {"StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 86400, "Next": "Call"},
        "Call": {"Type": "Task", "Resource": LAMBDA + "boom", "End": True}}}
    local = {"clock": "skip", "testCase": {"name": "T", "states": {"Call": {"0": {"Return": {"mocked": True}}}}}}
    began = time.monotonic()
    result, events = run(celery_runtime, dataclasses.replace(request(definition, {}), local=local))
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"mocked": True}
    assert time.monotonic() - began < 5
    assert [e["type"] for e in events].count("LambdaFunctionSucceeded") == 1


def test_a_redrive_on_workers_reruns_only_the_failed_iteration(celery_runtime, celery_redis):
    tag = uuid.uuid4().hex[:8]
    celery_redis.set(f"test:broken:{tag}", 1)
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemSelector": {"item.$": "$$.Map.Item.Value", "bad": 2, "tag": tag},
        "ItemProcessor": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": LAMBDA + "fail-until-fixed", "End": True}}}}}}
    events, more = fail_then_redrive(celery_runtime, celery_redis, tag, request(definition, {"items": [1, 2, 3]}))
    last = events[-1]["id"]
    calls = {i: int(celery_redis.get(f"test:calls:{tag}:{i}")) for i in (1, 2, 3)}
    assert calls == {1: 1, 2: 2, 3: 1}
    assert more[0]["id"] == last + 2 and more[0]["previousEventId"] == last + 1
    assert [e["type"] for e in more].count("MapIterationStarted") == 1


def test_a_rerun_from_a_state_on_workers_and_its_redrive_begin_at_that_state(celery_runtime, celery_redis):
    tag = uuid.uuid4().hex[:8]
    celery_redis.set(f"test:broken:{tag}", 1)
    definition = {"StartAt": "Before", "States": {
        "Before": {"Type": "Task", "Resource": LAMBDA + "boom", "Next": "Each"},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                 "ItemSelector": {"item.$": "$$.Map.Item.Value", "bad": 2, "tag.$": "$tag"},
                 "ItemProcessor": {"StartAt": "Work", "States": {
                     "Work": {"Type": "Task", "Resource": LAMBDA + "fail-until-fixed", "End": True}}}}}}
    req = dataclasses.replace(request(definition, {"items": [1, 2, 3]}), start_state="Each",
                              start_variables={"tag": tag})
    events, more = fail_then_redrive(celery_runtime, celery_redis, tag, req)
    assert [e["type"] for e in events][:2] == ["ExecutionStarted", "MapStateEntered"]  # Before never runs
    entered = [e["stateEnteredEventDetails"]["name"] for e in events + more if e["type"].endswith("StateEntered")]
    assert "Before" not in entered and entered.count("Each") == 2  # the run, then its redrive
