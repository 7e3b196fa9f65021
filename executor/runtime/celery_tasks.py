"""The Celery tasks of the runtime. They take ids and plain JSON, and are idempotent.

Executions themselves are no Celery tasks: every state-worker pool process runs a driver
host (:mod:`executor.runtime.host`) beside the pool's work, which pops new executions from
``sy:starts`` and drives them on an event loop, so no execution holds a worker while it waits.

``executor.run_task(execution_arn, key, resource, parameters, meta)``
    Run one Task's work and record its result for the driver, on the queue its resource's
    binding declares (``inference`` for SageMaker endpoints); ``executor.run_tasks`` runs
    a chunk of such items.

Celery's own retry is used only for infrastructure faults (the work is claimed by
a live process elsewhere; Redis is away); ASL Retry is the interpreter's.
"""
from __future__ import annotations

import base64
import importlib
import logging
import os
import sys
import uuid
from collections.abc import Callable
from typing import Any

import redis
from celery import current_app, shared_task, signals

from . import metrics
from .driver import DriverSettings
from .host import DriverHost, get_host
from .store import redis_url
from .work import BUSY, execute_work, execute_work_together

__all__ = ["run_task", "run_tasks", "worker_sink"]

log = logging.getLogger(__name__)

metrics.connect_worker_signals()

_sink_loaded = False
_sink: Any = None


def worker_sink() -> Any:
    """The ExecutionSink named by ``SWITCHYARD_SINK`` (``module:factory``), built once per process;
    None when unset: the Redis record (executor.runtime.store) is then the only history."""
    global _sink_loaded, _sink
    if not _sink_loaded:
        _sink_loaded = True
        spec = os.environ.get("SWITCHYARD_SINK", "").strip()
        if spec:
            module, _, attr = spec.partition(":")
            _sink = getattr(importlib.import_module(module), attr or "get_sink")()
    return _sink


def _settings() -> DriverSettings:
    return DriverSettings(
        lock_ttl_ms=int(float(os.environ.get("SWITCHYARD_LOCK_TTL_S", "10")) * 1000),
        redis_down_limit_s=float(os.environ.get("SWITCHYARD_REDIS_DOWN_LIMIT_S", "600")),
    )


def task_message_encoder(app) -> Callable[[str, list, str, str], tuple[str, str]] | None:
    """What puts a Task message on a queue without Celery's publisher: ``encode(task name, args,
    task id, queue)`` returns the Redis list and the message, laid out exactly as Celery (task
    protocol 2, built by its own code) and kombu's Redis transport lay it, so the driver pushes
    it in the same round trip that records the dispatch. Publishing through Celery costs about a
    millisecond of the driver's loop and several round trips a message. None for a broker that
    is not a plain Redis (a key prefix or priority queues change the layout): Celery publishes then."""
    from kombu import serialization
    from kombu.utils.json import dumps

    options = app.conf.broker_transport_options or {}
    broker = str(app.conf.broker_url or "")
    if not broker.startswith(("redis://", "rediss://")) or any(
            options.get(name) for name in ("global_keyprefix", "priority_steps", "queue_order_strategy")):
        return None
    serializer = app.conf.task_serializer

    def encode(name: str, args: list, task_id: str, queue: str) -> tuple[str, str]:
        headers, properties, body, _ = app.amqp.as_task_v2(task_id, name, args, {}, root_id=task_id,
                                                           argsrepr="", kwargsrepr="", ignore_result=None)
        content_type, content_encoding, data = serialization.dumps(body, serializer=serializer)
        if isinstance(data, str):
            data = data.encode(content_encoding)
        properties.update(delivery_mode=2, priority=0, body_encoding="base64",
                          delivery_info={"exchange": "", "routing_key": queue}, delivery_tag=str(uuid.uuid4()))
        message = {"body": base64.b64encode(data).decode(), "content-encoding": content_encoding,
                   "content-type": content_type, "headers": headers, "properties": properties}
        return queue, dumps(message)

    return encode


def _make_host(parent_pid: int | None = None) -> DriverHost:
    app = current_app  # the worker's own app (config/celery.py), without importing the layer above

    def publish(items: list[tuple[str, list, str, str]]) -> None:
        with app.producer_or_acquire() as producer:
            for name, args, task_id, queue in items:
                app.send_task(name, args=args, task_id=task_id, queue=queue, producer=producer)

    def revoke(task_ids: list[str]) -> None:
        try:
            app.control.revoke(task_ids, terminate=True)
        except Exception:  # the workers' own check of the stop flag still skips them
            log.warning("revoking %d tasks failed", len(task_ids), exc_info=True)

    return DriverHost(redis_url=redis_url(), publish=publish, revoke=revoke, sink=worker_sink(),
                      settings=_settings(), parent_pid=parent_pid, encode=task_message_encoder(app))


@signals.worker_process_init.connect(weak=False)
def _start_host(**_kwargs) -> None:
    # Every state-worker pool process hosts drivers from the start, so that its sweep takes over
    # executions whose host died even before any new start message arrives.
    parent = os.getppid()
    # The host's loop shares this process with the pool's Task work and the history writer: hand
    # the interpreter lock over more often than every 5 ms, or each wake-up waits for it.
    sys.setswitchinterval(0.0005)
    get_host(lambda: _make_host(parent))


def _run(task, execution_arn: str, key: str, resource: str, parameters: Any, meta: dict) -> str:
    try:
        outcome = execute_work(execution_arn, key, resource, parameters, meta)
    except redis.ConnectionError:
        raise task.retry(countdown=1, max_retries=None) from None
    if outcome == BUSY:  # a live process is running it; come back to record it should that one die
        raise task.retry(countdown=1, max_retries=None)
    return outcome


@shared_task(name="executor.run_task", bind=True, ignore_result=True)
def run_task(self, execution_arn: str, key: str, resource: str, parameters: Any, meta: dict) -> str:
    return _run(self, execution_arn, key, resource, parameters, meta)


@shared_task(name="executor.run_tasks", bind=True, ignore_result=True)
def run_tasks(self, execution_arn: str, items: list[list], concurrently: bool = False) -> str:
    """Run a chunk of work items ``[key, resource, parameters, meta]``: one after the other (a large
    Map's Lambda Tasks: fewer messages), or ``concurrently`` (inference: the items reach the
    batcher together and leave as one model batch)."""

    def one(item: list) -> list | None:
        try:
            return item if execute_work(execution_arn, *item) == BUSY else None
        except redis.ConnectionError:
            return item

    if concurrently and len(items) > 1:
        try:
            busy = execute_work_together(execution_arn, items)
        except redis.ConnectionError:
            busy = list(items)
    else:
        busy = [item for item in map(one, items) if item is not None]
    if busy:  # held by live processes elsewhere (or Redis was away): look again later
        self.apply_async(args=[execution_arn, busy, concurrently], countdown=1)
    return f"{len(items) - len(busy)} run"


@shared_task(name="executor.noop", ignore_result=False)
def noop() -> None:
    """A task that does nothing (the benchmark's raw Celery round trip)."""
    return None
