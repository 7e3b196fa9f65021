"""Through the real parts: a Celery worker writes the history (its own Django sink, the same
SQLite file) and publishes through the Redis channel layer; the consumer here relays it."""
from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.db import connection

from config.settings import channel_layers
from designer import services
from designer.awsapi.executions import get_execution_history
from designer.runtime import set_runtime
from tests.runtime.celery_support import LAMBDA, TEST_REDIS_URL, Workers, make_app, redis_answers

from .support import Client, state_machine
from .test_consumers import wire

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

DEFINITION = json.dumps({"StartAt": "Begin", "States": {
    "Begin": {"Type": "Pass", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Fan"},
    "Fan": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
        "StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": f"{LAMBDA}add", "End": True}}},
        "End": True}}})
ITEMS = {"items": [{"a": i, "b": 1} for i in range(20)]}


@pytest.fixture
def redis_layer(settings):
    if not redis_answers(TEST_REDIS_URL):
        pytest.skip(f"no Redis answers at {TEST_REDIS_URL}")
    settings.CHANNEL_LAYERS = channel_layers("redis", TEST_REDIS_URL)


@pytest.fixture
def worker(redis_layer, tmp_path):
    """One state worker whose sink writes this test's database and publishes to the Redis layer."""
    workers = Workers(TEST_REDIS_URL, log_dir=tmp_path, SWITCHYARD_SINK="designer.sink:get_sink",
                      DATABASE_URL=f"sqlite:///{connection.settings_dict['NAME']}",
                      SWITCHYARD_CHANNEL_LAYER="redis", SWITCHYARD_CHANNEL_REDIS_URL=TEST_REDIS_URL)
    try:
        workers.start(count=1, concurrency=2, timeout=60)
        yield workers
    finally:
        workers.stop()


@pytest.fixture
def celery_runtime(worker):
    from executor.runtime.celery_runtime import CeleryRuntime

    runtime = CeleryRuntime(app=make_app(TEST_REDIS_URL), redis_url=TEST_REDIS_URL)
    previous = set_runtime(runtime)
    yield runtime
    set_runtime(previous)
    runtime.close()


async def test_events_a_celery_worker_writes_reach_the_websocket_through_redis(celery_runtime):
    """Every event of a run on a worker arrives live, once, in id order, as GetExecutionHistory
    has it, then the SUCCEEDED status; the machine's socket hears the start and the end; a client
    joining afterwards with ?after gets the rest."""
    machine = await database_sync_to_async(state_machine)("live-celery")
    machine.definition = DEFINITION
    await database_sync_to_async(machine.save)()
    watcher = Client(f"/ws/machines/{machine.name}?metrics=0")
    assert (await watcher.connect())[0]
    assert (await watcher.receive())["executions"] == []
    execution, _ = await database_sync_to_async(services.execution_start)(
        state_machine=machine, input=json.dumps(ITEMS))
    client = Client(f"/ws/executions/{execution.arn}?metrics=0")
    assert (await client.connect())[0]
    await client.until(lambda c: c.statuses and c.statuses[-1]["status"] != "RUNNING", timeout=60)
    await client.quiet()

    history = await database_sync_to_async(wire)(get_execution_history,
                                                 {"executionArn": execution.arn, "maxResults": 1000})
    assert client.statuses[-1]["status"] == "SUCCEEDED", client.statuses[-1]
    assert execution.runtime == "celery"  # the worker wrote the history, not this process
    assert client.ids() == list(range(1, len(history["events"]) + 1))
    assert client.events == history["events"]
    assert sum(m["type"] in ("event", "events") for m in client.messages) >= 2, "nothing arrived live"
    assert len(client.events) > 60  # 20 Map iterations and their Lambda events
    await client.close()
    await watcher.until(lambda c: len(c.statuses) >= 2)
    assert [(s["executionArn"], s["status"]) for s in watcher.statuses] == [
        (execution.arn, "RUNNING"), (execution.arn, "SUCCEEDED")]
    await watcher.close()

    late = Client(f"/ws/executions/{execution.arn}?after=5&metrics=0")
    assert (await late.connect())[0]
    await late.until(lambda c: c.statuses)
    assert late.ids() == client.ids()[5:] and late.statuses[-1]["status"] == "SUCCEEDED"
    await late.close()


async def test_metrics_name_the_worker_and_the_queues_it_serves(celery_runtime, worker):
    """With the Celery runtime, metrics list each live worker with its pool size, and each queue's depth."""
    machine = await database_sync_to_async(state_machine)("live-metrics")
    execution = await database_sync_to_async(services.execution_start)(state_machine=machine)
    client = Client(f"/ws/executions/{execution[0].arn}")
    assert (await client.connect())[0]
    await client.until(lambda c: any(m["type"] == "metrics" for m in c.messages))
    metrics = next(m for m in client.messages if m["type"] == "metrics")
    assert metrics["runtime"] == "celery" and set(metrics["queues"]) == {"states", "inference"}
    (node, figures), = [(n, f) for n, f in metrics["workers"].items() if n.startswith(worker.names[0])]
    assert figures["concurrency"] == 2 and figures["running"] >= 0
    assert any("inference worker did not answer" in error for error in metrics["errors"])  # none runs here
    await client.close()
