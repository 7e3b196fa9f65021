"""Tests on a Redis of their own: restarted mid-execution (it comes back empty), and a one-process pool.

Runs its own redis-server on another port, never the shared one.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid

import pytest
import redis

from executor.runtime.celery_runtime import CeleryRuntime
from executor.runtime.embedded import MemorySink

from .celery_support import LAMBDA, Workers, make_app, request, wait_for

pytestmark = [pytest.mark.celery,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")]

PORT = 6390
URL = f"redis://127.0.0.1:{PORT}/0"


def _start_redis() -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis.from_url(URL)
    wait_for(lambda: _pings(client), 10, what="redis-server on 6390")
    return proc


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def own_redis():
    if _pings(redis.Redis.from_url(URL, socket_connect_timeout=0.3)):
        pytest.skip(f"port {PORT} is taken by another Redis")
    box = {"proc": _start_redis()}
    yield box
    _stop(box["proc"])


def test_executions_resume_after_redis_restarts_empty(own_redis, tmp_path):
    """Redis is killed while a Task runs and comes back empty: the driver writes its records again,
    resends the lost work, and the execution ends with the right output and a whole history. The
    worker runs supervised, as `make run` starts it: Celery's consumer can die with the broker."""
    workers = Workers(URL, log_dir=tmp_path)
    runtime = None
    try:
        workers.start(count=1, concurrency=3, supervised=True)
        runtime = CeleryRuntime(app=make_app(URL), redis_url=URL, mirror_history=True)
        tag = uuid.uuid4().hex
        slow = {"Type": "Task", "Resource": LAMBDA + "slow-marked"}
        definition = {"StartAt": "First", "States": {
            "First": {**slow, "Parameters": {"tag": tag, "value": 5, "seconds": 2}, "ResultPath": "$.first",
                      "Next": "Each"},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "End": True,
                     "ItemProcessor": {"StartAt": "Add", "States": {"Add": {
                         "Type": "Task", "Resource": LAMBDA + "add", "End": True}}}}}}
        sink = MemorySink()
        req = request(definition, {"items": [{"a": i, "b": 1} for i in range(4)]})
        future = runtime.start_execution(req, sink)
        client = redis.Redis.from_url(URL)
        wait_for(lambda: _safe_llen(client, f"test:running:{tag}"), 20, what="the first task running")
        _stop(own_redis["proc"])
        time.sleep(1.0)
        own_redis["proc"] = _start_redis()
        result = future.result(60)
        assert result.status == "SUCCEEDED", result
        output = json.loads(result.output)
        assert output["first"] == {"tag": tag, "value": 10}
        assert output["each"] == [{"sum": i + 1} for i in range(4)]
        events = sink.events[req.execution_arn]
        kinds = [e["type"] for e in events]
        assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionSucceeded"
        assert kinds.count("MapIterationSucceeded") == 4
        ids = [e["id"] for e in events]
        assert ids == list(range(1, len(ids) + 1))
        recorded = runtime.history_page(req.execution_arn, offset=0, limit=1000)
        assert [e["id"] for e in recorded] == ids, "the Redis record was written again, whole"
    finally:
        if runtime is not None:
            runtime.close()
        workers.stop()


def _safe_llen(client, key):
    try:
        return client.llen(key)
    except redis.RedisError:
        return 0


def test_a_worker_with_one_pool_process_runs_the_driver_and_its_tasks(own_redis, tmp_path):
    """The driver holds the only pool process; work nobody starts runs in the driver's own process,
    so a pool full of drivers can never deadlock."""
    workers = Workers(URL, log_dir=tmp_path)
    runtime = None
    try:
        workers.start(count=1, concurrency=1)
        runtime = CeleryRuntime(app=make_app(URL), redis_url=URL, mirror_history=True)
        each = {"StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": LAMBDA + "add", "End": True}}}
        definition = {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemProcessor": each, "End": True}}}
        result = runtime.run_sync(request(definition, [{"a": i, "b": i} for i in range(3)]), MemorySink(),
                                  timeout=30)
        assert result.status == "SUCCEEDED" and json.loads(result.output) == [{"sum": 2 * i} for i in range(3)]
    finally:
        if runtime is not None:
            runtime.close()
        workers.stop()
