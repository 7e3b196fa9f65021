"""Self-contained executions on the Celery runtime: decided where they start, recorded as a driver would.

A state machine of Pass, Choice, Succeed and Fail states only needs no worker, so the starting
process runs it to its end within ``decide_here_ms`` (``lifecycle.run_alone``). The tests run
against the real Redis, most on a database no worker listens on, which is what shows where the run
happened; they compare with the embedded runtime's history of the same request.
"""
from __future__ import annotations

import json
import os

import pytest
import redis

from executor.asl import parse_definition
from executor.runtime.celery_runtime import CeleryRuntime, ExecutionAlreadyExists
from executor.runtime.embedded import EmbeddedRuntime, MemorySink
from executor.runtime.store import keys

from .celery_support import TEST_REDIS_URL, make_app, request

pytestmark = pytest.mark.celery

NO_WORKERS_URL = os.environ.get("SWITCHYARD_PUMP_REDIS_URL", "redis://127.0.0.1:6379/14")  # as test_mirror_pump

#: Pass and Choice, a JSONPath intrinsic and a JSONata state drawing random values, and a Fail branch
BRANCHING = {"StartAt": "Count", "States": {
    "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)", "id.$": "States.UUID()"},
              "Next": "Enough?"},
    "Enough?": {"Type": "Choice", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Draw"},
        {"Variable": "$.n", "NumericLessThan": 0, "Next": "Refuse"}], "Default": "Again"},
    "Again": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "Count"},
    "Draw": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% {'n': $states.input.n, 'r': $random()} %}",
             "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "Refuse": {"Type": "Fail", "Error": "Negative", "Cause": "n fell below zero"}}}


def loop(turns: int) -> dict:
    """A Choice loop of ``turns`` rounds: three states a round."""
    return {"StartAt": "Add", "States": {
        "Add": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": turns,
                                                 "Next": "End"}], "Default": "Add"},
        "End": {"Type": "Pass", "End": True}}}


def comparable(events: list[dict]) -> list[tuple]:
    return [(e["id"], e["previousEventId"], e["type"], json.dumps({k: v for k, v in e.items()
                                                                     if k not in ("id", "previousEventId", "type",
                                                                                  "timestamp")}, sort_keys=True))
            for e in events]


def drop(client, arn: str) -> None:
    """Take an execution queued for workers out of Redis: no later test's worker runs it."""
    client.lrem(keys.STARTS, 0, arn)
    client.srem(keys.RUNNING, arn)
    client.zrem(keys.LEASES, arn)
    client.delete(*(keys.x(arn, part) for part in keys.ALL))


@pytest.fixture(scope="module")
def embedded():
    runtime = EmbeddedRuntime()
    yield runtime
    runtime.close()


def embedded_run(embedded, req):
    sink = MemorySink()
    result = embedded.run_sync(req, sink, timeout=30)
    assert sink.wait(req.execution_arn, 30) is not None  # written after the run returns
    return result, sink.events[req.execution_arn]


@pytest.fixture
def idle_redis(celery_redis) -> redis.Redis:
    return redis.Redis.from_url(NO_WORKERS_URL)


@pytest.fixture
def starter(idle_redis):
    """A Celery runtime with no worker behind it: only what the starting process does can happen."""
    runtime = CeleryRuntime(app=make_app(NO_WORKERS_URL), redis_url=NO_WORKERS_URL)
    yield runtime
    runtime.close()


@pytest.mark.parametrize("n, status", [(0, "SUCCEEDED"), (-5, "FAILED")])
def test_a_self_contained_execution_ends_inside_its_start_with_the_embedded_history(starter, embedded, idle_redis,
                                                                                     n, status):
    req = request(BRANCHING, {"n": n})
    sink = MemorySink()
    future = starter.start_execution(req, sink)
    assert future.done(), "no worker runs: the start itself ran it"
    result = future.result(0)
    want_result, want_events = embedded_run(embedded, req)
    assert (result.status, result.output, result.error, result.cause) == (
        want_result.status, want_result.output, want_result.error, want_result.cause) == (
        status, want_result.output, None if n >= 0 else "Negative", None if n >= 0 else "n fell below zero")
    assert comparable(sink.events[req.execution_arn]) == comparable(want_events)
    assert sink.results[req.execution_arn].status == status

    # Redis holds what a driver leaves at the end: the history, the result, a wake-up for waiters
    arn = req.execution_arn
    assert comparable(starter.history_page(arn, limit=1000)) == comparable(want_events)
    assert starter.result(arn).status == status
    assert starter.wait(arn, timeout=1).status == status
    assert not starter.is_running(arn)
    assert idle_redis.zscore(keys.LEASES, arn) is None
    assert arn.encode() not in idle_redis.lrange(keys.STARTS, 0, -1)
    assert idle_redis.ttl(keys.x(arn, "ev")) > 0, "kept for the retention period, not forever"


def test_its_end_is_announced_to_pollers(starter):
    import asyncio

    req = request(BRANCHING, {"n": 1})
    starter.start_execution(req, MemorySink())
    running, result = asyncio.run(starter.state_async(req.execution_arn))
    assert (running, result.status) == (False, "SUCCEEDED")


def test_an_arn_already_used_is_refused_and_its_record_left_alone(starter, idle_redis):
    req = request(BRANCHING, {"n": 1})
    starter.start_execution(req, MemorySink())
    before = idle_redis.lrange(keys.x(req.execution_arn, "ev"), 0, -1)
    sink = MemorySink()
    with pytest.raises(ExecutionAlreadyExists):
        starter.start_execution(request(BRANCHING, {"n": -1}, name=req.name), sink)
    assert idle_redis.lrange(keys.x(req.execution_arn, "ev"), 0, -1) == before
    assert starter.result(req.execution_arn).status == "SUCCEEDED"
    assert sink.events == {} and sink.results == {}


def test_a_run_past_the_budget_is_handed_over_untouched(idle_redis):
    runtime = CeleryRuntime(app=make_app(NO_WORKERS_URL), redis_url=NO_WORKERS_URL, decide_here_ms=0.001)
    try:
        req = request(loop(200), {"n": 0})
        sink = MemorySink()
        future = runtime.start_execution(req, sink)
        arn = req.execution_arn
        assert not future.done()
        assert sink.events == {}, "nothing of the abandoned run is kept"
        assert idle_redis.llen(keys.x(arn, "ev")) == 0
        assert runtime.is_running(arn) and arn.encode() in idle_redis.lrange(keys.STARTS, 0, -1)
    finally:
        runtime.close()
        drop(idle_redis, arn)


def test_a_run_past_the_budget_ends_on_the_workers_as_if_never_tried(celery_workers, embedded):
    runtime = CeleryRuntime(app=make_app(TEST_REDIS_URL), redis_url=TEST_REDIS_URL, mirror_history=True,
                            decide_here_ms=0.001)
    try:
        req = request(loop(100), {"n": 0})
        sink = MemorySink()
        result = runtime.run_sync(req, sink, timeout=60)
        want_result, want_events = embedded_run(embedded, req)
        assert (result.status, json.loads(result.output)) == (want_result.status, {"n": 100})
        assert comparable(sink.events[req.execution_arn]) == comparable(want_events)
    finally:
        runtime.close()


@pytest.mark.parametrize("definition", [
    {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "End": True}}},
    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                                      "End": True}}},
    {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}]}}},
    {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}}}},
    {"StartAt": "A", "TimeoutSeconds": 5, "States": {"A": {"Type": "Pass", "End": True}}},
], ids=["wait", "task", "parallel", "map", "timeout"])
def test_what_waits_calls_out_or_branches_is_left_to_the_workers(starter, idle_redis, definition):
    assert not parse_definition(json.dumps(definition)).self_contained
    req = request(definition, {})
    try:
        assert not starter.start_execution(req, MemorySink()).done()
        assert starter.is_running(req.execution_arn)
        assert req.execution_arn.encode() in idle_redis.lrange(keys.STARTS, 0, -1)
    finally:
        drop(idle_redis, req.execution_arn)
