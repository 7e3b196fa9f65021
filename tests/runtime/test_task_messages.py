"""The driver lays Task messages on the broker's queues itself (executor.runtime.celery_tasks.
task_message_encoder). What it lays must be what Celery's own publisher lays, so that a worker
cannot tell them apart: checked here against what Celery lays in a real Redis (every Celery
runtime test runs real workers on the driver's messages)."""
from __future__ import annotations

import base64
import json
import os
import uuid

import pytest
import redis

from executor.runtime.celery_tasks import task_message_encoder

from .celery_support import make_app, redis_answers

URL = os.environ.get("SWITCHYARD_TEST_MESSAGES_REDIS_URL", "redis://127.0.0.1:6379/11")

pytestmark = [pytest.mark.celery, pytest.mark.skipif(not redis_answers(URL), reason=f"no Redis answers at {URL}")]

ARGS = ["arn:aws:states:us-east-1:123456789012:execution:m:e", "S0@1", "arn:aws:lambda:us-east-1:123456789012:"
        "function:greet", {"name": "é \u2603", "n": [1, 2.5, None]}, {"state_name": "S0", "attempt": 0}]


def _decoded(raw: bytes) -> dict:
    message = json.loads(raw)
    message["body"] = json.loads(base64.b64decode(message["body"]))
    # What differs between any two messages: the tag kombu draws, the sender's name and reply queue.
    message["properties"].pop("delivery_tag")
    message["properties"].pop("reply_to", None)
    message["headers"].pop("origin")
    return message


@pytest.fixture
def broker():
    client = redis.Redis.from_url(URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.mark.parametrize("queue", ["states", "inference"])
def test_an_encoded_message_is_the_one_celery_publishes(broker, queue):
    app = make_app(URL)
    task_id = uuid.uuid4().hex
    app.send_task("executor.run_task", args=ARGS, task_id=task_id, queue=queue, argsrepr="", kwargsrepr="")
    published = _decoded(broker.rpop(queue))
    key, payload = task_message_encoder(app)("executor.run_task", ARGS, task_id, queue)
    assert key == queue
    ours = _decoded(payload.encode())
    # Celery also copies its send options into the properties; the worker reads neither copy.
    for name in ("argsrepr", "kwargsrepr"):
        published["properties"].pop(name, None)
    assert ours == published


def test_a_broker_with_a_key_prefix_is_left_to_celery():
    app = make_app(URL)
    app.conf.broker_transport_options = {"global_keyprefix": "team1:"}
    assert task_message_encoder(app) is None
