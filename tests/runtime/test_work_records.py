"""A worker's claim and record of Task work in Redis (executor.runtime.work), on the real Redis:
what a driver finds after a chunk of items ran together, or one alone."""
from __future__ import annotations

import json
import uuid

import pytest

from executor.runtime.store import keys
from executor.runtime.work import BUSY, DONE, SKIPPED, execute_work, execute_work_together

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture
def arn(celery_redis):
    return f"arn:aws:states:us-east-1:123456789012:execution:work:{uuid.uuid4().hex}"


def item(name: str, key: str, value) -> list:
    return [key, LAMBDA + name, value, {"state_name": "T", "attempt": 0}]


def inbox(client, arn: str) -> list[dict]:
    return [json.loads(raw) for raw in client.lrange(keys.x(arn, "inbox"), 0, -1)]


def test_a_chunk_runs_the_items_nobody_holds_records_each_and_wakes_the_driver_once(celery_redis, arn, bound):
    echo = bound(lambda event, context: {"echo": event})
    client = celery_redis
    client.set(keys.x(arn, "lock"), "host-1")  # the driver's host
    client.hset(keys.x(arn, "res"), "done", json.dumps({"ok": "earlier"}))  # recorded before: not run again
    client.set(keys.run(arn, "held"), "another-live-worker")  # a live worker runs it now
    items = [item(echo, "a", 1), item(echo, "done", 2), item(echo, "held", 3), item(echo, "b", "é 😀")]

    busy = execute_work_together(arn, items, client)

    assert busy == [items[2]]  # to try again later
    results = {k.decode(): json.loads(v) for k, v in client.hgetall(keys.x(arn, "res")).items()}
    assert results == {"a": {"ok": {"echo": 1}}, "b": {"ok": {"echo": "é 😀"}}, "done": {"ok": "earlier"}}
    assert sorted(inbox(client, arn), key=lambda m: m["k"]) == [{"k": "a", "r": {"ok": {"echo": 1}}},
                                                                {"k": "b", "r": {"ok": {"echo": "é 😀"}}}]
    wakes = client.lrange(keys.wake("host-1"), 0, -1)
    assert set(wakes) == {arn.encode()} and len(wakes) <= 2  # once per group that finished together
    assert {k.decode(): int(v) for k, v in client.hgetall(keys.x(arn, "starts")).items()} == {"a": 1, "b": 1}
    assert not client.exists(keys.run(arn, "a"), keys.run(arn, "b"))  # claims released
    assert client.get(keys.run(arn, "held")) == b"another-live-worker"
    client.delete(keys.wake("host-1"))


def test_a_stopped_execution_runs_nothing_of_a_chunk(celery_redis, arn, bound):
    calls = []
    name = bound(lambda event, context: calls.append(event))
    celery_redis.set(keys.x(arn, "stop"), "1")
    assert execute_work_together(arn, [item(name, "a", 1), item(name, "b", 2)], celery_redis) == []
    assert calls == [] and not celery_redis.exists(keys.x(arn, "res"), keys.x(arn, "inbox"))


def test_one_item_alone_is_recorded_the_same_way_and_a_second_run_is_skipped(celery_redis, arn, bound):
    name = bound(lambda event, context: {"n": event})
    assert execute_work(arn, *item(name, "k", 5), client=celery_redis) == DONE
    assert execute_work(arn, *item(name, "k", 5), client=celery_redis) == SKIPPED
    assert inbox(celery_redis, arn) == [{"k": "k", "r": {"ok": {"n": 5}}}]
    celery_redis.set(keys.run(arn, "other"), "another-live-worker")
    assert execute_work(arn, *item(name, "other", 6), client=celery_redis) == BUSY
