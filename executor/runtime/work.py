"""Running one piece of Task work for a driver, in whichever process picks it up.

Used by the ``executor.run_task`` Celery task and by a driver that takes over
work nobody picked up (see :mod:`executor.runtime.driver`). The work is
identified by (execution ARN, replay key); the first recorded result wins, so
running it twice (a redelivery, a duplicate message) never changes the outcome.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import threading
from typing import Any

import redis

from executor.resources import InvocationContext, ResourceFailure, find_invoker, invoke

from .store import claim, dumps_record, keys, owner_id, sync_client

__all__ = ["execute_work", "record_result", "CLAIM_TTL_MS", "DONE", "SKIPPED", "BUSY"]

log = logging.getLogger(__name__)

CLAIM_TTL_MS = 10_000
DONE, SKIPPED, BUSY = "done", "skipped", "busy"


def record_result(client: redis.Redis, arn: str, key: str, record: dict) -> bool:
    """Record ``record`` for ``key`` unless one is there, and wake the driver; True if recorded."""
    pipe = client.pipeline(transaction=False)
    pipe.hsetnx(keys.x(arn, "res"), key, dumps_record(record))
    pipe.rpush(keys.x(arn, "inbox"), dumps_record({"k": key}))
    first, _ = pipe.execute()
    return bool(first)


def _call(resource: str, parameters: Any, context: InvocationContext) -> Any:
    invoker = find_invoker(resource)
    if invoker is not None and not inspect.iscoroutinefunction(invoker):
        return invoker(resource, parameters, context)  # no event loop for a plain function
    return asyncio.run(invoke(resource, parameters, context))


def _renew_claim(client: redis.Redis, claim_key: str, holder: str, stop: threading.Event) -> None:
    while not stop.wait(CLAIM_TTL_MS / 3000):
        try:
            if client.get(claim_key) not in (holder.encode(), None):
                return
            client.set(claim_key, holder, px=CLAIM_TTL_MS)
        except redis.RedisError:
            continue  # Redis is away: the claim lapses, and the result is still recorded when it is back


def execute_work(arn: str, key: str, resource: str, parameters: Any, meta: dict,
                 client: redis.Redis | None = None) -> str:
    """Run the work for ``key`` once; returns DONE, SKIPPED (already done, or stopped) or BUSY
    (a live process holds it: try again later)."""
    client = client or sync_client()
    if client.exists(keys.x(arn, "stop")) or client.hexists(keys.x(arn, "res"), key):
        return SKIPPED
    holder = owner_id()
    claim_key = keys.run(arn, key)
    if not claim(client, claim_key, holder, CLAIM_TTL_MS):
        return BUSY
    starts = client.hincrby(keys.x(arn, "starts"), key, 1)
    if starts > 1:  # a worker died running it: the driver writes the retry into the history
        client.rpush(keys.x(arn, "inbox"), dumps_record({"restart": key, "n": starts}))
    stop = threading.Event()
    renewer = threading.Thread(target=_renew_claim, args=(client, claim_key, holder, stop), daemon=True)
    renewer.start()
    context = InvocationContext(
        execution_arn=arn, state_name=meta.get("state_name", ""), attempt=meta.get("attempt", 0),
        task_token=meta.get("task_token"), timeout_seconds=meta.get("timeout_seconds"),
        heartbeat_seconds=meta.get("heartbeat_seconds"), extra={"context": meta.get("context")},
    )
    try:
        try:
            record = {"ok": _call(resource, parameters, context)}
            json.dumps(record)
        except ResourceFailure as exc:
            record = {"error": exc.error, "cause": exc.cause}
        except Exception as exc:  # an invoker's own bug still ends the Task with a reason
            log.exception("Task work %s of %s raised", key, arn)
            record = {"error": "States.Runtime", "cause": f"{type(exc).__name__}: {exc}"}
        _record_until_stored(client, arn, key, record)
    finally:
        stop.set()
        try:
            client.delete(claim_key)
        except redis.RedisError:
            pass
    return DONE


def _record_until_stored(client: redis.Redis, arn: str, key: str, record: dict, limit_s: float = 600) -> None:
    """Keep trying while Redis is away (a restart): the work is done, and its result must arrive."""
    import time

    deadline = time.monotonic() + limit_s
    while True:
        try:
            record_result(client, arn, key, record)
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
