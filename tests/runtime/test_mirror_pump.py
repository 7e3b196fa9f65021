"""The history pump of ``CeleryRuntime(mirror_history=True)``: it copies each execution's Redis event
log into the sink, every event once, even where the log was written again in other batches (Redis
came back empty and the driver wrote it from memory) or began with a resumed execution's history."""
from __future__ import annotations

import json
import os

import pytest
import redis

from executor.runtime.base import ExecutionResult
from executor.runtime.celery_runtime import CeleryRuntime
from executor.runtime.embedded import MemorySink
from executor.runtime.store import dumps_events, keys

from .celery_support import make_app, request, wait_for

URL = os.environ.get("SWITCHYARD_PUMP_REDIS_URL", "redis://127.0.0.1:6379/14")  # no workers listen here


@pytest.fixture
def client():
    client = redis.Redis.from_url(URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {URL}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def runtime(client):
    runtime = CeleryRuntime(app=make_app(URL), redis_url=URL, mirror_history=True)
    yield runtime
    runtime.close()


def _pass_request():
    return request({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


def _events(first: int, last: int) -> list[dict]:
    return [{"id": i, "previousEventId": i - 1, "timestamp": 1764759600.0 + i, "type": "PassStateEntered",
             "stateEnteredEventDetails": {"name": f"S{i}", "input": "{}"}} for i in range(first, last + 1)]


def test_every_event_is_copied_once_when_the_log_is_written_again_in_other_batches(client, runtime):
    sink, req = MemorySink(), _pass_request()
    arn = req.execution_arn
    log = keys.x(arn, "ev")
    # A resumed execution: its log begins with the history persisted so far, as one record.
    future = runtime.resume_execution(req, _events(1, 4), sink)
    client.rpush(log, dumps_events(_events(5, 8)), dumps_events(_events(9, 12)))
    wait_for(lambda: len(sink.events.get(arn, [])) == 8, 10, what="events 5-12 copied")
    # Redis lost the log; the driver wrote it again from memory in one batch, and goes on.
    client.delete(log)
    client.rpush(log, dumps_events(_events(1, 20)))
    wait_for(lambda: len(sink.events.get(arn, [])) == 16, 10, what="events 13-20 copied")
    client.rpush(log, dumps_events(_events(21, 24)), dumps_events(_events(25, 30)))
    client.set(keys.x(arn, "result"), json.dumps(ExecutionResult("SUCCEEDED", "{}").__dict__))
    assert future.result(10).status == "SUCCEEDED"
    assert [e["id"] for e in sink.events[arn]] == list(range(5, 31))


def test_an_end_written_with_events_the_pump_has_not_read_yet_copies_them_first(client, runtime):
    sink, req = MemorySink(), _pass_request()
    arn = req.execution_arn
    future = runtime.resume_execution(req, _events(1, 2), sink)
    pipe = client.pipeline(transaction=True)  # the end and the last events at once
    for first in range(3, 6003, 1000):
        pipe.rpush(keys.x(arn, "ev"), *[dumps_events(_events(i, i)) for i in range(first, first + 1000)])
    pipe.set(keys.x(arn, "result"), json.dumps(ExecutionResult("SUCCEEDED", "{}").__dict__))
    pipe.execute()
    assert future.result(20).status == "SUCCEEDED"
    assert [e["id"] for e in sink.events[arn]] == list(range(3, 6003))
