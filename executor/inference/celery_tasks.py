"""The inference worker's Celery tasks, on the ``inference`` queue.

They take and return plain JSON and bind to whichever Celery app is current
(``shared_task``), so ``config/celery.py`` only has to import this module
(``app.autodiscover_tasks(["executor.inference"], related_name="celery_tasks")``)
and route ``executor.inference.*`` to the ``inference`` queue.

Batching across broker messages comes from running the worker with a thread
pool: each thread takes one message and waits on this process's batcher, so
up to ``--concurrency`` messages are in the queue at once and leave together
as one model batch. Start it with::

    celery -A config worker -Q inference -P threads -c 128 --prefetch-multiplier 1 -n inference@%h

(celery-batches was measured against this and not chosen: docs/inference.md.)
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from . import endpoint, knobs, metrics, registry, service

__all__ = ["QUEUE", "ROUTES", "INVOKE_ENDPOINT", "METRICS_SNAPSHOT", "invoke_endpoint", "metrics_snapshot"]

log = logging.getLogger("switchyard.inference")

QUEUE = "inference"
INVOKE_ENDPOINT = "executor.inference.invoke_endpoint"
METRICS_SNAPSHOT = "executor.inference.metrics_snapshot"
ROUTES = {"executor.inference.*": {"queue": QUEUE}}


@shared_task(name=INVOKE_ENDPOINT, acks_late=True, reject_on_worker_lost=True, ignore_result=False)
def invoke_endpoint(parameters: dict[str, Any]) -> dict[str, Any]:
    """Serve one InvokeEndpoint call. Returns ``{"Result": <AWS-shaped response>}`` or,
    when it fails the way AWS would report, ``{"Error": name, "Cause": text}``, so the
    caller's Retry/Catch sees AWS's names (Celery's own retry is for infrastructure only)."""
    try:
        return {"Result": endpoint.invoke(parameters)}
    except endpoint.EndpointError as exc:
        return {"Error": exc.error, "Cause": exc.cause}


@shared_task(name=METRICS_SNAPSHOT, ignore_result=False)
def metrics_snapshot() -> dict[str, Any]:
    """This worker's per-model metrics (:func:`executor.inference.metrics.snapshot`)."""
    return metrics.snapshot()


@worker_ready.connect
def _preload_models(sender=None, **_: Any) -> None:
    """Load the models at start in a worker that consumes the inference queue, so the
    first Task does not wait for it and the log says at once which device it uses.

    SWITCHYARD_PRELOAD_MODELS (default ``minilm``; empty for none). Skipped under
    the prefork pool, where a model must be loaded in each child, after the fork.
    It also starts listening for the batching knobs a user turns (executor/inference/knobs.py).
    """
    consumer = sender
    queues = {queue.name for queue in getattr(getattr(consumer, "task_consumer", None), "queues", [])}
    if QUEUE not in queues:
        return
    pool = type(getattr(consumer, "pool", None)).__module__
    if "prefork" in pool:
        log.info("inference: prefork pool, models load in each child on first use")
        return
    # Many threads here hand work to each other (the consumer, the chunks, the work loop, the
    # batchers): hand the interpreter lock over more often than every 5 ms, or each hand-off
    # waits for it.
    sys.setswitchinterval(0.0005)
    from executor.runtime.store import redis_url

    knobs.listen(redis_url())  # before loading: a model loads with the knobs a user turned
    for name in filter(None, (n.strip() for n in os.environ.get("SWITCHYARD_PRELOAD_MODELS", "minilm").split(","))):
        try:
            service.get_worker(name)
        except registry.UnknownModel as exc:
            log.error("inference: cannot preload %s: %s", name, exc)
