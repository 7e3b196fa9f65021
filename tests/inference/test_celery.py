"""The inference queue end to end: a real Celery worker (threads pool) and Redis, a fake model."""
from __future__ import annotations

import asyncio
import json

import pytest

from executor.inference import registry, remote, service
from executor.inference.celery_tasks import METRICS_SNAPSHOT, QUEUE
from tests.inference.test_sagemaker import LengthModel

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="module")
def celery_app():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import executor.inference.celery_tasks  # noqa: F401  (the shared tasks bind to this app)

    app = Celery("inference-tests", broker=REDIS, backend=REDIS, set_as_current=False)
    app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                    task_acks_late=True, worker_prefetch_multiplier=1,
                    task_routes={"executor.inference.*": {"queue": QUEUE}})
    registry.register_model("length", LengthModel)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SWITCHYARD_DEVICE", "cpu")
        patch.setenv("SWITCHYARD_PRELOAD_MODELS", "")
        patch.setenv("SWITCHYARD_BATCH_MAX_WAIT_MS", "20")
        with start_worker(app, pool="threads", concurrency=32, queues=[QUEUE], perform_ping_check=False,
                          shutdown_timeout=10):
            yield app
    service.shutdown_workers()


@pytest.mark.asyncio
async def test_calls_sent_through_the_queue_come_back_in_aws_shape_and_share_batches(celery_app):
    calls = [remote.ainvoke({"EndpointName": "length", "Body": {"inputs": "x" * n}}, app=celery_app)
             for n in range(1, 41)]
    replies = await asyncio.wait_for(asyncio.gather(*calls), 60)
    assert [json.loads(reply["Body"]) for reply in replies] == [[float(n)] for n in range(1, 41)]
    assert replies[0]["InvokedProductionVariant"] == "AllTraffic"
    stats = celery_app.send_task(METRICS_SNAPSHOT, queue=QUEUE).get(timeout=30)["models"]["length"]
    assert stats["items"] >= 40 and stats["batches"] < 40


@pytest.mark.asyncio
async def test_a_failure_in_the_worker_comes_back_with_the_aws_error_name(celery_app):
    with pytest.raises(remote.EndpointError) as raised:
        await asyncio.wait_for(remote.ainvoke({"EndpointName": "length", "Body": {"nothing": 1}}, app=celery_app), 60)
    assert raised.value.error == "SageMakerRuntime.ValidationErrorException"
