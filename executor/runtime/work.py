"""Running one piece of Task work for a driver, in whichever process picks it up.

Used by the ``executor.run_task`` Celery task and by a driver that takes over
work nobody picked up (see :mod:`executor.runtime.driver`). The work is
identified by (execution ARN, replay key); the first recorded result wins, so
running it twice (a redelivery, a duplicate message) never changes the outcome.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import json
import logging
import os
import queue
import threading
import time
from typing import Any

import redis

from executor.resources import InvocationContext, ResourceFailure, find_invoker, invoke

from .store import RENEW_LUA, dumps_record, holder_is_dead, keys, notify, owner_id, sync_client

__all__ = ["execute_work", "execute_work_together", "record_result", "CLAIM_TTL_MS", "DONE", "SKIPPED", "BUSY"]

log = logging.getLogger(__name__)

CLAIM_TTL_MS = 10_000
DONE, SKIPPED, BUSY = "done", "skipped", "busy"


def record_result(client: redis.Redis, arn: str, key: str, record: dict, claim_key: str | None = None) -> bool:
    """Record ``record`` for ``key`` unless one is there, and wake the driver; True if recorded."""
    return _record(client, arn, [(key, claim_key, record)]) == 1


def _record(client: redis.Redis, arn: str, finished: list[tuple[str, str | None, dict]]) -> int:
    """Record ``(key, claim key or None, record)`` results in one command (:data:`_RECORD_MANY_LUA`);
    returns how many were not recorded before."""
    names = [keys.x(arn, "res"), keys.x(arn, "inbox"), keys.x(arn, "lock"),
             *(claim_key for _, claim_key, _ in finished if claim_key is not None)]
    values = [arn]
    for key, _, record in finished:
        text = dumps_record(record)
        values += (key, text, f'{{"k":{dumps_record(key)},"r":{text}}}')  # the inbox message, as notify writes it
    return int(client.eval(_RECORD_MANY_LUA, len(names), *names, *values))


def _call(resource: str, parameters: Any, context: InvocationContext) -> Any:
    invoker = find_invoker(resource)
    if invoker is not None and not inspect.iscoroutinefunction(invoker):
        return invoker(resource, parameters, context)  # no event loop for a plain function
    # A coroutine runs on the process's work loop: a loop of its own per call would cost more than
    # most invokers do.
    return asyncio.run_coroutine_threadsafe(invoke(resource, parameters, context), _work_loop()).result()


_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _work_loop() -> asyncio.AbstractEventLoop:
    """The process's loop for coroutine invokers, on a thread of its own (a forked child makes its own)."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            _loop, _loop_pid = asyncio.new_event_loop(), os.getpid()
            # Blocking invokers of a chunk run on its threads (the inference worker's chunks are 64 wide).
            _loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(64, thread_name_prefix="sy-work"))
            threading.Thread(target=_loop.run_forever, name="sy-work-loop", daemon=True).start()
        return _loop


class _Renewer:
    """One thread per process renews the claims of the work this process runs now."""

    def __init__(self):
        self.claims: dict[str, tuple[redis.Redis, str]] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = 0

    def add(self, client: redis.Redis, claim_key: str, holder: str) -> None:
        with self.lock:
            self.claims[claim_key] = (client, holder)
            if self.thread is None or self.pid != os.getpid():  # a forked child needs its own thread
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._run, name="sy-claims", daemon=True)
                self.thread.start()

    def remove(self, claim_key: str) -> None:
        with self.lock:
            self.claims.pop(claim_key, None)

    def _run(self) -> None:
        while True:
            time.sleep(CLAIM_TTL_MS / 3000)
            with self.lock:
                claims = list(self.claims.items())
            for claim_key, (client, holder) in claims:
                try:
                    client.eval(RENEW_LUA, 1, claim_key, holder, CLAIM_TTL_MS)
                except redis.RedisError:
                    continue  # Redis is away: the claim lapses; the result is still recorded when it is back


_renewer = _Renewer()


#: Begin the work for ARGV[1] in one round trip: -1 when stopped or already done; 0 when a
#: live holder claims it; else take the claim and return how many times it has been started.
_BEGIN_LUA = """
if redis.call('exists', KEYS[1]) == 1 or redis.call('hexists', KEYS[2], ARGV[1]) == 1 then return -1 end
local cur = redis.call('get', KEYS[3])
if cur and cur ~= ARGV[4] then return 0 end
redis.call('set', KEYS[3], ARGV[2], 'PX', ARGV[3])
return redis.call('hincrby', KEYS[4], ARGV[1], 1)
"""


#: :data:`_BEGIN_LUA` for many keys of one execution in one command: KEYS stop, res, starts, then a
#: claim key per item; ARGV the holder, the claim's TTL, then the items' keys. Returns a list, as
#: _BEGIN_LUA returns for each (a live holder's claim: 0, taken over one at a time by _begin).
_BEGIN_MANY_LUA = """
local stopped = redis.call('exists', KEYS[1]) == 1
local out = {}
for i = 4, #KEYS do
  local key = ARGV[i - 1]
  if stopped or redis.call('hexists', KEYS[2], key) == 1 then out[i - 3] = -1
  elseif redis.call('exists', KEYS[i]) == 1 then out[i - 3] = 0
  else
    redis.call('set', KEYS[i], ARGV[1], 'PX', ARGV[2])
    out[i - 3] = redis.call('hincrby', KEYS[3], key, 1)
  end
end
return out
"""

#: Record results of one execution in one command: each result unless one is there, its message in
#: the inbox, and the driver woken once. KEYS res, inbox, lock, then the claim keys to release; ARGV
#: the ARN, then per result its key, its record and the inbox message. Returns how many were new.
_RECORD_MANY_LUA = """
local new = 0
for j = 2, #ARGV, 3 do
  new = new + redis.call('hsetnx', KEYS[1], ARGV[j], ARGV[j + 1])
  redis.call('rpush', KEYS[2], ARGV[j + 2])
end
for i = 4, #KEYS do redis.call('del', KEYS[i]) end
local holder = redis.call('get', KEYS[3])
if holder then redis.call('rpush', 'sy:wake:' .. holder, ARGV[1]) end
return new
"""


def _begin_keys(arn: str, key: str) -> tuple[str, str, str, str]:
    return keys.x(arn, "stop"), keys.x(arn, "res"), keys.run(arn, key), keys.x(arn, "starts")


def _begin(client: redis.Redis, arn: str, key: str, holder: str) -> int:
    keys_ = _begin_keys(arn, key)
    started = client.eval(_BEGIN_LUA, 4, *keys_, key, holder, CLAIM_TTL_MS, "")
    if started == 0:
        current = client.get(keys.run(arn, key))
        if current is not None and holder_is_dead(current):  # its worker died: take it over now
            started = client.eval(_BEGIN_LUA, 4, *keys_, key, holder, CLAIM_TTL_MS, current)
    return int(started)


def execute_work(arn: str, key: str, resource: str, parameters: Any, meta: dict,
                 client: redis.Redis | None = None) -> str:
    """Run the work for ``key`` once; returns DONE, SKIPPED (already done, or stopped) or BUSY
    (a live process holds it: try again later)."""
    client = client or sync_client()
    holder = owner_id()
    starts = _begin(client, arn, key, holder)
    if starts < 0:
        return SKIPPED
    if starts == 0:
        return BUSY
    claim_key = keys.run(arn, key)
    _started_again(client, arn, key, starts)
    _renewer.add(client, claim_key, holder)
    context = _context(arn, meta)
    try:
        try:
            record = {"ok": _call(resource, parameters, context)}
            json.dumps(record)
        except Exception as exc:
            record = _failure(exc, key, arn)
    finally:
        _renewer.remove(claim_key)
    _records_until_stored(client, arn, [(key, claim_key, record)])
    return DONE


def _context(arn: str, meta: dict) -> InvocationContext:
    return InvocationContext(
        execution_arn=arn, state_name=meta.get("state_name", ""), attempt=meta.get("attempt", 0),
        task_token=meta.get("task_token"), timeout_seconds=meta.get("timeout_seconds"),
        heartbeat_seconds=meta.get("heartbeat_seconds"), extra={"context": meta.get("context")},
    )


def _failure(exc: Exception, key: str, arn: str) -> dict:
    """The record of work that raised: the resource's error, or (an invoker's own bug) States.Runtime
    with a reason."""
    if isinstance(exc, ResourceFailure):
        return {"error": exc.error, "cause": exc.cause}
    log.error("Task work %s of %s raised", key, arn, exc_info=exc)
    return {"error": "States.Runtime", "cause": f"{type(exc).__name__}: {exc}"}


async def _outcome(key: str, resource: str, parameters: Any, context: InvocationContext) -> dict:
    """The record of one invocation: its result, or its error."""
    try:
        record = {"ok": await invoke(resource, parameters, context)}
        json.dumps(record)
        return record
    except Exception as exc:
        return _failure(exc, key, context.execution_arn)


def execute_work_together(arn: str, items: list[list], client: redis.Redis | None = None) -> list[list]:
    """Run work items ``[key, resource, parameters, meta]`` of one execution all at once: claimed in
    one round trip, invoked together on the work loop (so an inference batch fills from them), and
    recorded as they finish, those that finish together in one round trip. Returns the items a live
    process holds (BUSY: try again later). Raises redis.ConnectionError when Redis is away before
    any work began."""
    client = client or sync_client()
    holder = owner_id()
    names = [keys.x(arn, "stop"), keys.x(arn, "res"), keys.x(arn, "starts"),
             *(keys.run(arn, item[0]) for item in items)]
    begun = client.eval(_BEGIN_MANY_LUA, len(names), *names, holder, CLAIM_TTL_MS, *(item[0] for item in items))
    busy, work = [], []
    for item, started in zip(items, begun):
        key, resource, parameters, meta = item
        started = int(started) if started != 0 else _begin(client, arn, key, holder)
        if started < 0:
            continue
        if started == 0:
            busy.append(item)
            continue
        _started_again(client, arn, key, started)
        claim_key = keys.run(arn, key)
        _renewer.add(client, claim_key, holder)
        work.append((key, claim_key, resource, parameters, _context(arn, meta)))
    if not work:
        return busy
    # One hand-over to the work loop for the whole chunk, and one back per group that finishes
    # together: a hand-over per item (a future, a lock, a wake-up of the other thread) cost the
    # inference worker more than the model that costs nothing.
    finished_groups: queue.SimpleQueue = queue.SimpleQueue()
    together = asyncio.run_coroutine_threadsafe(_outcomes(work, finished_groups), _work_loop())
    while (finished := finished_groups.get()) is not None:
        for _, claim_key, _ in finished:
            _renewer.remove(claim_key)
        _records_until_stored(client, arn, finished)
    together.result()  # raises what the loop raised, if anything did
    return busy


async def _outcomes(work: list[tuple], finished_groups: queue.SimpleQueue) -> None:
    """Run ``(key, claim key, resource, parameters, context)`` work on this loop, putting each group
    that finishes together into ``finished_groups`` as ``(key, claim key, record)``, then None."""
    try:
        names = {asyncio.ensure_future(_outcome(key, resource, parameters, context)): (key, claim_key)
                 for key, claim_key, resource, parameters, context in work}
        pending = set(names)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            finished_groups.put([(*names[task], task.result()) for task in done])
    finally:
        finished_groups.put(None)


def _started_again(client: redis.Redis, arn: str, key: str, starts: int) -> None:
    if starts > 1:  # a worker died running it: the driver writes the retry into the history
        notify(client, arn, {"restart": key, "n": starts})
        if holder_is_dead(client.get(keys.x(arn, "lock"))):
            # That process held the execution too: let a driver host take it over now, not when
            # the lease lapses.
            client.zadd(keys.LEASES, {arn: 0}, xx=True)


def _records_until_stored(client: redis.Redis, arn: str, finished: list[tuple[str, str, dict]],
                          limit_s: float = 600) -> None:
    """Record ``(key, claim key, record)`` results in one round trip. Keep trying while Redis is away
    (a restart): the work is done, and its results must arrive."""
    deadline = time.monotonic() + limit_s
    while True:
        try:
            _record(client, arn, finished)
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
