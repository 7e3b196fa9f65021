"""The Celery tasks of the runtime. They take ids and plain JSON, and are idempotent.

``executor.advance_execution(execution_arn)``
    Hold the execution (its Redis lock) and drive it to its end
    (:class:`executor.runtime.driver.Driver`). A redelivered message resumes it by replay.
``executor.run_task(execution_arn, key, resource, parameters, meta)``
    Run one Task's work and record its result for the driver. ``executor.run_inference``
    is the same work, routed to the ``inference`` queue (config/celery.py routes both).

Celery's own retry is used only for infrastructure faults (the work is claimed by
a live process elsewhere; Redis is away); ASL Retry is the interpreter's.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import os
from typing import Any

import redis
from celery import shared_task
from celery.exceptions import Reject

from . import metrics
from .driver import Driver, DriverSettings
from .store import claim, keys, load_request, owner_id, redis_url, sync_client
from .work import BUSY, execute_work

__all__ = ["advance_execution", "run_task", "run_tasks", "run_inference", "worker_sink"]

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
        lock_ttl_ms=int(float(os.environ.get("SWITCHYARD_LOCK_TTL_S", "30")) * 1000),
        steal_after_s=float(os.environ.get("SWITCHYARD_STEAL_AFTER_S", "0.5")),
        redis_down_limit_s=float(os.environ.get("SWITCHYARD_REDIS_DOWN_LIMIT_S", "600")),
    )


@shared_task(name="executor.advance_execution", bind=True, ignore_result=True)
def advance_execution(self, execution_arn: str) -> str:
    """Drive ``execution_arn``; returns what happened (for logs): finished, held, gone, lost."""
    client = sync_client()
    settings = _settings()
    try:
        request_text, result = client.mget(keys.x(execution_arn, "req"), keys.x(execution_arn, "result"))
        if result is not None:
            return "finished"
        loaded = load_request(request_text)
        if loaded is None:
            log.error("advance_execution: no record of %s (Redis lost it?); nothing to run", execution_arn)
            return "gone"
        owner = owner_id()
        if not claim(client, keys.x(execution_arn, "lock"), owner, settings.lock_ttl_ms):
            # Another live driver holds it (this is a duplicate delivery): look again later, so the
            # execution is never left without a message should that driver's whole worker vanish.
            self.apply_async(args=[execution_arn], countdown=settings.lock_ttl_ms / 1000)
            return "held"
    except redis.ConnectionError:
        raise Reject("Redis is away", requeue=True) from None
    request, secret = loaded
    app = self.app

    def publish(items: list[tuple[str, list, str]]) -> None:
        with app.producer_or_acquire() as producer:
            for name, args, task_id in items:
                app.send_task(name, args=args, task_id=task_id, producer=producer)

    def revoke(task_ids: list[str]) -> None:
        try:
            app.control.revoke(task_ids, terminate=True)
        except Exception:  # the workers' own check of the stop flag still skips them
            log.warning("revoking %d tasks failed", len(task_ids), exc_info=True)

    driver = Driver(request=request, secret=secret, redis_url=redis_url(), owner=owner, publish=publish,
                    revoke=revoke, sink=worker_sink(), settings=settings)
    result = asyncio.run(driver.run())
    return "lost" if result is None else result.status


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
def run_tasks(self, execution_arn: str, items: list[list]) -> str:
    """Run a chunk of work items ``[key, resource, parameters, meta]`` one after the other (the driver
    chunks only when there are many more items than pool processes, to save a message per item)."""
    busy = []
    for item in items:
        try:
            if execute_work(execution_arn, *item) == BUSY:
                busy.append(item)
        except redis.ConnectionError:
            busy.append(item)
    if busy:  # held by live processes elsewhere (or Redis was away): look again later
        self.apply_async(args=[execution_arn, busy], countdown=1)
    return f"{len(items) - len(busy)} run"


@shared_task(name="executor.run_inference", bind=True, ignore_result=True)
def run_inference(self, execution_arn: str, key: str, resource: str, parameters: Any, meta: dict) -> str:
    return _run(self, execution_arn, key, resource, parameters, meta)


@shared_task(name="executor.noop", ignore_result=False)
def noop() -> None:
    """A task that does nothing (the benchmark's raw Celery round trip)."""
    return None
